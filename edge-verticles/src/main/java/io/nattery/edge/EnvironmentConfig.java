package io.nattery.edge;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in the string values of a config with environment
 * variables, so that one file serves a fleet (balena sets DEVICE_ID, serial port, broker per device). A
 * value that is exactly one reference and reads as a number or boolean becomes one. Secrets should still
 * come through {@code *_env} or {@code *_file}, which are read only where they are used. Keys starting
 * with {@code _} are comments and left alone.
 */
public final class EnvironmentConfig {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private EnvironmentConfig() {
  }

  public static JsonObject expand(JsonObject config) {
    return expand(config, System.getenv()::get);
  }

  static JsonObject expand(JsonObject config, Function<String, String> env) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, Object> e : config) {
      // keys starting with _ are comments (conf/edge.example.json): copied, never expanded
      out.put(e.getKey(), e.getKey().startsWith("_") ? e.getValue() : value(e.getValue(), env));
    }
    return out;
  }

  private static Object value(Object value, Function<String, String> env) {
    if (value instanceof JsonObject object) {
      return expand(object, env);
    }
    if (value instanceof JsonArray array) {
      JsonArray out = new JsonArray();
      array.forEach(v -> out.add(value(v, env)));
      return out;
    }
    if (!(value instanceof String text) || !text.contains("${")) {
      return value;
    }
    Matcher m = REFERENCE.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String resolved = env.apply(m.group(1));
      if (resolved == null || resolved.isEmpty()) {
        resolved = m.group(2);
      }
      if (resolved == null) {
        throw new IllegalArgumentException("configuration needs the environment variable " + m.group(1));
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(resolved));
    }
    m.appendTail(sb);
    String result = sb.toString();
    boolean whole = REFERENCE.matcher(text).matches();
    if (whole) {
      if (result.equals("true") || result.equals("false")) {
        return Boolean.parseBoolean(result);
      }
      if (result.matches("-?\\d+")) {
        return Long.parseLong(result);
      }
      if (result.matches("-?\\d+\\.\\d+")) {
        return Double.parseDouble(result);
      }
    }
    return result;
  }
}
