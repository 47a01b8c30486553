package io.nattery.cloud.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a JSON configuration file, failing with a message that names the file. */
final class ConfigFile {

  private ConfigFile() {
  }

  static JsonObject read(Path path) {
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the configuration file " + path + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new IllegalArgumentException("the configuration file " + path + " is not valid JSON: "
        + e.getMessage());
    }
  }
}
