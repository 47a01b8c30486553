package io.nattery.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cheap, conservative check of a telemetry sample: true only for a sample that {@code telemetry.schema.json}
 * certainly accepts. Telemetry is nearly all of the traffic and has one fixed shape, and the generic schema
 * validator spends most of a node's CPU on it; a sample this check does not vouch for (any doubt: an unusual
 * number type, a leap second, a missing field) goes through the schema as before, which also names the
 * errors. So the check may refuse what is valid, never accept what is not; {@code TelemetryFastCheckTest}
 * compares the two on thousands of valid and broken samples.
 */
final class TelemetryFastCheck {

  private static final long MAX_SEQ = 9_007_199_254_740_991L;
  private static final long MAX_COUNTER_WH = 1_000_000_000_000_000L;
  private static final double MAX_POWER_W = 100_000_000;
  private static final int MAX_ALARMS = 64;
  private static final int MAX_TEXT = 64;
  private static final Set<String> INVERTER_STATES = Set.of("running", "standby", "fault", "off");
  private static final Set<String> MODES = Set.of("charge", "discharge", "idle", "self_consumption");
  private static final List<String> COUNTERS = List.of("charged_wh", "discharged_wh", "import_wh", "export_wh", "pv_wh");

  private TelemetryFastCheck() {
  }

  static boolean certainlyValid(JsonObject json) {
    // scalars straight from the map; getValue wraps a parsed list or map as JsonArray or JsonObject
    Map<String, Object> map = json.getMap();
    Object bootId = map.get("boot_id");
    return isOne(map.get("v"))
        && isDeviceId(map.get("device_id"))
        && isTimestamp(map.get("ts"))
        && isWholeIn(map.get("seq"), 0, MAX_SEQ)
        && (bootId == null && !map.containsKey("boot_id") || isText(bootId))
        && isIn(map.get("soc_pct"), 0, 100)
        && isIn(map.get("battery_power_w"), -MAX_POWER_W, MAX_POWER_W)
        && isIn(map.get("battery_voltage_v"), 0, 10_000)
        && isIn(map.get("battery_current_a"), -100_000, 100_000)
        && isIn(map.get("battery_temp_c"), -50, 150)
        && isIn(map.get("pv_power_w"), 0, MAX_POWER_W)
        && isIn(map.get("grid_power_w"), -MAX_POWER_W, MAX_POWER_W)
        && isIn(map.get("load_power_w"), 0, MAX_POWER_W)
        && map.get("inverter_state") instanceof String state && INVERTER_STATES.contains(state)
        && map.get("mode") instanceof String mode && MODES.contains(mode)
        && isIn(map.get("setpoint_w"), -MAX_POWER_W, MAX_POWER_W)
        && isAlarms(json.getValue("alarms"))
        && isEnergy(json.getValue("energy"));
  }

  private static boolean isOne(Object v) {
    return (v instanceof Integer || v instanceof Long) && ((Number) v).longValue() == 1;
  }

  /** Integer or Long only: a JSON integer as Jackson reads it (a BigInteger or a 5.0 is left to the schema). */
  private static boolean isWholeIn(Object value, long min, long max) {
    if (!(value instanceof Integer || value instanceof Long)) {
      return false;
    }
    long n = ((Number) value).longValue();
    return n >= min && n <= max;
  }

  private static boolean isIn(Object value, double min, double max) {
    if (value instanceof Integer || value instanceof Long) {
      long n = ((Number) value).longValue();
      return n >= min && n <= max; // the bounds are small enough to be exact as doubles
    }
    if (value instanceof Double d) {
      return d >= min && d <= max; // false for NaN
    }
    return false;
  }

  /** 1 to 64 UTF-16 units is 1 to 64 code points too (the schema counts code points). */
  private static boolean isText(Object value) {
    return value instanceof String s && !s.isEmpty() && s.length() <= MAX_TEXT;
  }

  private static boolean isDeviceId(Object value) {
    if (!(value instanceof String s) || s.isEmpty() || s.length() > MAX_TEXT) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAlarms(Object value) {
    if (!(value instanceof JsonArray array) || array.size() > MAX_ALARMS) {
      return false;
    }
    for (int i = 0; i < array.size(); i++) {
      if (!isText(array.getValue(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isEnergy(Object value) {
    if (!(value instanceof JsonObject energy)) {
      return false;
    }
    for (String counter : COUNTERS) {
      if (!isWholeIn(energy.getValue(counter), 0, MAX_COUNTER_WH)) {
        return false;
      }
    }
    return true;
  }

  /** The plain form both the schema's pattern and its date-time format accept (anything else: the schema decides). */
  private static boolean isTimestamp(Object value) {
    return UtcTimestamps.parsePlain(value) != null;
  }
}
