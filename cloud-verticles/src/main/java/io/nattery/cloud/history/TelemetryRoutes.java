package io.nattery.cloud.history;

import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Contract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * {@code GET /api/v1/devices/{id}/telemetry?from&to&step} (role viewer): a registered device's history from the
 * time-series store, read with SQL over QuestDB's PostgreSQL wire ({@code history.pg}) and downsampled with
 * {@code SAMPLE BY step}: per bucket the averages of the measurements, the last energy counters, mode and inverter
 * state, and the number of samples. 404 for a device the registry does not hold, 503 when the store does not
 * answer, and 503 on a node that keeps no history.
 */
public final class TelemetryRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(TelemetryRoutes.class);
  private static final String[] AVERAGED = {
    "soc_pct", "battery_power_w", "battery_voltage_v", "battery_current_a", "battery_temp_c",
    "pv_power_w", "grid_power_w", "load_power_w", "setpoint_w"};
  private static final String[] COUNTERS = {"charged_wh", "discharged_wh", "import_wh", "export_wh", "pv_wh"};
  private static final String COLUMNS = columns();

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    JsonObject history = config.getJsonObject("history");
    if (history == null) {
      router.get("/api/v1/devices/:id/telemetry").handler(Http.requires(Role.VIEWER))
        .handler(ctx -> Problems.send(ctx, 503, "this node keeps no telemetry history"));
      return;
    }
    // created in the API verticle's start, so closed with it
    Pool questDb = HistoryReads.pool(vertx, history.getJsonObject("pg", new JsonObject()));
    router.get("/api/v1/devices/:id/telemetry").handler(Http.requires(Role.VIEWER))
      .handler(ctx -> telemetry(vertx, ctx, pool, questDb));
  }

  private void telemetry(Vertx vertx, RoutingContext ctx, Pool registry, Pool questDb) {
    String id = ctx.pathParam("id");
    if (!Contract.isValidDeviceId(id)) {
      Problems.send(ctx, 400, "invalid device id", List.of(
        new Problems.FieldProblem("device_id", "must match [A-Za-z0-9_-]{1,64}")));
      return;
    }
    TelemetryQuery.Parsed parsed = TelemetryQuery.parse(ctx.request().getParam("from"),
      ctx.request().getParam("to"), ctx.request().getParam("step"));
    if (!parsed.errors().isEmpty()) {
      Problems.send(ctx, 400, "invalid telemetry query", parsed.errors());
      return;
    }
    TelemetryQuery query = parsed.query();
    registry.preparedQuery("SELECT 1 FROM devices WHERE device_id = $1").execute(Tuple.of(id))
      .onFailure(e -> Problems.send(ctx, 503, "the device registry is not available"))
      .onSuccess(found -> {
        if (found.size() == 0) {
          Problems.send(ctx, 404, "no device " + id);
          return;
        }
        read(questDb, id, query)
          .compose(rows -> vertx.executeBlocking(() -> answer(id, query, rows).encode(), false))
          .onSuccess(json -> ctx.response().putHeader("Content-Type", "application/json").end(json))
          .onFailure(e -> {
            LOG.warn("telemetry history unavailable [device: {}]: {}", id, e.getMessage());
            Problems.send(ctx, 503, "the telemetry history is not available");
          });
      });
  }

  private static final long QUERY_TIMEOUT_S = 10;

  private static Future<RowSet<Row>> read(Pool questDb, String id, TelemetryQuery query) {
    String sql = "SELECT " + COLUMNS + " FROM " + TelemetryPoints.MEASUREMENT
      + " WHERE device_id = $1 AND timestamp >= $2 AND timestamp < $3 SAMPLE BY " + query.sampleBy()
      + " ALIGN TO CALENDAR ORDER BY ts";
    return questDb.preparedQuery(sql)
      .execute(Tuple.of(id, query.from().atOffset(ZoneOffset.UTC), query.to().atOffset(ZoneOffset.UTC)))
      // a long range must not hold one of the pool's few connections, and the caller, for ever: 503 past this
      .timeout(QUERY_TIMEOUT_S, java.util.concurrent.TimeUnit.SECONDS)
      // before the first telemetry write there is no table: no history yet, not a failure
      .recover(e -> HistoryReads.noTableYet(e) ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  static JsonObject answer(String id, TelemetryQuery query, RowSet<Row> rows) {
    JsonArray items = new JsonArray();
    if (rows != null) {
      for (Row row : rows) {
        JsonObject item = new JsonObject().put("ts", utc(row.getLocalDateTime("ts")))
          .put("samples", row.getLong("samples"));
        for (String name : AVERAGED) {
          item.put(name, row.getDouble(name));
        }
        item.put("mode", row.getString("mode")).put("inverter_state", row.getString("inverter_state"));
        JsonObject energy = new JsonObject();
        for (String name : COUNTERS) {
          energy.put(name, row.getLong("energy_" + name));
        }
        items.add(item.put("energy", energy));
      }
    }
    return new JsonObject().put("device_id", id).put("from", query.from().toString()).put("to", query.to().toString())
      .put("step", query.step().toString()).put("items", items)
      // a list as PROTOCOL.md says; the range is bounded (TelemetryQuery.MAX_POINTS), so it is one page
      .putNull("next_cursor");
  }

  private static String utc(LocalDateTime time) {
    return time.toInstant(ZoneOffset.UTC).toString();
  }

  private static String columns() {
    StringBuilder sql = new StringBuilder("timestamp AS ts, count() AS samples");
    for (String name : AVERAGED) {
      sql.append(", avg(").append(name).append(") AS ").append(name);
    }
    sql.append(", last(mode) AS mode, last(inverter_state) AS inverter_state");
    for (String name : COUNTERS) {
      sql.append(", last(energy_").append(name).append(") AS energy_").append(name);
    }
    return sql.toString();
  }
}
