package io.nattery.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.Validator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The fast check against the schema it stands in for: on valid samples and on thousands of broken ones it
 * must never vouch for a sample the schema refuses, and it must vouch for every ordinary sample (else it
 * saves nothing). Samples are parsed from text, so numbers and nested values have the types a node meets.
 */
class TelemetryFastCheckTest {

  private static final Validator SCHEMA =
      MessageValidator.compile(JsonSchema.of(MessageValidator.loadSchema(MessageType.TELEMETRY)));
  private static final String[] TOP_FIELDS = {"v", "device_id", "ts", "seq", "boot_id", "soc_pct", "battery_power_w",
    "battery_voltage_v", "battery_current_a", "battery_temp_c", "pv_power_w", "grid_power_w", "load_power_w",
    "inverter_state", "mode", "setpoint_w", "alarms", "energy"};
  private static final String[] COUNTERS = {"charged_wh", "discharged_wh", "import_wh", "export_wh", "pv_wh"};

  /** Values of every JSON kind and the edges of the schema's ranges, put in place of each field in turn. */
  private static final List<Object> ODD_VALUES = List.of(
      "x", "", "a".repeat(64), "a".repeat(65), "é", "\uD83D\uDD0B".repeat(33), "running", "charge", true, false,
      0, 1, -1, 2, 5.0, 5.5, -0.0, 100, 100.0, 100.000001, -50, -50.5, 150, 150.5, 10_000, 10_001, 100_000, -100_000,
      -100_001, 100_000_000, 100_000_000.5, -100_000_000, -100_000_001, 9_007_199_254_740_991L, 9_007_199_254_740_992L,
      1_000_000_000_000_000L, 1_000_000_000_000_001L, Long.MIN_VALUE, Long.MAX_VALUE, Double.MAX_VALUE, 1e-300,
      new JsonArray(), new JsonArray().add("a"), new JsonArray().add(1), new JsonObject(), new JsonObject().put("a", 1));

  /** Raw fragments no Java value encodes to: integers past a long, exponents, nulls. */
  private static final List<String> RAW_NUMBERS = List.of("99999999999999999999", "1e2", "1E2", "1.0e0", "-0", "null",
      "100.0000000000000000001", "1e400");

  private static final List<String> ODD_TIMESTAMPS = List.of(
      "2026-11-23T10:00:00Z", "2026-11-23T10:00:00.1Z", "2026-11-23T10:00:00.123456789Z", "2026-11-23T10:00:00.1234567890Z",
      "2026-11-23T10:00:00.Z", "2026-11-23T10:00:00z", "2026-11-23t10:00:00Z", "2026-11-23 10:00:00Z",
      "2026-11-23T10:00:00+00:00", "2026-11-23T10:00:00", "2026-11-23T24:00:00Z", "2026-11-23T23:60:00Z",
      "2026-12-31T23:59:60Z", "2026-06-30T23:59:60Z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
      "2100-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
      "9999-12-31T23:59:59.999999999Z", "2026-11-23T10:00:00Z\n", " 2026-11-23T10:00:00Z", "2026-1-23T10:00:00Z",
      "2026-11-23T10:00:0Z", "\u0662026-11-23T10:00:00Z", "2026-11-23T10:00:00.\u0661Z", "2026-11-23T10:00:00ZZ",
      "20261-11-23T10:00:00Z", "2026-11-23T10:00:00.123Z ", "");

  private static final List<String> ODD_IDS = List.of("sim-00001", "A_b-9", "a".repeat(64), "a".repeat(65), "",
      "a b", "a/b", "a+b", "a\n", "é", "\u0661", "a.b", "#", "a\u0000");

  @Test
  void vouchesOnlyForWhatTheSchemaAccepts() {
    Random random = new Random(20261123);
    int checked = 0;
    int refusedBySchema = 0;
    int vouched = 0;
    for (int sample = 0; sample < 40; sample++) {
      JsonObject base = validSample(random);
      for (JsonObject variant : variants(base)) {
        JsonObject parsed = Buffer.buffer(variant.encode()).toJsonObject();
        boolean schemaValid = SCHEMA.validate(parsed).getValid();
        boolean fastValid = TelemetryFastCheck.certainlyValid(parsed);
        if (fastValid && !schemaValid) {
          fail("vouched for a sample the schema refuses: " + parsed.encode() + "\n" + SCHEMA.validate(parsed));
        }
        checked++;
        refusedBySchema += schemaValid ? 0 : 1;
        vouched += fastValid ? 1 : 0;
      }
      for (String raw : rawVariants(base)) {
        JsonObject parsed = Buffer.buffer(raw).toJsonObject();
        if (TelemetryFastCheck.certainlyValid(parsed) && !SCHEMA.validate(parsed).getValid()) {
          fail("vouched for a sample the schema refuses: " + raw);
        }
        checked++;
      }
    }
    // not vacuous: both sides of the comparison were exercised many times
    assertTrue(refusedBySchema > 20_000, "broken samples: " + refusedBySchema + " of " + checked);
    assertTrue(vouched > 2_000, "vouched for: " + vouched + " of " + checked);
  }

  @Test
  void vouchesForEveryOrdinarySample() {
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      JsonObject parsed = Buffer.buffer(validSample(random).encode()).toJsonObject();
      assertTrue(SCHEMA.validate(parsed).getValid(), parsed.encode());
      assertTrue(TelemetryFastCheck.certainlyValid(parsed), parsed.encode());
    }
    assertTrue(TelemetryFastCheck.certainlyValid(Examples.bytes("telemetry.json").toJsonObject()));
  }

  @Test
  void aSampleTheCheckDoesNotVouchForStillGetsTheSchemasFieldErrors() {
    MessageValidator validator = new MessageValidator();
    JsonObject broken = Buffer.buffer(validSample(new Random(1)).put("soc_pct", 101).encode()).toJsonObject();
    Decoded<Telemetry> decoded = validator.decode(MessageType.TELEMETRY, broken);
    assertEquals(RejectReason.SCHEMA_INVALID, decoded.rejection().reason());
    assertEquals("soc_pct", decoded.rejection().errors().get(0).field());
    // a time before 1970 is valid but not vouched for: the schema takes it, and so does decode
    JsonObject old = Buffer.buffer(validSample(new Random(2)).put("ts", "1969-12-31T23:59:59Z").encode()).toJsonObject();
    assertTrue(!TelemetryFastCheck.certainlyValid(old) && validator.decode(MessageType.TELEMETRY, old).isAccepted());
  }

  private static JsonObject validSample(Random random) {
    JsonArray alarms = new JsonArray();
    for (int i = random.nextInt(4); i > 0; i--) {
      alarms.add("ALARM_" + random.nextInt(100));
    }
    JsonObject energy = new JsonObject();
    for (String counter : COUNTERS) {
      energy.put(counter, random.nextBoolean() ? random.nextInt(1_000_000) : random.nextLong(1_000_000_000_000_000L));
    }
    JsonObject json = new JsonObject()
        .put("v", 1)
        .put("device_id", "sim-" + random.nextInt(100_000))
        .put("ts", Instant.ofEpochMilli(1_700_000_000_000L + random.nextLong(400_000_000_000L)).toString())
        .put("seq", random.nextInt(3) == 0 ? random.nextLong(9_007_199_254_740_991L) : random.nextInt(100_000));
    if (random.nextBoolean()) {
      json.put("boot_id", "boot-" + random.nextInt(1000));
    }
    return json
        .put("soc_pct", random.nextInt(3) == 0 ? random.nextInt(101) : random.nextDouble() * 100)
        .put("battery_power_w", random.nextDouble() * 20_000 - 10_000)
        .put("battery_voltage_v", 40 + random.nextDouble() * 20)
        .put("battery_current_a", random.nextDouble() * 200 - 100)
        .put("battery_temp_c", random.nextInt(50))
        .put("pv_power_w", random.nextDouble() * 8_000)
        .put("grid_power_w", random.nextDouble() * 20_000 - 10_000)
        .put("load_power_w", random.nextDouble() * 5_000)
        .put("inverter_state", List.of("running", "standby", "fault", "off").get(random.nextInt(4)))
        .put("mode", List.of("charge", "discharge", "idle", "self_consumption").get(random.nextInt(4)))
        .put("setpoint_w", random.nextInt(10_001) - 5_000)
        .put("alarms", alarms)
        .put("energy", energy)
        .put("extra_" + random.nextInt(3), random.nextBoolean() ? "anything" : new JsonObject().put("x", 1));
  }

  /** The sample itself, then each field removed, and each field (top and energy) given each odd value. */
  private static List<JsonObject> variants(JsonObject base) {
    List<JsonObject> out = new ArrayList<>();
    out.add(base.copy());
    for (String field : TOP_FIELDS) {
      out.add(with(base, json -> {
        json.remove(field);
        return json;
      }));
      for (Object value : ODD_VALUES) {
        out.add(with(base, json -> json.put(field, value)));
      }
      out.add(with(base, json -> json.putNull(field)));
    }
    for (String counter : COUNTERS) {
      out.add(with(base, json -> {
        json.getJsonObject("energy").remove(counter);
        return json;
      }));
      for (Object value : ODD_VALUES) {
        out.add(with(base, json -> {
          json.getJsonObject("energy").put(counter, value);
          return json;
        }));
      }
    }
    for (String ts : ODD_TIMESTAMPS) {
      out.add(with(base, json -> json.put("ts", ts)));
    }
    for (String id : ODD_IDS) {
      out.add(with(base, json -> json.put("device_id", id)));
    }
    for (Object value : ODD_VALUES) {
      out.add(with(base, json -> json.put("alarms", new JsonArray().add("ok").add(value))));
    }
    JsonArray many = new JsonArray();
    for (int i = 0; i < 65; i++) {
      many.add("A" + i);
      JsonArray upTo = many.copy();
      out.add(with(base, json -> json.put("alarms", upTo)));
    }
    return out;
  }

  /** Numbers written as text: past a long, with exponents, null, in place of each numeric field. */
  private static List<String> rawVariants(JsonObject base) {
    List<String> out = new ArrayList<>();
    String text = base.encode();
    for (String field : TOP_FIELDS) {
      Object value = base.getValue(field);
      if (value instanceof Number) {
        String fragment = "\"" + field + "\":" + base.getValue(field).toString();
        for (String raw : RAW_NUMBERS) {
          out.add(text.replace(fragment, "\"" + field + "\":" + raw));
        }
      }
    }
    for (String counter : COUNTERS) {
      String fragment = "\"" + counter + "\":" + base.getJsonObject("energy").getValue(counter);
      for (String raw : RAW_NUMBERS) {
        out.add(text.replace(fragment, "\"" + counter + "\":" + raw));
      }
    }
    return out;
  }

  private static JsonObject with(JsonObject base, UnaryOperator<JsonObject> change) {
    return change.apply(base.copy());
  }
}
