package io.nattery.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MessageRoundTripTest {

  private static final MessageValidator VALIDATOR = new MessageValidator();
  private static final Instant T = Instant.parse("2026-11-23T10:00:00Z");

  static Stream<Arguments> examples() {
    return Stream.of(
        Arguments.of("telemetry.json", MessageType.TELEMETRY, Telemetry.class),
        Arguments.of("status.json", MessageType.STATUS, DeviceStatus.class),
        Arguments.of("health.json", MessageType.HEALTH, Health.class),
        Arguments.of("alarm.json", MessageType.ALARM, Alarm.class),
        Arguments.of("schedule.json", MessageType.SCHEDULE, Schedule.class),
        Arguments.of("ack-schedule.json", MessageType.ACK, ScheduleAck.class),
        Arguments.of("ack-execution.json", MessageType.ACK, ExecutionAck.class),
        Arguments.of("command.json", MessageType.COMMAND, Command.class),
        Arguments.of("command-write-registers.json", MessageType.COMMAND, Command.class),
        Arguments.of("command-result.json", MessageType.COMMAND_RESULT, CommandResult.class),
        Arguments.of("price-curve.json", MessageType.PRICE_CURVE, PriceCurve.class));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void exampleDecodesAndRoundTrips(String example, MessageType type, Class<?> recordType) {
    // given a valid example payload
    var payload = Examples.bytes(example);

    // when it is decoded, written back and decoded again
    Decoded<Object> decoded = VALIDATOR.decode(type, payload);

    // then it is accepted as its record, and the record survives the trip unchanged
    assertTrue(decoded.isAccepted(), () -> example + " rejected: " + decoded.rejection());
    Object record = decoded.value();
    assertInstanceOf(recordType, record);
    JsonObject written = toJson(record);
    assertEquals(record, type.decoder().apply(written));
    Decoded<Object> again = VALIDATOR.decode(type, written.toBuffer());
    assertTrue(again.isAccepted(), () -> "own output rejected: " + again.rejection());
    assertEquals(record, again.value());
    // and no field of the example is lost or invented on the way
    assertEquals(Examples.json(example).fieldNames(), written.fieldNames());
    assertEquals(1, written.getInteger("v"));
  }

  static Stream<Arguments> records() {
    Telemetry.Energy energy = new Telemetry.Energy(1, 2, 3, 4, 5);
    return Stream.of(
        Arguments.of(MessageType.TELEMETRY, new Telemetry("pi-0002", T, 0, "boot-7f3e", 100, 5000.5, 52.1, 96.0, -5.5,
            0, 1200, 0, InverterState.FAULT, Mode.SELF_CONSUMPTION, 0, List.of("E042", "W007"), energy)),
        Arguments.of(MessageType.STATUS, new DeviceStatus("pi-0002", true, T)),
        Arguments.of(MessageType.HEALTH, new Health("pi-0002", T, 5, 0, 100, 0, null,
            new Health.Modbus(0, 0, 0, 0, null, 0), new Health.Mqtt(0, 0), "1.2.3")),
        Arguments.of(MessageType.ALARM, new Alarm("pi-0002", T, "grid_lost", Severity.CRITICAL, AlarmState.CLEARED, null)),
        Arguments.of(MessageType.SCHEDULE, new Schedule("s-1", "pi-0002", 1, T, "api", null, Duration.ofMinutes(60),
            List.of(new Schedule.Slot(T, T.plusSeconds(3600), Mode.SELF_CONSUMPTION, 2.5, 15.0, null)))),
        Arguments.of(MessageType.ACK, new ScheduleAck("s-1", "pi-0002", 1, ScheduleAckStatus.FAILED,
            "schema_invalid: slots[3].rate_kw", T, null)),
        Arguments.of(MessageType.ACK, new ExecutionAck("s-1", "pi-0002", T, Mode.IDLE, 0, null,
            ExecutionStatus.FAILED, "modbus_timeout", T)),
        Arguments.of(MessageType.COMMAND, new Command("c-1", "pi-0002", CommandType.EMERGENCY_STOP, new JsonObject(),
            T, T.plusSeconds(30), "trace")),
        Arguments.of(MessageType.COMMAND, new Command("c-2", "pi-0002", CommandType.READ_REGISTERS,
            new JsonObject().put("address", 40000).put("count", 10), T, T.plusSeconds(30), null)),
        Arguments.of(MessageType.COMMAND_RESULT, new CommandResult("c-2", "pi-0002", CommandStatus.DONE, null,
            new JsonObject().put("values", new JsonArray().add(1).add(2)), T)),
        Arguments.of(MessageType.COMMAND_RESULT, new CommandResult("c-1", "pi-0002", CommandStatus.EXPIRED,
            "expired", null, T)),
        Arguments.of(MessageType.PRICE_CURVE, new PriceCurve("NO1", "EUR", "MWh", Duration.ofMinutes(60),
            LocalDate.parse("2026-11-23"), T, "entsoe",
            List.of(new PriceCurve.Point(T, T.plusSeconds(3600), -0.01)))));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("records")
  void recordWithOptionalFieldsRoundTrips(MessageType type, Object record) {
    // given a record built in code, with the nullable fields exercised

    // when it is written and decoded through the validator
    JsonObject written = toJson(record);
    Decoded<Object> decoded = VALIDATOR.decode(type, written.toBuffer());

    // then the same record comes back
    assertTrue(decoded.isAccepted(), () -> "rejected: " + decoded.rejection());
    assertEquals(record, decoded.value());
    assertEquals(record, type.decoder().apply(written));
  }

  @Test
  void optionalFieldsAreOmittedOrNullAsDocumented() {
    // given records whose optional fields are empty
    Telemetry telemetry = Telemetry.fromJson(Examples.json("telemetry.json"));
    Schedule schedule = Schedule.fromJson(Examples.json("schedule.json"));

    // then boot_id and the slot SOC bounds are left out, and the resolution is written in minutes
    assertNull(telemetry.bootId());
    assertFalse(telemetry.toJson().containsKey("boot_id"));
    assertFalse(schedule.slots().get(0).toJson().containsKey("soc_min_pct"));
    assertEquals(20.0, schedule.slots().get(2).socMinPct());
    JsonObject hourly = new Schedule("s", "d", 1, T, "api", null, Duration.ofHours(1), List.of()).toJson();
    assertEquals("PT60M", hourly.getString("resolution"));
    // while the reasons that PROTOCOL.md shows as null are written as null
    JsonObject ack = new ScheduleAck("s", "d", 1, ScheduleAckStatus.APPLIED, null, T, null).toJson();
    assertTrue(ack.containsKey("reason") && ack.getValue("reason") == null);
    assertEquals("2026-11-23T10:00:00Z", ack.getString("ts"));
  }

  @Test
  void ackDispatchesOnType() {
    assertInstanceOf(ScheduleAck.class, Ack.fromJson(Examples.json("ack-schedule.json")));
    assertInstanceOf(ExecutionAck.class, Ack.fromJson(Examples.json("ack-execution.json")));
  }

  @Test
  void commandParamsCannotBeChangedFromOutside() {
    // given a command built from a params object
    JsonObject params = new JsonObject().put("power_w", -3000);
    Command command = new Command("c", "d", CommandType.SET_POWER, params, T, T.plusSeconds(60), null);

    // when the caller changes its own object and the one it got back
    params.put("power_w", 5000);
    command.params().put("power_w", 5000);

    // then the command is unchanged
    assertEquals(-3000, command.params().getInteger("power_w"));
  }

  @Test
  void wireNamesOfEnums() {
    assertEquals("self_consumption", Mode.SELF_CONSUMPTION.wire());
    assertEquals(Mode.SELF_CONSUMPTION, Mode.fromWire("self_consumption"));
    assertEquals(CommandType.WRITE_REGISTERS, CommandType.fromWire("write_registers"));
    assertEquals("APPLIED", ScheduleAckStatus.APPLIED.wire());
    assertEquals(InverterState.STANDBY, InverterState.fromWire("standby"));
    assertThrows(IllegalArgumentException.class, () -> Mode.fromWire("CHARGE"));
  }

  /** Every record of the contract has toJson(); reflection keeps the parameterized tests type-agnostic. */
  private static JsonObject toJson(Object record) {
    try {
      return (JsonObject) record.getClass().getMethod("toJson").invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
