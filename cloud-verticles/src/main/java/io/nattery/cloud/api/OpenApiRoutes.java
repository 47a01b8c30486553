package io.nattery.cloud.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/**
 * {@code GET /openapi.yaml} (no role): the OpenAPI 3.1 description of the REST API, {@code openapi.yaml} on the
 * classpath. Outside {@code /api/v1}, so no token is needed; {@code OpenApiContractIT} keeps it true to the routes.
 */
public final class OpenApiRoutes implements RouteGroup {

  public static final String RESOURCE = "openapi.yaml";

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    // read once, off the event loop, when the API starts
    Future<Buffer> description = vertx.fileSystem().readFile(RESOURCE);
    router.get("/openapi.yaml").handler(ctx -> description
      .onSuccess(yaml -> ctx.response().putHeader("Content-Type", "application/yaml").end(yaml))
      .onFailure(ctx::fail));
  }
}
