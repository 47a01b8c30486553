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

  /** Sets the value at a path like {@code slots[1].rate_kw} or {@code params.values[1]}. */
  static JsonObject put(JsonObject root, String path, Object value) {
    int dot = path.lastIndexOf('.');
    Object parent = dot < 0 ? root : walk(root, path.substring(0, dot));
    Matcher last = step(path.substring(dot + 1));
    if (last.group(2) == null) {
      ((JsonObject) parent).put(last.group(1), value);
    } else {
      ((JsonObject) parent).getJsonArray(last.group(1)).set(Integer.parseInt(last.group(2)), value);
    }
    return root;
  }

  /** Removes the property at a path like {@code energy.pv_wh}. */
  static JsonObject remove(JsonObject root, String path) {
    int dot = path.lastIndexOf('.');
    JsonObject parent = dot < 0 ? root : (JsonObject) walk(root, path.substring(0, dot));
    if (!parent.containsKey(path.substring(dot + 1))) {
      throw new IllegalArgumentException("nothing to remove at " + path);
    }
    parent.remove(path.substring(dot + 1));
    return root;
  }

  private static Object walk(JsonObject root, String path) {
    Object node = root;
    for (String step : path.split("\\.")) {
      Matcher matcher = step(step);
      node = ((JsonObject) node).getValue(matcher.group(1));
      if (matcher.group(2) != null) {
        node = ((JsonArray) node).getValue(Integer.parseInt(matcher.group(2)));
      }
    }
    return node;
  }

  private static Matcher step(String step) {
    Matcher matcher = STEP.matcher(step);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a field path step: " + step);
    }
    return matcher;
  }
}
