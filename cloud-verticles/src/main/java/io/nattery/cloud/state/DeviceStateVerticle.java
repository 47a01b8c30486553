package io.nattery.cloud.state;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.db.Database;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * Keeps the latest state of every device from accepted telemetry and status messages, marks devices offline
 * after a silence, and answers device queries. With {@code postgres} configured it lists the registry's
 * devices (and their sites) and records when each was last seen. Deployed once per node; all state is
 * touched on its own event loop only.
 */
public class DeviceStateVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceStateVerticle.class);

  private final DeviceStates states = new DeviceStates();
  private Pool pool;

  @Override
  public Future<?> start() {
    Duration silence = Duration.ofSeconds(config().getInteger("offline_after_s", 30));
    vertx.setPeriodic(1000, id -> states.markSilentOffline(Instant.now(), silence)
      .forEach(device -> LOG.info("device silent for {} s, now offline [device: {}]", silence.toSeconds(), device)));
    JsonObject postgres = config().getJsonObject("postgres");
    Future<?> registry = Future.succeededFuture();
    if (postgres != null) {
      pool = Database.pool(vertx, postgres);
      registry = syncRegistry();
      long every = config().getLong("registry_sync_ms", 30_000L);
      vertx.setPeriodic(every, every, id -> syncRegistry()
        .onFailure(e -> LOG.warn("device registry not reachable: {}", e.getMessage())));
    }

    var bus = vertx.eventBus();
    return registry.compose(r -> Future.all(
      bus.<JsonObject>consumer(Addresses.TELEMETRY_ACCEPTED, this::onTelemetry).completion(),
      bus.<JsonObject>consumer(Addresses.STATUS_ACCEPTED, this::onStatus).completion(),
      // queries are answered by this node's own state, never by another node's
      bus.<JsonObject>localConsumer(Addresses.DEVICE_QUERY, this::onQuery).completion()));
  }

  @Override
  public Future<?> stop() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  /**
   * Provisioned devices are listed even before they are first heard from (offline, no telemetry), with
   * their site; and the registry learns when each was last seen.
   */
  private Future<?> syncRegistry() {
    Map<String, Instant> seen = states.seenSinceLastSync();
    List<Tuple> rows = seen.entrySet().stream()
      .map(e -> Tuple.of(e.getKey(), e.getValue().atOffset(ZoneOffset.UTC)))
      .toList();
    Future<?> written = rows.isEmpty() ? Future.succeededFuture() : pool
      .preparedQuery("UPDATE devices SET last_seen = greatest(last_seen, $2) WHERE device_id = $1")
      .executeBatch(rows)
      .onSuccess(r -> states.markSynced(seen));
    return written.compose(w -> pool.query("SELECT device_id, site FROM devices").execute())
      .onSuccess(devices -> devices.forEach(row -> states.register(row.getString("device_id"), row.getString("site"))));
  }

  private void onTelemetry(Message<JsonObject> message) {
    states.onTelemetry(message.body(), Instant.now());
  }

  private void onStatus(Message<JsonObject> message) {
    JsonObject status = message.body();
    boolean online = status.getBoolean("online");
    states.onStatus(status.getString("device_id"), online, Instant.now());
    LOG.info("device is {} [device: {}]", online ? "online" : "offline", status.getString("device_id"));
  }

  private void onQuery(Message<JsonObject> message) {
    JsonObject query = message.body();
    switch (query.getString("op", "")) {
      case "ping" -> message.reply(new JsonObject().put("devices", states.size()).put("online", states.online()));
      case "get" -> message.reply(new JsonObject()
        .put("device", states.get(query.getString("device_id")).orElse(null)));
      case "list" -> {
        DeviceStates.Page page = states.list(query.getString("after"), query.getInteger("limit", 100),
          query.getBoolean("online"));
        message.reply(new JsonObject().put("items", new JsonArray(page.items())).put("last", page.last()));
      }
      default -> message.fail(400, "unknown device query");
    }
  }
}
