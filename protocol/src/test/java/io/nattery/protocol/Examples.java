package io.nattery.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The valid example payloads under src/test/resources/examples, and edits of them by field path. */
final class Examples {

  private static final Pattern STEP = Pattern.compile("([a-z_]+)(?:\\[(\\d+)])?");

  private Examples() {
  }

  static Buffer bytes(String name) {
    try (InputStream in = Examples.class.getResourceAsStream("/examples/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no example " + name);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonObject json(String name) {
    return bytes(name).toJsonObject();
  }

  /** Sets the field at a path like {@code slots[1].rate_kw} (null is written as JSON null). */
  static JsonObject put(JsonObject root, String path, Object value) {
    int dot = path.lastIndexOf('.');
    JsonObject parent = dot < 0 ? root : (JsonObject) walk(root, path.substring(0, dot));
    parent.put(path.substring(dot + 1), value);
    return root;
  }

  static JsonObject remove(JsonObject root, String path) {
    int dot = path.lastIndexOf('.');
    JsonObject parent = dot < 0 ? root : (JsonObject) walk(root, path.substring(0, dot));
    if (parent.remove(path.substring(dot + 1)) == null) {
      throw new IllegalArgumentException("nothing to remove at " + path);
    }
    return root;
  }

  private static Object walk(JsonObject root, String path) {
    Object node = root;
    for (String step : path.split("\\.")) {
      Matcher matcher = STEP.matcher(step);
      if (!matcher.matches()) {
        throw new IllegalArgumentException(path);
      }
      node = ((JsonObject) node).getValue(matcher.group(1));
      if (matcher.group(2) != null) {
        node = ((JsonArray) node).getValue(Integer.parseInt(matcher.group(2)));
      }
    }
    return node;
  }
}
