package io.nattery.cloud;

import io.nattery.cloud.api.ApiVerticle;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.db.Migrations;
import io.nattery.cloud.history.TelemetryHistoryVerticle;
import io.nattery.cloud.ingest.MqttIngestVerticle;
import io.nattery.cloud.state.DeviceStateVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.List;

/**
 * One cloud node: applies the schema migrations, then deploys device state, ingestion and the API, each
 * reading its part of the node's configuration ({@code http}, {@code mqtt}, {@code postgres}, {@code jwt},
 * {@code state}) and, when {@code history} is set, the telemetry history writer.
 */
public final class CloudNode {

  private CloudNode() {
  }

  /** Applies the schema migrations to the {@code postgres} database; the number applied. */
  public static Future<Integer> migrate(Vertx vertx, JsonObject postgres) {
    Pool pool = Database.pool(vertx, postgres);
    return Migrations.apply(pool).eventually(pool::close);
  }

  public static Future<List<String>> deploy(Vertx vertx, JsonObject config) {
    return migrate(vertx, config.getJsonObject("postgres", new JsonObject()))
      .compose(applied -> vertx.deployVerticle(new DeviceStateVerticle(), new DeploymentOptions().setConfig(
        config.getJsonObject("state", new JsonObject()).copy().put("postgres", config.getJsonObject("postgres")))))
      .compose(state -> history(vertx, config)
        .compose(history -> vertx.deployVerticle(new MqttIngestVerticle(), new DeploymentOptions().setConfig(config))
          .compose(ingest -> vertx.deployVerticle(new ApiVerticle(), new DeploymentOptions().setConfig(config))
            .map(api -> history == null ? List.of(state, ingest, api) : List.of(state, history, ingest, api)))));
  }

  /** The telemetry history writer, when the node is configured with a store ({@code history}). */
  private static Future<String> history(Vertx vertx, JsonObject config) {
    JsonObject history = config.getJsonObject("history");
    return history == null ? Future.succeededFuture(null)
      : vertx.deployVerticle(new TelemetryHistoryVerticle(), new DeploymentOptions().setConfig(history));
  }
}
