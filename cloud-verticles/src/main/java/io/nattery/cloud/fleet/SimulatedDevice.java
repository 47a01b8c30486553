package io.nattery.cloud.fleet;

import io.nattery.protocol.Command;
import io.nattery.protocol.CommandResult;
import io.nattery.protocol.CommandStatus;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.ExecutionAck;
import io.nattery.protocol.ExecutionStatus;
import io.nattery.protocol.FieldError;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Schedule;
import io.nattery.protocol.ScheduleAck;
import io.nattery.protocol.ScheduleAckStatus;
import io.nattery.protocol.ScheduleRules;
import io.nattery.protocol.Topics;
import io.nattery.protocol.battery.BatteryModel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated edge: a battery under {@link BatteryModel}, a PV and load profile, the schedule it follows
 * and the commands it takes, as PROTOCOL.md asks of a device. It only computes what to send; the fleet
 * sends it. Small on purpose (a fleet holds 10,000 of them): no Vert.x, no per-device threads or timers.
 * Not thread-safe: one event loop drives it.
 */
public final class SimulatedDevice {

  /** A message to publish. */
  public record Outgoing(String topic, String payload, int qos) {
  }

  static final String NO_REGISTER_MAP = "no register map in the simulator";
  private static final double RESISTANCE_OHM = 0.025;
  private static final long DAY_MS = 86_400_000L;

  private final String id;
  private final String telemetryTopic;
  private final BatteryModel battery;
  private final MessageValidator validator;
  private final ScheduleRules rules;
  private final String bootId;
  private final double pvPeakW;
  private final double baseLoadW;
  private final double eveningLoadW;

  private long seq;
  private long lastStepMillis = -1;
  private double energyKwh;
  private double chargedWh;
  private double dischargedWh;
  private double importWh;
  private double exportWh;
  private double pvWh;

  /** Set by set_mode/set_power until resume; emergency_stop holds the battery at 0 until resume. */
  private Mode manualMode;
  private double manualW;
  private boolean stopped;

  /** The slots it follows, sorted; null while it has no schedule (most of the fleet, most of the time). */
  private List<PlannedSlot> slots;
  private long appliedVersion = Long.MIN_VALUE;
  private String appliedScheduleId;

  private static final class PlannedSlot {
    final String scheduleId;
    final Schedule.Slot slot;
    boolean acked;

    PlannedSlot(String scheduleId, Schedule.Slot slot) {
      this.scheduleId = scheduleId;
      this.slot = slot;
    }
  }

  /**
   * @param seed varies PV size and load between devices
   * @param bootId this run's id, sent with every sample (seq restarts from 0 at each run)
   */
  public SimulatedDevice(String id, BatteryModel battery, MessageValidator validator, ScheduleRules rules,
                         long seed, String bootId) {
    this.id = id;
    this.telemetryTopic = Topics.telemetry(id);
    this.battery = battery;
    this.validator = validator;
    this.rules = rules;
    this.bootId = bootId;
    // a cheap spread of sites from the seed: PV 3..6 kWp, base load 200..450 W, evening peak 0.8..1.8 kW
    double u1 = unit(seed * 0x9E3779B97F4A7C15L);
    double u2 = unit(seed * 0xC2B2AE3D27D4EB4FL + 1);
    double u3 = unit(seed * 0x165667B19E3779F9L + 2);
    this.pvPeakW = 3000 + 3000 * u1;
    this.baseLoadW = 200 + 250 * u2;
    this.eveningLoadW = 800 + 1000 * u3;
    this.energyKwh = battery.initialEnergyKwh();
  }

  public String id() {
    return id;
  }

  public String telemetryTopic() {
    return telemetryTopic;
  }

  public long seq() {
    return seq;
  }

  public double socPct() {
    return battery.socPct(energyKwh);
  }

  /** The retained status: online at connect, offline as the last will. */
  public String status(boolean online, Instant now) {
    return new DeviceStatus(id, online, now).toJson().encode();
  }

  /**
   * Advances the battery to {@code nowMillis} and returns the next telemetry sample ({@code ts} given as text,
   * formatted once per tick for the whole fleet). JSON is written by hand: this runs 10,000 times a second.
   */
  public String sample(long nowMillis, String ts) {
    double dtSeconds = lastStepMillis < 0 ? 1 : Math.max(0.001, (nowMillis - lastStepMillis) / 1000.0);
    lastStepMillis = nowMillis;
    double hours = dtSeconds / 3600;
    double hourOfDay = Math.floorMod(nowMillis + 3_600_000L, DAY_MS) / 3_600_000.0; // about Central European time
    double pvW = pvW(hourOfDay);
    double loadW = loadW(hourOfDay, nowMillis);

    PlannedSlot current = currentSlot(nowMillis);
    Mode mode;
    double requestedW;
    if (stopped) {
      mode = Mode.IDLE;
      requestedW = 0;
    } else if (manualMode != null) {
      mode = manualMode;
      requestedW = mode == Mode.SELF_CONSUMPTION ? loadW - pvW : manualW;
    } else if (current != null) {
      mode = current.slot.mode();
      requestedW = slotRequestW(current.slot, loadW - pvW);
    } else {
      mode = Mode.SELF_CONSUMPTION; // no schedule, or past its end
      requestedW = loadW - pvW;
    }
    double kw = battery.clampPowerKw(energyKwh, requestedW / 1000, hours);
    double chargeKw = Math.max(0, -kw);
    double dischargeKw = Math.max(0, kw);
    energyKwh = Math.min(battery.maxEnergyKwh(), Math.max(battery.minEnergyKwh(),
      battery.nextEnergyKwh(energyKwh, chargeKw, dischargeKw, hours)));
    double batteryW = kw * 1000;
    double gridW = loadW - pvW - batteryW;
    chargedWh += chargeKw * 1000 * hours;
    dischargedWh += dischargeKw * 1000 * hours;
    importWh += Math.max(0, gridW) * hours;
    exportWh += Math.max(0, -gridW) * hours;
    pvWh += pvW * hours;
    double soc = battery.socPct(energyKwh);
    double ocv = 48.0 + 6.4 * soc / 100; // 16 LFP cells
    double voltageV = ocv - batteryW / ocv * RESISTANCE_OHM;
    double currentA = batteryW / voltageV;
    double tempC = 24 + 0.002 * Math.abs(batteryW);
    String state = stopped ? "standby" : (batteryW != 0 || pvW > 1) ? "running" : "standby";

    StringBuilder json = new StringBuilder(512);
    json.append("{\"v\":1,\"device_id\":\"").append(id)
      .append("\",\"ts\":\"").append(ts)
      .append("\",\"seq\":").append(seq++)
      .append(",\"boot_id\":\"").append(bootId)
      .append("\",\"soc_pct\":");
    decimal(json, soc);
    json.append(",\"battery_power_w\":");
    decimal(json, batteryW);
    json.append(",\"battery_voltage_v\":");
    decimal(json, voltageV);
    json.append(",\"battery_current_a\":");
    decimal(json, currentA);
    json.append(",\"battery_temp_c\":");
    decimal(json, tempC);
    json.append(",\"pv_power_w\":");
    decimal(json, pvW);
    json.append(",\"grid_power_w\":");
    decimal(json, gridW);
    json.append(",\"load_power_w\":");
    decimal(json, loadW);
    json.append(",\"inverter_state\":\"").append(state)
      .append("\",\"mode\":\"").append(mode.wire())
      .append("\",\"setpoint_w\":");
    decimal(json, requestedW);
    json.append(",\"alarms\":[],\"energy\":{\"charged_wh\":").append((long) chargedWh)
      .append(",\"discharged_wh\":").append((long) dischargedWh)
      .append(",\"import_wh\":").append((long) importWh)
      .append(",\"export_wh\":").append((long) exportWh)
      .append(",\"pv_wh\":").append((long) pvWh)
      .append("}}");
    return json.toString();
  }

  /**
   * A schedule delivered on {@code devices/{id}/schedule}: RECEIVED, then APPLIED or FAILED with the reason,
   * then an execution ack for each of its slots that has already started. An empty payload (a cleared
   * retained topic) is nothing to answer.
   */
  public List<Outgoing> onSchedule(Buffer payload, Instant now) {
    List<Outgoing> out = new ArrayList<>(4);
    if (payload == null || payload.length() == 0) {
      return out;
    }
    Decoded<Schedule> decoded = validator.decode(MessageType.SCHEDULE, payload);
    if (!decoded.isAccepted()) {
      // an ack needs the schedule's id: without a readable one there is no one to answer
      JsonObject raw = readable(payload);
      if (raw != null && raw.getValue("schedule_id") instanceof String scheduleId && !scheduleId.isEmpty()
        && scheduleId.length() <= 128) {
        long version = raw.getValue("version") instanceof Number n ? n.longValue() : 0;
        String traceId = raw.getValue("trace_id") instanceof String t && t.length() <= 128 ? t : null;
        out.add(scheduleAck(scheduleId, version, ScheduleAckStatus.RECEIVED, null, now, traceId));
        out.add(scheduleAck(scheduleId, version, ScheduleAckStatus.FAILED, decoded.rejection().ackReason(), now,
          traceId));
      }
      return out;
    }
    Schedule schedule = decoded.value();
    String sid = schedule.scheduleId();
    out.add(scheduleAck(sid, schedule.version(), ScheduleAckStatus.RECEIVED, null, now, schedule.traceId()));
    String failure = null;
    if (!id.equals(schedule.deviceId())) {
      failure = "schema_invalid: device_id";
    } else if (sid.equals(appliedScheduleId)) {
      // the same id again (a redelivery, or the retained copy after a reconnect): applied once, acked again
      out.add(scheduleAck(sid, schedule.version(), ScheduleAckStatus.APPLIED, null, now, schedule.traceId()));
      return out;
    } else if (schedule.version() <= appliedVersion) {
      failure = "stale_version";
    } else {
      List<FieldError> errors = rules.check(schedule, now, battery.powerKw());
      if (!errors.isEmpty()) {
        failure = "schema_invalid: " + errors.get(0).field();
      }
    }
    if (failure != null) {
      out.add(scheduleAck(sid, schedule.version(), ScheduleAckStatus.FAILED, failure, now, schedule.traceId()));
      return out;
    }
    apply(schedule, now);
    out.add(scheduleAck(sid, schedule.version(), ScheduleAckStatus.APPLIED, null, now, schedule.traceId()));
    out.addAll(dueExecutionAcks(now));
    return out;
  }

  /** A newer schedule replaces the older one from its first slot on; slots already over are dropped. */
  private void apply(Schedule schedule, Instant now) {
    List<PlannedSlot> next = new ArrayList<>();
    Instant from = schedule.slots().get(0).start();
    if (slots != null) {
      for (PlannedSlot kept : slots) {
        if (kept.slot.start().isBefore(from) && kept.slot.end().isAfter(now)) {
          next.add(kept);
        }
      }
    }
    for (Schedule.Slot slot : schedule.slots()) {
      if (slot.end().isAfter(now)) {
        next.add(new PlannedSlot(schedule.scheduleId(), slot));
      }
    }
    slots = next.isEmpty() ? null : next;
    appliedVersion = schedule.version();
    appliedScheduleId = schedule.scheduleId();
  }

  /**
   * One execution ack per slot that started: EXECUTED with the power the battery takes at its start, or FAILED
   * while a manual command or an emergency stop holds the battery. Slots that ended are forgotten.
   */
  public List<Outgoing> dueExecutionAcks(Instant now) {
    if (slots == null) {
      return List.of();
    }
    List<Outgoing> out = new ArrayList<>(1);
    long nowMillis = now.toEpochMilli();
    for (PlannedSlot planned : slots) {
      Schedule.Slot slot = planned.slot;
      if (planned.acked || slot.start().toEpochMilli() > nowMillis) {
        continue;
      }
      planned.acked = true;
      ExecutionStatus status = ExecutionStatus.EXECUTED;
      String reason = null;
      Double actualKw = null;
      if (stopped) {
        status = ExecutionStatus.FAILED;
        reason = "emergency_stop";
      } else if (manualMode != null) {
        status = ExecutionStatus.FAILED;
        reason = "manual_override";
      } else {
        double kw = battery.clampPowerKw(energyKwh, slotRequestW(slot, 0) / 1000, 1.0 / 3600);
        actualKw = Math.round(Math.abs(kw) * 1000) / 1000.0;
      }
      out.add(new Outgoing(Topics.ack(id), new ExecutionAck(planned.scheduleId, id, slot.start(), slot.mode(),
        slot.rateKw(), actualKw, status, reason, now).toJson().encode(), 1));
    }
    slots.removeIf(planned -> planned.acked && planned.slot.end().toEpochMilli() <= nowMillis);
    if (slots.isEmpty()) {
      slots = null;
    }
    return out;
  }

  /** A command on {@code devices/{id}/commands}: answered with its CommandResult(s). */
  public List<Outgoing> onCommand(Buffer payload, Instant now) {
    List<Outgoing> out = new ArrayList<>(2);
    Decoded<Command> decoded = validator.decode(MessageType.COMMAND, payload);
    if (!decoded.isAccepted()) {
      JsonObject raw = readable(payload);
      if (raw != null && raw.getValue("command_id") instanceof String commandId && !commandId.isEmpty()
        && commandId.length() <= 128) {
        out.add(result(commandId, CommandStatus.REJECTED, decoded.rejection().ackReason(), null, now));
      }
      return out;
    }
    Command command = decoded.value();
    String cid = command.commandId();
    if (!id.equals(command.deviceId())) {
      out.add(result(cid, CommandStatus.REJECTED, "schema_invalid: device_id", null, now));
      return out;
    }
    if (command.isExpired(now)) {
      out.add(result(cid, CommandStatus.EXPIRED, "expired at " + command.expiresAt(), null, now));
      return out;
    }
    JsonObject params = command.params();
    switch (command.type()) {
      case READ_REGISTERS, WRITE_REGISTERS -> {
        out.add(result(cid, CommandStatus.REJECTED, NO_REGISTER_MAP, null, now));
        return out;
      }
      case SET_POWER -> {
        double powerW = params.getDouble("power_w");
        if (Math.abs(powerW) > battery.powerKw() * 1000) {
          out.add(result(cid, CommandStatus.REJECTED,
            "power_w " + powerW + " is above the rated power of " + battery.powerKw() * 1000 + " W", null, now));
          return out;
        }
        manualMode = powerW > 0 ? Mode.DISCHARGE : powerW < 0 ? Mode.CHARGE : Mode.IDLE;
        manualW = powerW;
      }
      case SET_MODE -> {
        manualMode = Mode.fromWire(params.getString("mode"));
        double ratedW = battery.powerKw() * 1000;
        manualW = switch (manualMode) {
          case CHARGE -> -ratedW;
          case DISCHARGE -> ratedW;
          default -> 0;
        };
      }
      case EMERGENCY_STOP -> stopped = true;
      case RESUME -> {
        stopped = false;
        manualMode = null;
        manualW = 0;
      }
      default -> throw new IllegalStateException("unhandled command type " + command.type());
    }
    out.add(result(cid, CommandStatus.ACCEPTED, null, null, now));
    JsonObject done = new JsonObject()
      .put("stopped", stopped)
      .put("mode", manualMode == null ? null : manualMode.wire())
      .put("setpoint_w", manualMode == null ? null : manualW);
    out.add(result(cid, CommandStatus.DONE, null, done, now));
    return out;
  }

  private PlannedSlot currentSlot(long nowMillis) {
    if (slots == null) {
      return null;
    }
    for (PlannedSlot planned : slots) {
      if (planned.slot.start().toEpochMilli() <= nowMillis && nowMillis < planned.slot.end().toEpochMilli()) {
        return planned;
      }
    }
    return null;
  }

  /** Signed request in W (> 0 discharge); a slot's SOC bounds stop it at the bound. */
  private double slotRequestW(Schedule.Slot slot, double selfConsumptionW) {
    double soc = battery.socPct(energyKwh);
    double w = switch (slot.mode()) {
      case CHARGE -> -slot.rateKw() * 1000;
      case DISCHARGE -> slot.rateKw() * 1000;
      case IDLE -> 0;
      case SELF_CONSUMPTION -> selfConsumptionW;
    };
    if (w > 0 && slot.socMinPct() != null && soc <= slot.socMinPct()) {
      return 0;
    }
    if (w < 0 && slot.socMaxPct() != null && soc >= slot.socMaxPct()) {
      return 0;
    }
    return w;
  }

  private double pvW(double hourOfDay) {
    double x = (hourOfDay - 6) / 14; // daylight 06:00 to 20:00
    return x <= 0 || x >= 1 ? 0 : pvPeakW * 0.7 * Math.pow(Math.sin(Math.PI * x), 1.3);
  }

  private double loadW(double hourOfDay, long nowMillis) {
    double morning = 500 * bump(hourOfDay, 7, 0.8);
    double evening = eveningLoadW * bump(hourOfDay, 19, 1.5);
    double wobble = 40 * Math.sin(nowMillis / 47_000.0 + pvPeakW); // a slow per-device wander
    return Math.max(50, baseLoadW + morning + evening + wobble);
  }

  private ScheduleAck ackRecord(String scheduleId, long version, ScheduleAckStatus status, String reason,
                                Instant now, String traceId) {
    return new ScheduleAck(scheduleId, id, version, status, reason, now, traceId);
  }

  private Outgoing scheduleAck(String scheduleId, long version, ScheduleAckStatus status, String reason,
                               Instant now, String traceId) {
    return new Outgoing(Topics.ack(id), ackRecord(scheduleId, version, status, reason, now, traceId).toJson().encode(), 1);
  }

  private Outgoing result(String commandId, CommandStatus status, String reason, JsonObject result, Instant now) {
    return new Outgoing(Topics.commandResult(id),
      new CommandResult(commandId, id, status, reason, result, now).toJson().encode(), 1);
  }

  private static JsonObject readable(Buffer payload) {
    try {
      return payload.toJsonObject();
    } catch (RuntimeException notAnObject) {
      return null;
    }
  }

  private static double bump(double h, double centre, double width) {
    double z = (h - centre) / width;
    return Math.exp(-0.5 * z * z);
  }

  /** A well-mixed value in [0, 1) from a long (SplitMix64's finaliser). */
  private static double unit(long x) {
    x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
    x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
    x = x ^ (x >>> 31);
    return (x >>> 11) * 0x1.0p-53;
  }

  /** One decimal, without Double.toString's exponent forms or a string per call. */
  static void decimal(StringBuilder out, double value) {
    long tenths = Math.round(value * 10);
    if (tenths < 0) {
      out.append('-');
      tenths = -tenths;
    }
    out.append(tenths / 10).append('.').append(tenths % 10);
  }
}
