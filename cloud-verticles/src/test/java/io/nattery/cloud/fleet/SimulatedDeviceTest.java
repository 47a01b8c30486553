package io.nattery.cloud.fleet;

import io.nattery.protocol.Ack;
import io.nattery.protocol.CommandResult;
import io.nattery.protocol.CommandStatus;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.ExecutionAck;
import io.nattery.protocol.ExecutionStatus;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.ScheduleAck;
import io.nattery.protocol.ScheduleAckStatus;
import io.nattery.protocol.ScheduleRules;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.battery.BatteryModel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatedDeviceTest {

  private static MessageValidator validator;
  /** A quarter-hour boundary at noon, so PV and load are both non-zero. */
  private static final Instant SLOT = Instant.parse("2026-06-01T10:00:00Z");

  @BeforeAll
  static void compileSchemas() {
    validator = new MessageValidator();
  }

  private static SimulatedDevice device(String id) {
    return new SimulatedDevice(id, BatteryModel.defaults(), validator, new ScheduleRules(), 7, "boot-1");
  }

  private static Telemetry telemetry(String json) {
    Decoded<Telemetry> decoded = validator.decode(MessageType.TELEMETRY, Buffer.buffer(json));
    assertTrue(decoded.isAccepted(), () -> "not contract-valid: " + decoded.rejection() + " in " + json);
    return decoded.value();
  }

  private static <T> T decode(MessageType type, SimulatedDevice.Outgoing out) {
    Decoded<T> decoded = validator.decode(type, Buffer.buffer(out.payload()));
    assertTrue(decoded.isAccepted(), () -> "not contract-valid: " + decoded.rejection() + " in " + out.payload());
    return decoded.value();
  }

  private static Telemetry sampleAt(SimulatedDevice device, Instant at) {
    return telemetry(device.sample(at.toEpochMilli(), at.toString()));
  }

  private static JsonObject schedule(String id, String deviceId, long version, Instant firstStart, String... modesAndRates) {
    JsonArray slots = new JsonArray();
    for (int i = 0; i < modesAndRates.length; i++) {
      String[] parts = modesAndRates[i].split(":");
      Instant start = firstStart.plus(Duration.ofMinutes(15L * i));
      slots.add(new JsonObject().put("start", start.toString()).put("end", start.plusSeconds(900).toString())
        .put("mode", parts[0]).put("rate_kw", Double.parseDouble(parts[1])));
    }
    return new JsonObject().put("v", 1).put("schedule_id", id).put("device_id", deviceId).put("version", version)
      .put("issued_at", firstStart.minusSeconds(60).toString()).put("source", "test").put("trace_id", "trace-" + id)
      .put("resolution", "PT15M").put("slots", slots);
  }

  private static JsonObject command(String id, String deviceId, String type, JsonObject params, Instant issued, Instant expires) {
    return new JsonObject().put("v", 1).put("command_id", id).put("device_id", deviceId).put("type", type)
      .put("params", params).put("issued_at", issued.toString()).put("expires_at", expires.toString());
  }

  private static List<ScheduleAckStatus> scheduleStatuses(List<SimulatedDevice.Outgoing> out) {
    return out.stream().map(o -> (Ack) decode(MessageType.ACK, o))
      .filter(a -> a instanceof ScheduleAck).map(a -> ((ScheduleAck) a).status()).toList();
  }

  @Test
  void samplesAreContractValidWithSeqFromZeroAndTheRunsBootId() {
    SimulatedDevice device = device("sim-00001");
    for (int i = 0; i < 5; i++) {
      Telemetry sample = sampleAt(device, SLOT.plusSeconds(i));
      assertEquals(i, sample.seq());
      assertEquals("boot-1", sample.bootId());
      assertEquals("sim-00001", sample.deviceId());
      assertEquals(SLOT.plusSeconds(i), sample.ts());
      // grid = load - PV - battery, as the contract's signs say
      assertEquals(sample.loadPowerW() - sample.pvPowerW() - sample.batteryPowerW(), sample.gridPowerW(), 0.2);
    }
  }

  @Test
  void withoutAScheduleItRunsSelfConsumption() {
    Telemetry sample = sampleAt(device("sim-00001"), SLOT);
    assertEquals("self_consumption", sample.mode().wire());
  }

  @Test
  void aScheduleIsReceivedAppliedFollowedAndEachStartedSlotAckedOnce() {
    SimulatedDevice device = device("sim-00002");
    Instant now = SLOT.plusSeconds(30);
    List<SimulatedDevice.Outgoing> out = device.onSchedule(
      schedule("s-1", "sim-00002", 1, SLOT, "charge:3", "discharge:2").toBuffer(), now);

    assertEquals(List.of(ScheduleAckStatus.RECEIVED, ScheduleAckStatus.APPLIED), scheduleStatuses(out));
    ExecutionAck first = decode(MessageType.ACK, out.get(2));
    assertEquals(3, out.size(), "one execution ack for the slot that already started");
    assertEquals(SLOT, first.slotStart());
    assertEquals(ExecutionStatus.EXECUTED, first.status());
    assertEquals(3.0, first.actualKw(), 1e-9);
    assertEquals("devices/sim-00002/ack", out.get(0).topic());
    assertEquals(1, out.get(0).qos());

    Telemetry charging = sampleAt(device, now.plusSeconds(1));
    assertEquals("charge", charging.mode().wire());
    assertEquals(-3000, charging.batteryPowerW(), 0.1);
    assertEquals(-3000, charging.setpointW(), 0.1);

    assertTrue(device.dueExecutionAcks(now.plusSeconds(60)).isEmpty(), "the started slot is acked once");
    Instant second = SLOT.plusSeconds(900);
    List<SimulatedDevice.Outgoing> next = device.dueExecutionAcks(second);
    assertEquals(1, next.size());
    ExecutionAck secondAck = decode(MessageType.ACK, next.get(0));
    assertEquals(second, secondAck.slotStart());
    assertEquals("discharge", secondAck.mode().wire());
    assertEquals(2.0, secondAck.requestedKw());
    assertEquals(2000, sampleAt(device, second.plusSeconds(1)).batteryPowerW(), 0.1);

    // past the schedule's end the device falls back to self-consumption
    assertEquals("self_consumption", sampleAt(device, SLOT.plusSeconds(1800)).mode().wire());
  }

  @Test
  void aStaleVersionFailsAndTheSameIdIsAppliedOnce() {
    SimulatedDevice device = device("sim-00003");
    Instant now = SLOT.plusSeconds(10);
    device.onSchedule(schedule("s-5", "sim-00003", 5, SLOT, "charge:1").toBuffer(), now);

    List<SimulatedDevice.Outgoing> stale = device.onSchedule(
      schedule("s-4", "sim-00003", 4, SLOT, "discharge:1").toBuffer(), now);
    assertEquals(List.of(ScheduleAckStatus.RECEIVED, ScheduleAckStatus.FAILED), scheduleStatuses(stale));
    assertEquals("stale_version", ((ScheduleAck) decode(MessageType.ACK, stale.get(1))).reason());
    assertEquals("charge", sampleAt(device, now.plusSeconds(1)).mode().wire());

    List<SimulatedDevice.Outgoing> again = device.onSchedule(
      schedule("s-5", "sim-00003", 5, SLOT, "charge:1").toBuffer(), now.plusSeconds(5));
    assertEquals(List.of(ScheduleAckStatus.RECEIVED, ScheduleAckStatus.APPLIED), scheduleStatuses(again));
    assertEquals(2, again.size(), "no second execution ack for the same schedule");
  }

  @Test
  void aNewerScheduleReplacesTheOlderFromItsFirstSlotOn() {
    SimulatedDevice device = device("sim-00004");
    Instant now = SLOT.plusSeconds(10);
    device.onSchedule(schedule("s-1", "sim-00004", 1, SLOT, "charge:1", "charge:1", "charge:1").toBuffer(), now);
    device.onSchedule(schedule("s-2", "sim-00004", 2, SLOT.plusSeconds(900), "discharge:2").toBuffer(), now);

    assertEquals("charge", sampleAt(device, now.plusSeconds(1)).mode().wire());
    List<SimulatedDevice.Outgoing> acks = device.dueExecutionAcks(SLOT.plusSeconds(900));
    ExecutionAck ack = decode(MessageType.ACK, acks.get(0));
    assertEquals("s-2", ack.scheduleId());
    assertEquals("discharge", sampleAt(device, SLOT.plusSeconds(901)).mode().wire());
    // the old schedule's third slot is gone with the replacement: self-consumption after the new one ends
    assertTrue(device.dueExecutionAcks(SLOT.plusSeconds(1800)).isEmpty());
    assertEquals("self_consumption", sampleAt(device, SLOT.plusSeconds(1801)).mode().wire());
  }

  @Test
  void schedulesBreakingTheRulesFailWithTheField() {
    SimulatedDevice device = device("sim-00005");
    Instant now = SLOT.plusSeconds(10);
    List<SimulatedDevice.Outgoing> tooFast = device.onSchedule(
      schedule("s-1", "sim-00005", 1, SLOT, "charge:9").toBuffer(), now);
    assertEquals("schema_invalid: slots[0].rate_kw", ((ScheduleAck) decode(MessageType.ACK, tooFast.get(1))).reason());

    List<SimulatedDevice.Outgoing> otherDevice = device.onSchedule(
      schedule("s-2", "sim-99999", 1, SLOT, "charge:1").toBuffer(), now);
    assertEquals(ScheduleAckStatus.FAILED, ((ScheduleAck) decode(MessageType.ACK, otherDevice.get(1))).status());

    JsonObject broken = schedule("s-3", "sim-00005", 1, SLOT, "charge:1");
    broken.getJsonArray("slots").getJsonObject(0).put("mode", "fly");
    List<SimulatedDevice.Outgoing> invalid = device.onSchedule(broken.toBuffer(), now);
    assertEquals(List.of(ScheduleAckStatus.RECEIVED, ScheduleAckStatus.FAILED), scheduleStatuses(invalid));
    assertTrue(((ScheduleAck) decode(MessageType.ACK, invalid.get(1))).reason().startsWith("schema_invalid: slots[0]"));

    assertTrue(device.onSchedule(Buffer.buffer("not json"), now).isEmpty(), "nothing to answer without an id");
    assertTrue(device.onSchedule(Buffer.buffer(), now).isEmpty(), "a cleared retained schedule is no schedule");
    assertEquals("self_consumption", sampleAt(device, now.plusSeconds(1)).mode().wire());
  }

  @Test
  void setPowerIsAcceptedDoneAndOverridesTheScheduleUntilResume() {
    SimulatedDevice device = device("sim-00006");
    Instant now = SLOT.plusSeconds(10);
    device.onSchedule(schedule("s-1", "sim-00006", 1, SLOT, "charge:1", "charge:1").toBuffer(), now);
    List<SimulatedDevice.Outgoing> out = device.onCommand(command("c-1", "sim-00006", "set_power",
      new JsonObject().put("power_w", 2500), now, now.plusSeconds(60)).toBuffer(), now);

    List<CommandStatus> statuses = out.stream().map(o -> ((CommandResult) decode(MessageType.COMMAND_RESULT, o)).status()).toList();
    assertEquals(List.of(CommandStatus.ACCEPTED, CommandStatus.DONE), statuses);
    assertEquals("devices/sim-00006/commands/result", out.get(0).topic());
    Telemetry sample = sampleAt(device, now.plusSeconds(1));
    assertEquals("discharge", sample.mode().wire());
    assertEquals(2500, sample.batteryPowerW(), 0.1);

    ExecutionAck overridden = decode(MessageType.ACK, device.dueExecutionAcks(SLOT.plusSeconds(900)).get(0));
    assertEquals(ExecutionStatus.FAILED, overridden.status());
    assertEquals("manual_override", overridden.reason());

    device.onCommand(command("c-2", "sim-00006", "resume", new JsonObject(), now, now.plusSeconds(60)).toBuffer(), now);
    assertEquals("charge", sampleAt(device, SLOT.plusSeconds(901)).mode().wire());
  }

  @Test
  void emergencyStopHoldsTheBatteryAtZeroAndSetModeTakesTheRatedPower() {
    SimulatedDevice device = device("sim-00007");
    Instant now = SLOT;
    device.onCommand(command("c-1", "sim-00007", "set_mode", new JsonObject().put("mode", "charge"), now,
      now.plusSeconds(60)).toBuffer(), now);
    assertEquals(-5000, sampleAt(device, now.plusSeconds(1)).batteryPowerW(), 0.1);

    device.onCommand(command("c-2", "sim-00007", "emergency_stop", new JsonObject(), now, now.plusSeconds(60)).toBuffer(), now);
    Telemetry stopped = sampleAt(device, now.plusSeconds(2));
    assertEquals(0, stopped.batteryPowerW());
    assertEquals("idle", stopped.mode().wire());
  }

  @Test
  void registerCommandsAreRejectedAndExpiredCommandsNeverRun() {
    SimulatedDevice device = device("sim-00008");
    Instant now = SLOT;
    CommandResult read = decode(MessageType.COMMAND_RESULT, device.onCommand(command("c-1", "sim-00008", "read_registers",
      new JsonObject().put("address", 40000).put("count", 2), now, now.plusSeconds(60)).toBuffer(), now).get(0));
    assertEquals(CommandStatus.REJECTED, read.status());
    assertEquals(SimulatedDevice.NO_REGISTER_MAP, read.reason());

    List<SimulatedDevice.Outgoing> late = device.onCommand(command("c-2", "sim-00008", "set_power",
      new JsonObject().put("power_w", -3000), now.minusSeconds(120), now.minusSeconds(60)).toBuffer(), now);
    assertEquals(1, late.size());
    assertEquals(CommandStatus.EXPIRED, ((CommandResult) decode(MessageType.COMMAND_RESULT, late.get(0))).status());
    assertEquals("self_consumption", sampleAt(device, now.plusSeconds(1)).mode().wire(), "an expired command never runs");

    CommandResult tooStrong = decode(MessageType.COMMAND_RESULT, device.onCommand(command("c-3", "sim-00008", "set_power",
      new JsonObject().put("power_w", 9000), now, now.plusSeconds(60)).toBuffer(), now).get(0));
    assertEquals(CommandStatus.REJECTED, tooStrong.status());

    CommandResult invalid = decode(MessageType.COMMAND_RESULT, device.onCommand(command("c-4", "sim-00008", "set_mode",
      new JsonObject(), now, now.plusSeconds(60)).toBuffer(), now).get(0));
    assertEquals(CommandStatus.REJECTED, invalid.status());
    assertTrue(invalid.reason().startsWith("schema_invalid"), invalid.reason());
    assertNull(invalid.result());
  }

  @Test
  void decimalsHaveOneDigitAndNoExponent() {
    StringBuilder out = new StringBuilder();
    SimulatedDevice.decimal(out, -2500.04);
    out.append(' ');
    SimulatedDevice.decimal(out, 0.00001);
    out.append(' ');
    SimulatedDevice.decimal(out, 57.55);
    assertEquals("-2500.0 0.0 57.6", out.toString());
  }
}
