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
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the latest state of every device in a {@link DeviceStateStore}: Redis when {@code redis} is configured (every
 * node and outside readers see the same), else this process (the demo). It takes the telemetry, status and Health
 * that this node's ingestion accepted (local consumers: each message is recorded once, by the node that took it),
 * sends samples to the store in pipelined batches (one batch in flight; what arrives meanwhile forms the next),
 * counts what the store judged ({@code seq} gaps, duplicates, late replays), marks silent devices offline, and tells
 * the alerts verticle when a device condition begins or ends (offline, inverter fault, communication errors).
 * <p>
 * With {@code postgres} configured it copies the device registry into this node's {@link DeviceRegistry} (which
 * ingestion checks every message against) and into the store, and records when each device was last seen.
 */
public class DeviceStateVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceStateVerticle.class);
  private static final long LOG_INTERVAL_MS = 10_000;

  private DeviceStateStore store;
  private DeviceRegistry registry;
  private Pool pool;
  private Duration silence;
  private int batchMax;
  /** Syncs so far; every {@value #FULL_REGISTER_EVERY}th registers every device with the store again. */
  private long syncs;
  private static final int FULL_REGISTER_EVERY = 10;
  private int queueMax;
  private long commErrorsThreshold;
  /** What waits for the store, in arrival order: telemetry, status and Health of this node's devices. */
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean writing;
  private boolean sweeping;
  private static final int CHANGES_LOG_S = 10;
  /** Presence changes since the last summary line: online, offline (last will), silent. */
  private final Map<String, Long> changes = new java.util.TreeMap<>();
  /** Devices this node heard from since their last_seen was last written to the registry. */
  private Map<String, Instant> seen = new HashMap<>();
  private final Map<String, Long> counters = new LinkedHashMap<>();
  private long lastErrorLog;

  private enum Kind { TELEMETRY, STATUS, HEALTH }

  private record Pending(Kind kind, JsonObject body) {
  }

  @Override
  public Future<?> start() {
    silence = Duration.ofSeconds(config().getInteger("offline_after_s", 30));
    batchMax = config().getInteger("batch_max", 1000);
    queueMax = config().getInteger("queue_max", 50_000);
    commErrorsThreshold = config().getLong("comm_errors_threshold", 10L);
    for (String counter : List.of("samples", "latest", "duplicates", "late", "gaps", "missed", "dropped",
        "store_errors", "batches")) {
      counters.put(counter, 0L);
    }
    registry = DeviceRegistry.of(vertx);
    JsonObject redis = config().getJsonObject("redis");
    Future<DeviceStateStore> opened = redis == null
      ? Future.succeededFuture(new DeviceStates())
      : RedisDeviceStates.connect(vertx, redis).map(s -> s);
    return opened.compose(s -> {
      store = s;
      LOG.info("device state kept in {}", redis == null ? "this process" : "Redis");
      JsonObject postgres = config().getJsonObject("postgres");
      if (postgres == null) {
        return Future.succeededFuture();
      }
      pool = Database.pool(vertx, postgres);
      long every = config().getLong("registry_sync_ms", 30_000L);
      vertx.setPeriodic(every, every, id -> syncRegistry()
        .onFailure(e -> LOG.warn("device registry not synced: {}", e.getMessage())));
      return syncRegistry();
    }).compose(r -> {
      vertx.setPeriodic(1000, id -> sweepSilent());
      vertx.setPeriodic(CHANGES_LOG_S * 1000L, id -> logChanges());
      var bus = vertx.eventBus();
      return Future.all(List.of(
        bus.<JsonObject>localConsumer(Addresses.TELEMETRY_ACCEPTED, this::onTelemetry).completion(),
        bus.<JsonObject>localConsumer(Addresses.STATUS_ACCEPTED, this::onStatus).completion(),
        bus.<JsonObject>localConsumer(Addresses.HEALTH_ACCEPTED, this::onHealth).completion(),
        bus.<JsonObject>consumer(Addresses.DEVICE_PROVISIONED, this::onProvisioned).completion(),
        bus.<JsonObject>localConsumer(Addresses.STATE_STATS, m -> m.reply(stats())).completion(),
        bus.<JsonObject>localConsumer(Addresses.DEVICE_QUERY, this::onQuery).completion(),
        bus.<JsonObject>consumer(Addresses.SCHEDULES_STATUS, this::onScheduleStatus).completion()));
    });
  }

  @Override
  public Future<?> stop() {
    Future<?> closed = store == null ? Future.succeededFuture() : store.close();
    return pool == null ? closed : closed.eventually(pool::close);
  }

  /**
   * Registry to this node's copy and to the store; this node's last_seen values to the registry. The store is
   * told only of devices new since the last sync (every {@link #FULL_REGISTER_EVERY}th sync, of all: a Redis that
   * lost its keys is filled again), and last_seen is one statement over all devices in id order, so the rows are
   * locked briefly and in one order (a schedule's version is taken on the same rows).
   */
  private Future<?> syncRegistry() {
    Map<String, Instant> written = seen;
    seen = new HashMap<>();
    List<String> ids = written.keySet().stream().sorted().toList();
    Future<?> lastSeen = ids.isEmpty() ? Future.succeededFuture() : pool
      .preparedQuery("UPDATE devices d SET last_seen = GREATEST(d.last_seen, v.at) "
        + "FROM unnest($1::text[], $2::timestamptz[]) AS v(id, at) WHERE d.device_id = v.id")
      // addValue: Tuple.of would spread an array argument into parameters of its own
      .execute(Tuple.tuple().addValue(ids.toArray(new String[0]))
        .addValue(ids.stream().map(id -> written.get(id).atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new)))
      .onFailure(e -> written.forEach((id, at) -> seen.merge(id, at, (a, b) -> a.isAfter(b) ? a : b)));
    boolean full = syncs++ % FULL_REGISTER_EVERY == 0;
    return lastSeen.compose(w -> pool.query("SELECT device_id, site FROM devices").execute())
      .compose(devices -> {
        Map<String, String> sites = new HashMap<>();
        Map<String, String> fresh = new HashMap<>();
        devices.forEach(row -> {
          String id = row.getString("device_id");
          String site = row.getString("site");
          sites.put(id, site);
          if (full || !registry.contains(id) || !registry.site(id).equals(site == null ? "" : site)) {
            fresh.put(id, site);
          }
        });
        registry.replaceAll(sites);
        return fresh.isEmpty() ? Future.succeededFuture() : store.register(fresh);
      });
  }

  /** A schedule the device applied is its active one (every node hears it; the store keeps the newest). */
  private void onScheduleStatus(Message<JsonObject> message) {
    JsonObject status = message.body();
    if (!"APPLIED".equals(status.getString("status")) || status.getLong("version") == null) {
      return;
    }
    store.recordAppliedSchedule(status.getString("device_id"), status.getString("schedule_id"), status.getLong("version"))
      .onFailure(e -> LOG.warn("active schedule not recorded [device: {}, schedule: {}]: {}",
        status.getString("device_id"), status.getString("schedule_id"), e.getMessage()));
  }

  private void onProvisioned(Message<JsonObject> message) {
    String id = message.body().getString("device_id");
    String site = message.body().getString("site");
    registry.add(id, site);
    store.register(Map.of(id, site == null ? "" : site))
      .onFailure(e -> LOG.warn("provisioned device not registered in the state store [device: {}]: {}", id,
        e.getMessage()));
  }

  private void onTelemetry(Message<JsonObject> message) {
    count("samples", 1);
    if (queue.size() >= queueMax) {
      // the store is behind by a whole queue: state is only the latest, history still gets every sample
      count("dropped", 1);
      logError("device state store is behind; dropping samples for the state (history keeps them)");
      return;
    }
    queue.add(new Pending(Kind.TELEMETRY, message.body()));
    writeNext();
  }

  /**
   * One write in flight, in arrival order (a last will right after a device's last sample must not overtake it):
   * the telemetry at the head of the queue goes as one batch, a status or Health alone.
   */
  private void writeNext() {
    if (writing || queue.isEmpty()) {
      return;
    }
    writing = true;
    Pending head = queue.peek();
    Future<?> written;
    if (head.kind() == Kind.TELEMETRY) {
      written = writeTelemetry();
    } else {
      queue.poll();
      written = head.kind() == Kind.STATUS ? writeStatus(head.body()) : writeHealth(head.body());
    }
    written.onComplete(done -> {
      writing = false;
      writeNext();
    });
  }

  private Future<?> writeTelemetry() {
    List<JsonObject> batch = new ArrayList<>(Math.min(queue.size(), batchMax));
    while (!queue.isEmpty() && batch.size() < batchMax && queue.peek().kind() == Kind.TELEMETRY) {
      batch.add(queue.poll().body());
    }
    Instant now = Instant.now();
    count("batches", 1);
    return store.recordTelemetry(batch, now)
      .onSuccess(outcomes -> {
        for (int i = 0; i < batch.size(); i++) {
          judged(batch.get(i), outcomes.get(i), now);
        }
      })
      .onFailure(e -> {
        count("store_errors", batch.size());
        logError("device state store refused a batch of {} samples: {}", batch.size(), e.getMessage());
      });
  }

  private void judged(JsonObject sample, DeviceStateStore.Outcome outcome, Instant now) {
    String id = sample.getString("device_id");
    seen.put(id, now);
    switch (outcome.verdict()) {
      case LATEST -> count("latest", 1);
      case DUPLICATE -> count("duplicates", 1);
      case LATE -> count("late", 1);
    }
    if (outcome.missed() > 0) {
      count("gaps", 1);
      count("missed", outcome.missed());
    }
    if (outcome.cameOnline()) {
      condition("device_offline", id, null, "warning", false, now, "sent telemetry");
    }
    if (outcome.faultChange() != 0) {
      boolean fault = outcome.faultChange() > 0;
      condition("inverter_fault", id, null, "critical", fault, now,
        fault ? "inverter_state fault" : "inverter_state " + sample.getString("inverter_state"));
    }
  }

  private void onStatus(Message<JsonObject> message) {
    queue.add(new Pending(Kind.STATUS, message.body()));
    writeNext();
  }

  private Future<?> writeStatus(JsonObject status) {
    String id = status.getString("device_id");
    boolean online = status.getBoolean("online");
    Instant now = Instant.now();
    if (online) {
      seen.put(id, now);
    }
    return store.recordStatus(id, online, now)
      .onSuccess(changed -> {
        if (changed) {
          LOG.debug("device is {} [device: {}]", online ? "online" : "offline", id);
          changes.merge(online ? "online" : "offline", 1L, Long::sum);
          condition("device_offline", id, null, "warning", !online, now,
            online ? "online status" : "offline status (last will)");
        }
      })
      .onFailure(e -> {
        count("store_errors", 1);
        logError("device state store refused a status [device: {}]: {}", id, e.getMessage());
      });
  }

  /** Communication errors: Modbus errors and timeouts rising by more than the threshold between two Health messages. */
  private void onHealth(Message<JsonObject> message) {
    queue.add(new Pending(Kind.HEALTH, message.body()));
    writeNext();
  }

  private Future<?> writeHealth(JsonObject health) {
    String id = health.getString("device_id");
    JsonObject modbus = health.getJsonObject("modbus");
    long errors = modbus.getLong("errors") + modbus.getLong("timeouts");
    Instant now = Instant.now();
    seen.put(id, now);
    return store.recordHealth(id, health, errors, commErrorsThreshold)
      .onSuccess(outcome -> {
        if (outcome.change() != 0) {
          condition("comm_errors", id, null, "warning", outcome.change() > 0, now,
            "Modbus errors and timeouts rose by " + outcome.rise() + " since the previous Health (threshold "
              + commErrorsThreshold + ")");
        }
      })
      .onFailure(e -> {
        count("store_errors", 1);
        logError("device state store refused a Health message [device: {}]: {}", id, e.getMessage());
      });
  }

  /**
   * Online and offline changes, summed for the log: one line per device would be 10,000 lines when a fleet
   * reconnects (per device at DEBUG; the offline alert names each device anyway).
   */
  private void logChanges() {
    if (!changes.isEmpty()) {
      LOG.info("device presence changed in the last {} s: {}", CHANGES_LOG_S, changes);
      changes.clear();
    }
  }

  /** Every node sweeps; the store hands each silent device to one sweep only. */
  private void sweepSilent() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    Instant now = Instant.now();
    store.markSilentOffline(now, silence)
      .onSuccess(ids -> ids.forEach(id -> {
        LOG.debug("device silent for {} s, now offline [device: {}]", silence.toSeconds(), id);
        changes.merge("silent", 1L, Long::sum);
        condition("device_offline", id, null, "warning", true, now, "silent for more than " + silence.toSeconds() + " s");
      }))
      .onFailure(e -> logError("device state store not reachable for the silence check: {}", e.getMessage()))
      .onComplete(done -> sweeping = false);
  }

  private void condition(String type, String deviceId, String code, String severity, boolean active, Instant at,
                         String detail) {
    vertx.eventBus().publish(Addresses.DEVICE_CONDITION, new JsonObject()
      .put("type", type).put("device_id", deviceId).put("code", code).put("severity", severity)
      .put("active", active).put("at", text(at)).put("detail", detail),
      new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
  }

  private void onQuery(Message<JsonObject> message) {
    JsonObject query = message.body();
    switch (query.getString("op", "")) {
      case "ping" -> reply(message, store.counts());
      case "get" -> reply(message, store.get(query.getString("device_id"))
        .map(device -> new JsonObject().put("device", device.orElse(null))));
      case "list" -> reply(message, store.list(query.getString("after"), query.getInteger("limit", 100),
          query.getBoolean("online"))
        .map(page -> new JsonObject().put("items", new JsonArray(page.items())).put("last", page.last())));
      default -> message.fail(400, "unknown device query");
    }
  }

  private static void reply(Message<JsonObject> message, Future<JsonObject> answer) {
    answer.onSuccess(message::reply).onFailure(e -> message.fail(503, "device state store: " + e.getMessage()));
  }

  private JsonObject stats() {
    return new JsonObject(new LinkedHashMap<>(counters)).put("queued", queue.size())
      .put("registry", registry.size());
  }

  private void count(String counter, long n) {
    counters.merge(counter, n, Long::sum);
  }

  private void logError(String format, Object... args) {
    long now = System.currentTimeMillis();
    if (now - lastErrorLog > LOG_INTERVAL_MS) {
      lastErrorLog = now;
      LOG.warn(format, args);
    }
  }

  /** ISO-8601 UTC with Z and at most milliseconds, as the contract writes time. */
  static String text(java.time.Instant at) {
    return at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
  }
}
