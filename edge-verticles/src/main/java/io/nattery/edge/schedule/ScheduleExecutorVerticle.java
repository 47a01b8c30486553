package io.nattery.edge.schedule;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
import io.nattery.edge.store.EdgeStore;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.ExecutionAck;
import io.nattery.protocol.ExecutionStatus;
import io.nattery.protocol.FieldError;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Mode;
import io.nattery.protocol.RejectReason;
import io.nattery.protocol.Schedule;
import io.nattery.protocol.ScheduleAck;
import io.nattery.protocol.ScheduleAckStatus;
import io.nattery.protocol.ScheduleRules;
import io.nattery.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Takes schedules from {@code devices/{id}/schedule}, checks them (schema, {@code v}, version above the one
 * applied, alignment, window, rated power), stores them in SQLite, and runs their slots: at each boundary
 * the slot's setpoint goes to the control verticle (which holds the safety limits), and once the inverter
 * had {@code measure_after_ms} to follow, one execution ack per started slot reports the battery power
 * measured. Between and after slots the battery runs in {@code self_consumption}.
 *
 * <p>Acks: RECEIVED, then APPLIED or FAILED with a reason ({@code malformed_json}, {@code unsupported_version},
 * {@code schema_invalid: field}, {@code stale_version}, {@code semantic_invalid: field: why}). A FAILED schedule
 * changes nothing. The same {@code schedule_id} again (the retained copy after every reconnect) is ignored.
 * A newer schedule replaces the plan from its first slot on; earlier slots of the older one still run.
 * "Slot executed" and its ack are committed together, so after a restart mid-slot the slot's setpoint is
 * applied again but never acked twice.
 * Config: {@code device_id}, {@code rated_power_kw} (5), {@code measure_after_ms} (5000), {@code clock}.
 */
public final class ScheduleExecutorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleExecutorVerticle.class);
  /** Re-examines the plan at least this often (real time), whatever the timers say. */
  private static final long SAFETY_TICK_MS = 30_000;

  /** One slot of the plan and the schedule it came from. */
  record PlannedSlot(String scheduleId, Schedule.Slot slot) {
  }

  private final EdgeStore store;
  private final MessageValidator validator = new MessageValidator();
  private final ScheduleRules rules = new ScheduleRules();
  private String deviceId;
  private double ratedPowerKw;
  private long measureAfterMs;
  private EdgeClock clock;
  private String ackTopic;
  private DeliveryOptions local;
  private String appliedScheduleId;
  private long appliedVersion = -1;
  private List<PlannedSlot> plan = List.of();
  /** The slot being run, or null while in self_consumption; compared by identity of start and schedule. */
  private PlannedSlot running;
  private boolean selfConsumptionApplied;
  private long boundaryTimer = -1;
  private long safetyTimer = -1;
  private JsonObject latestSample;
  private long rejected;
  /** Schedules refused lately, with the reason: a retained copy is not answered again, a resent one is. */
  private final java.util.Map<String, String> failedIds = new java.util.LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<String, String> eldest) {
      return size() > 100;
    }
  };

  public ScheduleExecutorVerticle(EdgeStore store) {
    this.store = store;
  }

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
    ratedPowerKw = config().getDouble("rated_power_kw", 5.0);
    measureAfterMs = config().getLong("measure_after_ms", 5000L);
    clock = EdgeClock.fromConfig(config().getJsonObject("clock"));
    ackTopic = Topics.ack(deviceId);
    local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(config().getLong("control_request_timeout_ms", 15_000L));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.telemetry(deviceId), m -> latestSample = m.body());
    return vertx.executeBlocking(store::appliedSchedule)
        .compose(stored -> {
          stored.ifPresent(this::restore);
          return vertx.eventBus().<Buffer>localConsumer(Addresses.scheduleIn(deviceId), this::onSchedule).completion();
        })
        .onSuccess(v -> {
          safetyTimer = vertx.setPeriodic(SAFETY_TICK_MS, id -> tick());
          tick();
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(boundaryTimer);
    vertx.cancelTimer(safetyTimer);
    return Future.succeededFuture();
  }

  private void restore(EdgeStore.StoredSchedule stored) {
    appliedScheduleId = stored.scheduleId();
    appliedVersion = stored.version();
    plan = decodePlan(new JsonObject(stored.json()));
    LOG.info("[device: {}, schedule: {}] restored version {} with {} slots", deviceId, appliedScheduleId, appliedVersion, plan.size());
  }

  // ---- schedules in ----

  /** Schedules are handled one after the other, in arrival order, so their acks are in that order too. */
  private Future<Void> scheduleQueue = Future.succeededFuture();

  private void onSchedule(Message<Buffer> message) {
    Buffer payload = message.body();
    boolean retained = Boolean.parseBoolean(message.headers().get(Addresses.RETAINED_HEADER));
    scheduleQueue = scheduleQueue.transform(previous -> handleSchedule(payload, retained).recover(e -> {
      LOG.error("[device: {}] schedule handling failed: {}", deviceId, e.getMessage());
      return Future.succeededFuture();
    }));
  }

  private Future<Void> handleSchedule(Buffer payload, boolean retained) {
    if (payload == null || payload.length() == 0) {
      return Future.succeededFuture(); // a cleared retained schedule: nothing to apply, nothing to ack
    }
    Decoded<Schedule> decoded = validator.decode(MessageType.SCHEDULE, payload);
    if (!decoded.isAccepted()) {
      JsonObject json = tryJson(payload);
      String id = json != null && json.getValue("schedule_id") instanceof String s && !s.isEmpty() && s.length() <= 128 ? s : "unknown";
      long version = json != null && json.getValue("version") instanceof Number n && n.longValue() >= 0 ? n.longValue() : 0;
      String trace = json != null && json.getValue("trace_id") instanceof String t && t.length() <= 128 ? t : null;
      String reason = decoded.rejection().ackReason();
      // RECEIVED names what arrived; FAILED says why it is not applied
      return failSchedule(id, version, trace, reason, true);
    }
    Schedule schedule = decoded.value();
    boolean applied = schedule.scheduleId().equals(appliedScheduleId);
    String failedFor = failedIds.get(schedule.scheduleId());
    if (applied || failedFor != null) {
      if (retained) {
        // the retained copy comes back on every reconnect: it was answered once
        LOG.debug("[device: {}, schedule: {}] already answered, ignored", deviceId, schedule.scheduleId());
        return Future.succeededFuture();
      }
      // sent again by the cloud, which is still waiting for the final ack (it was lost on its way): the same
      // answer again, nothing applied twice
      LOG.info("[device: {}, schedule: {}] sent again; answering {} again", deviceId, schedule.scheduleId(),
          applied ? "APPLIED" : "FAILED");
      return enqueue(applied ? scheduleAck(schedule, ScheduleAckStatus.APPLIED, null)
          : scheduleAck(schedule, ScheduleAckStatus.FAILED, failedFor));
    }
    return enqueue(scheduleAck(schedule, ScheduleAckStatus.RECEIVED, null)).transform(received -> {
      String reason = check(schedule);
      if (reason != null) {
        // the retained copy comes back on every reconnect: answer it once
        failedIds.put(schedule.scheduleId(), reason);
        return failSchedule(schedule.scheduleId(), schedule.version(), schedule.traceId(), reason, false);
      }
      return apply(schedule);
    });
  }

  private static JsonObject tryJson(Buffer payload) {
    try {
      return payload.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The reason a valid-looking schedule cannot be applied, or null when it can. */
  private String check(Schedule schedule) {
    if (!deviceId.equals(schedule.deviceId())) {
      return RejectReason.SEMANTIC_INVALID.code() + ": device_id: schedule is for " + schedule.deviceId();
    }
    if (schedule.version() <= appliedVersion) {
      return "stale_version";
    }
    List<FieldError> errors = rules.check(schedule, clock.now(), ratedPowerKw);
    if (!errors.isEmpty()) {
      FieldError first = errors.get(0);
      return RejectReason.SEMANTIC_INVALID.code() + ": " + first.field() + ": " + first.message();
    }
    return null;
  }

  private Future<Void> failSchedule(String scheduleId, long version, String traceId, String reason, boolean sendReceived) {
    rejected++;
    LOG.warn("[device: {}, schedule: {}, trace: {}] schedule version {} FAILED: {}", deviceId, scheduleId, traceId, version, reason);
    Future<Void> first = sendReceived
        ? enqueue(new ScheduleAck(scheduleId, deviceId, version, ScheduleAckStatus.RECEIVED, null, clock.now(), traceId).toJson())
        : Future.succeededFuture();
    return first.compose(v -> enqueue(new ScheduleAck(scheduleId, deviceId, version, ScheduleAckStatus.FAILED, reason, clock.now(), traceId).toJson()));
  }

  private Future<Void> apply(Schedule schedule) {
    Instant firstStart = schedule.slots().get(0).start();
    List<PlannedSlot> merged = new ArrayList<>();
    for (PlannedSlot old : plan) {
      if (old.slot().start().isBefore(firstStart)) {
        merged.add(old);
      }
    }
    for (Schedule.Slot slot : schedule.slots()) {
      merged.add(new PlannedSlot(schedule.scheduleId(), slot));
    }
    String planJson = encodePlan(merged).encode();
    String ack = scheduleAck(schedule, ScheduleAckStatus.APPLIED, null).encode();
    return vertx.executeBlocking(() -> {
      store.applySchedule(schedule.scheduleId(), schedule.version(), planJson, ackTopic, ack);
      return null;
    }).<Void>map(v -> {
      appliedScheduleId = schedule.scheduleId();
      appliedVersion = schedule.version();
      plan = List.copyOf(merged);
      kick();
      LOG.info("[device: {}, schedule: {}, trace: {}] version {} APPLIED: {} slots from {}", deviceId, schedule.scheduleId(),
          schedule.traceId(), schedule.version(), schedule.slots().size(), firstStart);
      tick();
      return null;
    }).recover(e -> failSchedule(schedule.scheduleId(), schedule.version(), schedule.traceId(),
        "store_failed: " + e.getMessage(), false));
  }

  private JsonObject scheduleAck(Schedule schedule, ScheduleAckStatus status, String reason) {
    return new ScheduleAck(schedule.scheduleId(), deviceId, schedule.version(), status, reason, clock.now(), schedule.traceId()).toJson();
  }

  // ---- slots ----

  /** Runs whatever slot the clock is in, then sets a timer for the next boundary. */
  private void tick() {
    vertx.cancelTimer(boundaryTimer);
    Instant now = clock.now();
    Optional<PlannedSlot> current = plan.stream()
        .filter(p -> !now.isBefore(p.slot().start()) && now.isBefore(p.slot().end()))
        .findFirst();
    if (current.isPresent()) {
      if (running == null || !running.equals(current.get())) {
        startSlot(current.get());
      }
    } else if (running != null || !selfConsumptionApplied) {
      running = null;
      selfConsumption();
    }
    Instant next = plan.stream()
        .flatMap(p -> java.util.stream.Stream.of(p.slot().start(), p.slot().end()))
        .filter(t -> t.isAfter(now))
        .min(Instant::compareTo)
        .orElse(null);
    if (next != null) {
      boundaryTimer = vertx.setTimer(Math.max(1, clock.realDelayUntil(next)), id -> tick());
    }
  }

  private void selfConsumption() {
    control(Mode.SELF_CONSUMPTION, 0, null, null)
        .onSuccess(r -> {
          selfConsumptionApplied = true;
          LOG.info("[device: {}] no slot running: self_consumption", deviceId);
        })
        .onFailure(e -> {
          selfConsumptionApplied = false;
          LOG.warn("[device: {}] self_consumption not applied, retrying at the next tick: {}", deviceId, e.getMessage());
        });
  }

  private void startSlot(PlannedSlot planned) {
    running = planned;
    selfConsumptionApplied = false;
    Schedule.Slot slot = planned.slot();
    String slotStart = slot.start().toString();
    double powerW = switch (slot.mode()) {
      case CHARGE -> -slot.rateKw() * 1000;
      case DISCHARGE -> slot.rateKw() * 1000;
      default -> 0;
    };
    Instant appliedAt = clock.now();
    LOG.info("[device: {}, schedule: {}] slot {} starts: {} {} kW ({} ms after the boundary)", deviceId, planned.scheduleId(),
        slotStart, slot.mode().wire(), slot.rateKw(), appliedAt.toEpochMilli() - slot.start().toEpochMilli());
    vertx.executeBlocking(() -> store.slotExecuted(planned.scheduleId(), slotStart))
        .compose(acked -> control(slot.mode(), powerW, slot.socMinPct(), slot.socMaxPct())
            .transform(result -> {
              if (acked) {
                LOG.info("[device: {}, schedule: {}] slot {} resumed after a restart; its ack went out before", deviceId,
                    planned.scheduleId(), slotStart);
                return Future.succeededFuture();
              }
              if (result.failed()) {
                return report(planned, ExecutionStatus.FAILED, null, "setpoint_not_applied: " + result.cause().getMessage());
              }
              String limitedBy = result.result().getString("limited_by");
              return vertx.timer(measureAfterMs).compose(t -> report(planned, ExecutionStatus.EXECUTED, measuredKw(slot.mode()), limitedBy));
            }))
        .onFailure(e -> LOG.error("[device: {}, schedule: {}] slot {} not recorded: {}", deviceId, planned.scheduleId(), slotStart, e.getMessage()));
  }

  /** The battery power of the latest sample, in the slot mode's direction (kW, >= 0 when it follows the mode). */
  private Double measuredKw(Mode mode) {
    if (latestSample == null || latestSample.getValue("battery_power_w") == null) {
      return null;
    }
    double w = latestSample.getDouble("battery_power_w");
    double kw = (mode == Mode.CHARGE ? -w : w) / 1000.0;
    return Math.round(kw * 1000) / 1000.0;
  }

  private Future<Void> report(PlannedSlot planned, ExecutionStatus status, Double actualKw, String reason) {
    Schedule.Slot slot = planned.slot();
    String slotStart = slot.start().toString();
    String ack = new ExecutionAck(planned.scheduleId(), deviceId, slot.start(), slot.mode(), slot.rateKw(), actualKw, status,
        reason, clock.now()).toJson().encode();
    return vertx.executeBlocking(() -> store.markSlotExecuted(planned.scheduleId(), slotStart, ackTopic, ack))
        .map(marked -> {
          if (marked) {
            kick();
            LOG.info("[device: {}, schedule: {}] slot {} {} (requested {} kW, measured {} kW{})", deviceId, planned.scheduleId(),
                slotStart, status, slot.rateKw(), actualKw, reason == null ? "" : ", " + reason);
          }
          return null;
        });
  }

  private Future<JsonObject> control(Mode mode, double powerW, Double socMin, Double socMax) {
    JsonObject request = new JsonObject().put("op", "apply").put("mode", mode.wire()).put("power_w", powerW)
        .put("soc_min_pct", socMin).put("soc_max_pct", socMax).put("source", "schedule");
    return vertx.eventBus().<JsonObject>request(Addresses.control(deviceId), request, local).map(Message::body);
  }

  private Future<Void> enqueue(JsonObject ack) {
    String payload = ack.encode();
    return vertx.executeBlocking(() -> {
      store.enqueue(ackTopic, 1, payload, false);
      return null;
    }).onSuccess(v -> kick()).mapEmpty();
  }

  private void kick() {
    vertx.eventBus().publish(Addresses.outboxKick(deviceId), null, new DeliveryOptions().setLocalOnly(true));
  }

  // ---- the stored plan ----

  static JsonObject encodePlan(List<PlannedSlot> plan) {
    JsonArray slots = new JsonArray();
    for (PlannedSlot p : plan) {
      slots.add(p.slot().toJson().put("schedule_id", p.scheduleId()));
    }
    return new JsonObject().put("slots", slots);
  }

  static List<PlannedSlot> decodePlan(JsonObject json) {
    List<PlannedSlot> plan = new ArrayList<>();
    JsonArray slots = json.getJsonArray("slots");
    for (int i = 0; i < slots.size(); i++) {
      JsonObject slot = slots.getJsonObject(i);
      plan.add(new PlannedSlot(slot.getString("schedule_id"), Schedule.Slot.fromJson(slot)));
    }
    return List.copyOf(plan);
  }

  long rejected() {
    return rejected;
  }
}
