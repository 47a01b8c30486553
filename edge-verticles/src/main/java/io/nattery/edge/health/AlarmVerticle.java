package io.nattery.edge.health;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
import io.nattery.edge.store.EdgeStore;
import io.nattery.protocol.Alarm;
import io.nattery.protocol.AlarmState;
import io.nattery.protocol.Severity;
import io.nattery.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Raises and clears alarms from the inverter's fault registers: each telemetry sample carries the codes of
 * the event bits set (and {@code inverter_fault} when the state register says fault); a code that appears
 * is raised, one that disappears is cleared, each once, through the outbox at QoS 1. Severity comes from
 * the code: {@code *_alarm} and faults are critical, {@code *_warning} a warning, the rest info.
 */
public final class AlarmVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AlarmVerticle.class);

  private final EdgeStore store;
  private String deviceId;
  private Set<String> active = new LinkedHashSet<>();

  public AlarmVerticle(EdgeStore store) {
    this.store = store;
  }

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.telemetry(deviceId), m -> onSample(m.body())).completion();
  }

  static Severity severityOf(String code) {
    if (code.endsWith("_alarm") || code.contains("fault")) {
      return Severity.CRITICAL;
    }
    if (code.endsWith("_warning")) {
      return Severity.WARNING;
    }
    return Severity.INFO;
  }

  private void onSample(JsonObject telemetry) {
    Set<String> now = new LinkedHashSet<>();
    JsonArray alarms = telemetry.getJsonArray("alarms", new JsonArray());
    for (Object code : alarms) {
      now.add(String.valueOf(code));
    }
    if ("fault".equals(telemetry.getString("inverter_state"))) {
      now.add("inverter_fault");
    }
    List<Alarm> changes = new ArrayList<>();
    Instant ts = Instant.now();
    for (String code : now) {
      if (!active.contains(code)) {
        changes.add(new Alarm(deviceId, ts, code, severityOf(code), AlarmState.RAISED, "from the inverter's fault registers"));
      }
    }
    for (String code : active) {
      if (!now.contains(code)) {
        changes.add(new Alarm(deviceId, ts, code, severityOf(code), AlarmState.CLEARED, null));
      }
    }
    active = now;
    if (changes.isEmpty()) {
      return;
    }
    String topic = Topics.alarms(deviceId);
    List<String> payloads = changes.stream().map(a -> a.toJson().encode()).toList();
    changes.forEach(a -> LOG.warn("[device: {}] alarm {} {}", deviceId, a.code(), a.state().wire()));
    vertx.executeBlocking(() -> {
      for (String payload : payloads) {
        store.enqueue(topic, 1, payload, false);
      }
      return null;
    }).onSuccess(v -> vertx.eventBus().publish(Addresses.outboxKick(deviceId), null, new DeliveryOptions().setLocalOnly(true)))
        .onFailure(e -> LOG.error("[device: {}] alarms not queued: {}", deviceId, e.getMessage()));
  }
}
