package io.nattery.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Encodings shared by the records: timestamps, MTUs, nullable values. */
final class Wire {

  private Wire() {
  }

  static Instant instant(JsonObject json, String key) {
    return UtcTimestamps.parse(json.getString(key));
  }

  static Instant instantOrNull(JsonObject json, String key) {
    String text = json.getString(key);
    return text == null ? null : UtcTimestamps.parse(text);
  }

  /** ISO-8601 UTC with Z, at most milliseconds, as the contract asks (Instant.toString() would print nanos). */
  static String text(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /** "PT60M", not Duration.toString()'s "PT1H": the schemas list the MTUs in minutes. */
  static String mtu(Duration resolution) {
    return "PT" + resolution.toMinutes() + "M";
  }

  static Duration mtu(String text) {
    return Duration.parse(text);
  }

  static JsonArray strings(List<String> values) {
    return new JsonArray(new ArrayList<>(values));
  }

  static List<String> strings(JsonArray array) {
    List<String> values = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      values.add(array.getString(i));
    }
    return values;
  }

  static JsonObject copyOrNull(JsonObject json) {
    return json == null ? null : json.copy();
  }
}
