package io.nattery.cloud.api;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

/**
 * A feature's routes under {@code /api/v1}, mounted by the {@link ApiVerticle} after the JWT check and
 * before the catch-all 404. Each route names its least role with {@link Http#requires}.
 */
public interface RouteGroup {

  /**
   * @param vertx  the API verticle's Vert.x
   * @param router the API router
   * @param pool   the API verticle's PostgreSQL pool
   * @param config the node's configuration
   */
  void mount(Vertx vertx, Router router, Pool pool, JsonObject config);
}
