package io.nattery.cloud;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The real services the integration tests use, on localhost by default (host and port from the environment:
 * NATTERY_TEST_PG_HOST/PORT/USER/PASSWORD, NATTERY_TEST_MQTT_HOST/PORT). A missing service fails the test with its name.
 */
public final class LocalServices {

  private LocalServices() {
  }

  public static JsonObject postgres(String database) {
    return new JsonObject()
      .put("host", env("NATTERY_TEST_PG_HOST", "127.0.0.1"))
      .put("port", Integer.parseInt(env("NATTERY_TEST_PG_PORT", "5432")))
      .put("user", env("NATTERY_TEST_PG_USER", "postgres"))
      .put("password_env", "NATTERY_TEST_PG_PASSWORD")
      .put("database", database)
      .put("pool_size", 4);
  }

  public static String mqttHost() {
    return env("NATTERY_TEST_MQTT_HOST", "127.0.0.1");
  }

  public static int mqttPort() {
    return Integer.parseInt(env("NATTERY_TEST_MQTT_PORT", "1883"));
  }

  /** Fails with the service's name when nothing listens where it should. */
  public static void require(String service, String host, int port) {
    try (Socket ignored = new Socket(host, port)) {
      // reachable
    } catch (IOException e) {
      throw new IllegalStateException(service + " is not reachable at " + host + ":" + port
        + " (start it, or run .ci/run which starts it)");
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
