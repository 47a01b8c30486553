package io.nattery.cloud.alerts;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.db.Database;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Raises and clears alerts: device conditions from the device-state verticle (offline, inverter fault,
 * communication errors), alarms devices send on {@code devices/{id}/alarms}, and alerts other parts publish
 * themselves (stale prices). Every alert is stored in PostgreSQL and, when raised or cleared, published on
 * {@link Addresses#ALERTS}. A condition that ends does not clear its alert at once: the alert clears once the
 * condition has been gone for {@code hold_down_s}, so a flapping device gives one raise and one clear. Every node
 * runs this; the table's one-open-alert-per-key index makes each raise and clear happen once in the cluster.
 */
public class AlertVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AlertVerticle.class);
  /** The alert types raised here; others seen on the alerts address are stored as their source published them. */
  static final Set<String> DEVICE_TYPES = Set.of("device_offline", "inverter_fault", "device_alarm", "comm_errors");

  private Pool pool;
  private AlertStore store;
  private Duration holdDown;
  private boolean clearing;

  /** The tail of the condition changes, applied one after another. */
  private Future<Void> conditions = Future.succeededFuture();

  @Override
  public Future<?> start() {
    holdDown = Duration.ofSeconds(config().getLong("hold_down_s", 120L));
    pool = Database.pool(vertx, config().getJsonObject("postgres", new JsonObject()));
    store = new AlertStore(pool);
    long every = config().getLong("check_interval_ms", 5_000L);
    vertx.setPeriodic(every, id -> clearSettled());
    var bus = vertx.eventBus();
    return Future.all(
      bus.<JsonObject>localConsumer(Addresses.DEVICE_CONDITION, this::onCondition).completion(),
      bus.<JsonObject>localConsumer(Addresses.ALARM_ACCEPTED, this::onAlarm).completion(),
      bus.<JsonObject>consumer(Addresses.ALERTS, this::onPublishedAlert).completion());
  }

  @Override
  public Future<?> stop() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private void onCondition(Message<JsonObject> message) {
    JsonObject c = message.body();
    condition(c.getString("type"), c.getString("device_id"), c.getString("code"), c.getString("severity"),
      c.getBoolean("active"), Instant.parse(c.getString("at")), c.getString("detail"));
  }

  /** An Alarm of the contract: raised begins its condition, cleared ends it. */
  private void onAlarm(Message<JsonObject> message) {
    JsonObject alarm = message.body();
    String code = alarm.getString("code");
    String detail = alarm.getString("detail");
    // answered once stored, so that ingestion acknowledges the alarm to the broker only then
    condition("device_alarm", alarm.getString("device_id"), code, alarm.getString("severity"),
      "raised".equals(alarm.getString("state")), Instant.parse(alarm.getString("ts")),
      detail == null ? code : code + ": " + detail)
      .onSuccess(v -> message.reply(null))
      .onFailure(e -> message.fail(503, "alarm not stored"));
  }

  /**
   * One condition change at a time, in arrival order: a device that goes, comes back and goes again within a
   * moment must end with its last change, which concurrent writes to the alert rows would not guarantee.
   */
  private Future<Void> condition(String type, String deviceId, String code, String severity, boolean active,
                                 Instant at, String detail) {
    Future<Void> change = conditions.transform(previous -> applyCondition(type, deviceId, code, severity, active, at,
      detail));
    conditions = change.otherwiseEmpty();
    return change;
  }

  private Future<Void> applyCondition(String type, String deviceId, String code, String severity, boolean active,
                                      Instant at, String detail) {
    if (!active) {
      return store.conditionEnded(Alert.deviceKey(type, deviceId, code), at)
        .onFailure(e -> LOG.warn("alert condition not stored [type: {}, device: {}]: {}", type, deviceId,
          e.getMessage()))
        .mapEmpty();
    }
    return store.raise(Alert.ofDevice(type, deviceId, code, severity, detail, at))
      .onSuccess(raised -> raised.ifPresent(alert -> {
        LOG.warn("alert raised [type: {}, device: {}, alert: {}]: {}", type, deviceId, alert.getString("alert_id"),
          detail);
        publish(alert);
      }))
      .onFailure(e -> LOG.warn("alert not raised [type: {}, device: {}]: {}", type, deviceId, e.getMessage()))
      .mapEmpty();
  }

  /** Alerts that other parts raise and clear themselves (stale prices) are stored as they come, once per key. */
  private void onPublishedAlert(Message<JsonObject> message) {
    JsonObject alert = message.body();
    String type = alert.getString("type");
    String key = alert.getString("alert_id");
    if (type == null || key == null || DEVICE_TYPES.contains(type)) {
      return;
    }
    Instant at = Instant.parse(alert.getString("ts"));
    Future<Optional<JsonObject>> stored = "cleared".equals(alert.getString("state"))
      ? store.clear(key, at, alert.getString("detail"))
      : store.raise(new Alert(key, key, type, alert.getString("severity", "warning"), alert.getString("device_id"),
        alert.getString("zone"), alert.getString("detail"), at));
    stored.onFailure(e -> LOG.warn("alert not stored [alert: {}]: {}", key, e.getMessage()));
  }

  private void clearSettled() {
    if (clearing) {
      return;
    }
    clearing = true;
    store.clearSettled(Instant.now(), holdDown)
      .onSuccess(cleared -> cleared.forEach(alert -> {
        LOG.info("alert cleared [type: {}, device: {}, alert: {}]", alert.getString("type"),
          alert.getString("device_id"), alert.getString("alert_id"));
        publish(alert);
      }))
      .onFailure(e -> LOG.warn("settled alerts not cleared: {}", e.getMessage()))
      .onComplete(done -> clearing = false);
  }

  /** PROTOCOL's alert shape on the bus: {@code alert_id, type, severity, state, device_id | zone, detail, ts}. */
  private void publish(JsonObject alert) {
    JsonObject event = new JsonObject();
    for (String field : new String[] {"alert_id", "type", "severity", "state", "device_id", "zone", "detail", "ts"}) {
      if (alert.containsKey(field)) {
        event.put(field, alert.getValue(field));
      }
    }
    vertx.eventBus().publish(Addresses.ALERTS, event);
  }
}
