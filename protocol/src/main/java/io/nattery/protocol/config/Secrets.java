package io.nattery.protocol.config;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shared by every Nattery process (cloud and edge), so it sits in the one module both depend on.
 * Reads a secret named {@code name} from a configuration object: {@code name_file} (a path, trailing newline
 * stripped), then {@code name_env} (an environment variable's name), then {@code name} itself, which only
 * in-process callers such as the demo set. Secrets never come from a committed file.
 */
public final class Secrets {

  private Secrets() {
  }

  public static String resolve(JsonObject config, String name) {
    String file = config.getString(name + "_file");
    if (file != null && !file.isBlank()) {
      try {
        return Files.readString(Path.of(file)).strip();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the secret file for '" + name + "' at " + file, e);
      }
    }
    String env = config.getString(name + "_env");
    if (env != null && !env.isBlank()) {
      String value = System.getenv(env);
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    return config.getString(name);
  }

  public static String require(JsonObject config, String name, String where) {
    String value = resolve(config, name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException("missing secret '" + name + "' for " + where
        + ": set " + name + "_env (an environment variable) or " + name + "_file in the configuration");
    }
    return value;
  }
}
