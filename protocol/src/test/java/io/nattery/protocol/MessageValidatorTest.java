package io.nattery.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.Validator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MessageValidatorTest {

  private static final MessageValidator VALIDATOR = new MessageValidator();
  private static final String ID_65 = "a".repeat(65);

  /** Every message type with its example and the field that names its subject. */
  private record Kind(MessageType type, String example, String idField) {
  }

  private static final List<Kind> KINDS = List.of(
      new Kind(MessageType.TELEMETRY, "telemetry.json", "device_id"),
      new Kind(MessageType.STATUS, "status.json", "device_id"),
      new Kind(MessageType.HEALTH, "health.json", "device_id"),
      new Kind(MessageType.ALARM, "alarm.json", "device_id"),
      new Kind(MessageType.SCHEDULE, "schedule.json", "device_id"),
      new Kind(MessageType.ACK, "ack-schedule.json", "device_id"),
      new Kind(MessageType.ACK, "ack-execution.json", "device_id"),
      new Kind(MessageType.COMMAND, "command.json", "device_id"),
      new Kind(MessageType.COMMAND_RESULT, "command-result.json", "device_id"),
      // a price curve has no device: its zone becomes a topic level and is checked the same way
      new Kind(MessageType.PRICE_CURVE, "price-curve.json", "zone"));

  /** For every type: an unknown version, a bad id, malformed JSON, and a payload over 256 KiB. */
  static Stream<Arguments> commonRejections() {
    List<Arguments> cases = new ArrayList<>();
    for (Kind kind : KINDS) {
      String id = kind.idField();
      cases.add(edit(kind, "v = 2", json -> json.put("v", 2), RejectReason.UNKNOWN_VERSION, "v"));
      cases.add(edit(kind, "v = \"1\"", json -> json.put("v", "1"), RejectReason.UNKNOWN_VERSION, "v"));
      cases.add(edit(kind, id + " = ../x", json -> json.put(id, "../x"), RejectReason.SCHEMA_INVALID, id));
      cases.add(edit(kind, id + " of 65 chars", json -> json.put(id, ID_65), RejectReason.SCHEMA_INVALID, id));
      cases.add(edit(kind, id + " empty", json -> json.put(id, ""), RejectReason.SCHEMA_INVALID, id));
      cases.add(edit(kind, id + " with a trailing newline", json -> json.put(id, "pi-0001\n"),
          RejectReason.SCHEMA_INVALID, id));
      cases.add(raw(kind, "malformed JSON", bytes -> bytes.getBuffer(0, bytes.length() - 3),
          RejectReason.MALFORMED_JSON, ""));
      cases.add(raw(kind, "over 256 KiB", MessageValidatorTest::oversized, RejectReason.OVERSIZED, ""));
    }
    return cases.stream();
  }

  /** For every type: a missing required field, a wrongly typed one and one out of range, named exactly. */
  static Stream<Arguments> fieldRejections() {
    return Stream.of(
        missing("telemetry.json", MessageType.TELEMETRY, "energy.pv_wh"),
        wrong("telemetry.json", MessageType.TELEMETRY, "seq", "1042"),
        wrong("telemetry.json", MessageType.TELEMETRY, "soc_pct", 100.5),
        wrong("telemetry.json", MessageType.TELEMETRY, "energy.import_wh", -1),
        wrong("telemetry.json", MessageType.TELEMETRY, "inverter_state", "exploded"),
        wrong("telemetry.json", MessageType.TELEMETRY, "ts", "2026-11-23T11:00:01+01:00"),
        missing("status.json", MessageType.STATUS, "online"),
        wrong("status.json", MessageType.STATUS, "online", "yes"),
        wrong("status.json", MessageType.STATUS, "ts", "2026-13-01T00:00:00Z"),
        missing("health.json", MessageType.HEALTH, "modbus.crc_errors"),
        wrong("health.json", MessageType.HEALTH, "mqtt.buffered", "many"),
        wrong("health.json", MessageType.HEALTH, "cpu_pct", -1),
        wrong("health.json", MessageType.HEALTH, "modbus.last_ok_ts", "yesterday"),
        missing("alarm.json", MessageType.ALARM, "severity"),
        wrong("alarm.json", MessageType.ALARM, "ts", 1763892120),
        wrong("alarm.json", MessageType.ALARM, "severity", "fatal"),
        missing("schedule.json", MessageType.SCHEDULE, "slots[1].rate_kw"),
        wrong("schedule.json", MessageType.SCHEDULE, "version", "7"),
        wrong("schedule.json", MessageType.SCHEDULE, "slots[2].rate_kw", -0.5),
        wrong("schedule.json", MessageType.SCHEDULE, "slots[2].soc_max_pct", 101),
        wrong("schedule.json", MessageType.SCHEDULE, "resolution", "PT5M"),
        missing("ack-schedule.json", MessageType.ACK, "status"),
        wrong("ack-schedule.json", MessageType.ACK, "version", 7.5),
        wrong("ack-schedule.json", MessageType.ACK, "status", "EXECUTED"),
        missing("ack-execution.json", MessageType.ACK, "slot_start"),
        wrong("ack-execution.json", MessageType.ACK, "requested_kw", "3.0"),
        wrong("ack-execution.json", MessageType.ACK, "requested_kw", -3.0),
        wrong("ack-execution.json", MessageType.ACK, "type", "delivery"),
        missing("ack-execution.json", MessageType.ACK, "type"),
        missing("command.json", MessageType.COMMAND, "expires_at"),
        missing("command.json", MessageType.COMMAND, "params.power_w"),
        wrong("command.json", MessageType.COMMAND, "params", "full power"),
        wrong("command.json", MessageType.COMMAND, "params.power_w", "-3000"),
        wrong("command-write-registers.json", MessageType.COMMAND, "params.values[1]", 70000),
        wrong("command-write-registers.json", MessageType.COMMAND, "type", "format_disk"),
        missing("command-result.json", MessageType.COMMAND_RESULT, "status"),
        wrong("command-result.json", MessageType.COMMAND_RESULT, "result", "ok"),
        wrong("command-result.json", MessageType.COMMAND_RESULT, "status", "WORKING"),
        missing("price-curve.json", MessageType.PRICE_CURVE, "points[5].price"),
        wrong("price-curve.json", MessageType.PRICE_CURVE, "points[0].price", "cheap"),
        wrong("price-curve.json", MessageType.PRICE_CURVE, "currency", "USD"),
        wrong("price-curve.json", MessageType.PRICE_CURVE, "delivery_day", "2026-02-30"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"commonRejections", "fieldRejections"})
  void rejectsWithReasonAndField(String name, MessageType type, Buffer payload, RejectReason reason, String field) {
    // when a broken payload is decoded
    Decoded<Object> decoded = VALIDATOR.decode(type, payload);

    // then it is rejected for that reason, naming that field and no other
    assertFalse(decoded.isAccepted(), name + " was accepted");
    assertEquals(reason, decoded.rejection().reason(), () -> name + ": " + decoded.rejection());
    List<String> fields = decoded.rejection().errors().stream().map(FieldError::field).distinct().toList();
    assertEquals(List.of(field), fields, () -> name + ": " + decoded.rejection());
  }

  @Test
  void missingVersionIsASchemaError() {
    JsonObject json = Examples.remove(Examples.json("telemetry.json"), "v");

    Rejection rejection = VALIDATOR.decode(MessageType.TELEMETRY, json).rejection();

    assertEquals(RejectReason.SCHEMA_INVALID, rejection.reason());
    assertEquals(List.of(new FieldError("v", "is required")), rejection.errors());
  }

  @Test
  void everyErrorOfAPayloadIsReported() {
    // given a schedule with two broken slots and a missing field
    JsonObject json = Examples.json("schedule.json");
    Examples.put(json, "slots[0].mode", "boost");
    Examples.put(json, "slots[2].rate_kw", -1);
    Examples.remove(json, "issued_at");

    // then all three are named, and the first one makes the ack reason
    Rejection rejection = VALIDATOR.decode(MessageType.SCHEDULE, json).rejection();
    List<String> fields = rejection.errors().stream().map(FieldError::field).toList();
    assertEquals(Set.of("issued_at", "slots[0].mode", "slots[2].rate_kw"), Set.copyOf(fields));
    assertEquals(3, fields.size());
    assertTrue(rejection.ackReason().startsWith("schema_invalid: "), rejection.ackReason());
  }

  @Test
  void ackReasonHasTheProtocolShape() {
    JsonObject json = Examples.put(Examples.json("schedule.json"), "slots[2].rate_kw", -1);

    Rejection rejection = VALIDATOR.decode(MessageType.SCHEDULE, json).rejection();

    assertEquals("schema_invalid: slots[2].rate_kw", rejection.ackReason());
    assertEquals("unsupported_version",
        VALIDATOR.decode(MessageType.SCHEDULE, json.put("v", 2)).rejection().ackReason());
  }

  @Test
  void payloadsThatAreNotJsonObjectsAreMalformed() {
    for (String text : List.of("", "[]", "null", "42", "\"text\"", "{\"v\":1} trailing", "{\"v\":1,}")) {
      Decoded<Object> decoded = VALIDATOR.decode(MessageType.STATUS, Buffer.buffer(text));
      assertFalse(decoded.isAccepted(), text);
      assertEquals(RejectReason.MALFORMED_JSON, decoded.rejection().reason(), text);
    }
  }

  @Test
  void sizeLimitIsInclusive() {
    // given a valid payload padded with white space to exactly 256 KiB
    Buffer exact = pad(Examples.bytes("telemetry.json"), Contract.MAX_PAYLOAD_BYTES);

    // then it is accepted, and one byte more is not
    assertTrue(VALIDATOR.decode(MessageType.TELEMETRY, exact).isAccepted());
    Buffer over = pad(Examples.bytes("telemetry.json"), Contract.MAX_PAYLOAD_BYTES + 1);
    assertEquals(RejectReason.OVERSIZED, VALIDATOR.decode(MessageType.TELEMETRY, over).rejection().reason());
  }

  @Test
  void unknownPropertiesAreIgnored() {
    JsonObject json = Examples.json("telemetry.json").put("grid_frequency_hz", 50.01);

    assertTrue(VALIDATOR.decode(MessageType.TELEMETRY, json).isAccepted());
  }

  @Test
  void slotThatEndsBeforeItStartsIsSemanticallyInvalid() {
    JsonObject json = Examples.put(Examples.json("schedule.json"), "slots[1].end", "2026-11-23T00:15:00Z");

    Rejection rejection = VALIDATOR.decode(MessageType.SCHEDULE, json).rejection();

    assertEquals(RejectReason.SEMANTIC_INVALID, rejection.reason());
    assertEquals(List.of("slots[1].end"), rejection.errors().stream().map(FieldError::field).toList());
  }

  @Test
  void slotWithSocBoundsCrossedIsSemanticallyInvalid() {
    JsonObject json = Examples.put(Examples.json("schedule.json"), "slots[2].soc_min_pct", 95);

    Rejection rejection = VALIDATOR.decode(MessageType.SCHEDULE, json).rejection();

    assertEquals(RejectReason.SEMANTIC_INVALID, rejection.reason());
    assertEquals("slots[2].soc_min_pct", rejection.errors().get(0).field());
  }

  @Test
  void commandThatExpiresBeforeItIsIssuedIsSemanticallyInvalid() {
    JsonObject json = Examples.put(Examples.json("command.json"), "expires_at", "2026-11-23T09:59:00Z");

    Rejection rejection = VALIDATOR.decode(MessageType.COMMAND, json).rejection();

    assertEquals(RejectReason.SEMANTIC_INVALID, rejection.reason());
    assertEquals("expires_at", rejection.errors().get(0).field());
  }

  @Test
  void priceCurveWithAGapIsSemanticallyInvalid() {
    JsonObject json = Examples.json("price-curve.json");
    json.getJsonArray("points").remove(10);

    Rejection rejection = VALIDATOR.decode(MessageType.PRICE_CURVE, json).rejection();

    assertEquals(RejectReason.SEMANTIC_INVALID, rejection.reason());
    assertEquals(List.of(new FieldError("points[10].start", "must be the end of points[9]")), rejection.errors());
  }

  @Test
  void fieldNamesFromJsonPointers() {
    assertEquals("slots[3].rate_kw", MessageValidator.fieldName("#/slots/3/rate_kw"));
    assertEquals("energy.pv_wh", MessageValidator.fieldName("#/energy/pv_wh"));
    assertEquals("params.values[1]", MessageValidator.fieldName("#/params/values/1"));
    assertEquals("", MessageValidator.fieldName("#"));
  }

  @Test
  @Timeout(60)
  void validatorIsSharedSafelyBetweenThreads() throws Exception {
    // given one validator and four threads decoding valid and invalid payloads at once
    Buffer valid = Examples.bytes("telemetry.json");
    Buffer invalid = Examples.put(Examples.json("schedule.json"), "slots[2].rate_kw", -1).toBuffer();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            Decoded<Telemetry> ok = VALIDATOR.decode(MessageType.TELEMETRY, valid);
            Decoded<Schedule> bad = VALIDATOR.decode(MessageType.SCHEDULE, invalid);
            if (!ok.isAccepted() || !"schema_invalid: slots[2].rate_kw".equals(bad.rejection().ackReason())) {
              return false;
            }
          }
          return true;
        }));
      }
      // then every thread saw every result right
      for (Future<Boolean> result : results) {
        assertTrue(result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void validationWritesNothingToTheCompiledSchema() {
    // given a schema compiled the way MessageValidator compiles it
    for (Kind kind : KINDS) {
      JsonSchema schema = JsonSchema.of(MessageValidator.loadSchema(kind.type()));
      Validator validator = MessageValidator.compile(schema);
      Set<Object> before = nodes(schema);

      // when valid and invalid payloads are validated
      validator.validate(Examples.json(kind.example()));
      validator.validate(new JsonObject().put("v", 1).put("type", "execution").put("params", new JsonObject()));
      validator.validate(Examples.json(kind.example()).put("v", "x").put(kind.idField(), 7));

      // then no subschema was replaced: the library's lazy wrapping already happened at compile time,
      // which is what makes sharing the validator between threads safe
      assertEquals(before, nodes(schema), kind.example());
    }
  }

  private static Set<Object> nodes(Object node) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    collect(node, seen);
    return seen;
  }

  private static void collect(Object node, Set<Object> seen) {
    if (node instanceof JsonObject object && seen.add(object)) {
      object.getMap().values().forEach(value -> collect(value, seen));
    } else if (node instanceof JsonArray array && seen.add(array)) {
      array.getList().forEach(value -> collect(value, seen));
    }
  }

  private static Arguments edit(Kind kind, String what, UnaryOperator<JsonObject> edit, RejectReason reason,
      String field) {
    Buffer payload = edit.apply(Examples.json(kind.example())).toBuffer();
    return Arguments.of(kind.example() + ": " + what, kind.type(), payload, reason, field);
  }

  private static Arguments raw(Kind kind, String what, UnaryOperator<Buffer> edit, RejectReason reason,
      String field) {
    return Arguments.of(kind.example() + ": " + what, kind.type(), edit.apply(Examples.bytes(kind.example())),
        reason, field);
  }

  private static Arguments missing(String example, MessageType type, String path) {
    Buffer payload = Examples.remove(Examples.json(example), path).toBuffer();
    return Arguments.of(example + ": missing " + path, type, payload, RejectReason.SCHEMA_INVALID, path);
  }

  private static Arguments wrong(String example, MessageType type, String path, Object value) {
    Buffer payload = Examples.put(Examples.json(example), path, value).toBuffer();
    return Arguments.of(example + ": " + path + " = " + value, type, payload, RejectReason.SCHEMA_INVALID, path);
  }

  /** Valid JSON over the limit: an unknown property would be accepted, so only the size can refuse it. */
  private static Buffer oversized(Buffer example) {
    JsonObject json = example.toJsonObject().put("padding", "x".repeat(Contract.MAX_PAYLOAD_BYTES));
    return json.toBuffer();
  }

  private static Buffer pad(Buffer payload, int size) {
    byte[] spaces = " ".repeat(size - payload.length()).getBytes(StandardCharsets.US_ASCII);
    return payload.copy().appendBytes(spaces);
  }
}
