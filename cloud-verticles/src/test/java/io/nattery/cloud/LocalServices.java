package io.nattery.cloud;

import io.vertx.core.Vertx;
import io.nattery.cloud.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * The real services the integration tests use, on localhost by default (host and port from the environment:
 * NATTERY_TEST_PG_HOST/PORT/USER/PASSWORD, NATTERY_TEST_MQTT_HOST/PORT, NATTERY_TEST_REDIS_HOST/PORT). A missing service fails the test with its name.
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

  /** Redis for the device state: NATTERY_TEST_REDIS_HOST/PORT, default 127.0.0.1:6379. */
  public static JsonObject redis() {
    return new JsonObject().put("host", redisHost()).put("port", redisPort());
  }

  /** Deletes the keys under {@code prefix:} that a test left in Redis. */
  public static void dropRedisKeys(Vertx vertx, String prefix) throws Exception {
    Redis redis = Redis.createClient(vertx, "redis://" + redisHost() + ":" + redisPort());
    try {
      Response keys = redis.send(Request.cmd(Command.KEYS).arg(prefix + ":*"))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (keys.size() > 0) {
        Request del = Request.cmd(Command.DEL);
        keys.forEach(k -> del.arg(k.toString()));
        redis.send(del).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      redis.close();
    }
  }

  public static String redisHost() {
    return env("NATTERY_TEST_REDIS_HOST", "127.0.0.1");
  }

  public static int redisPort() {
    return Integer.parseInt(env("NATTERY_TEST_REDIS_PORT", "6379"));
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

  /** Creates an empty database for one test run (through its own admin pool, never the node's shared one). */
  public static Future<Void> createDatabase(Vertx vertx, String name) {
    return admin(vertx, "CREATE DATABASE " + name);
  }

  /** Drops a test run's database, closing what still uses it. */
  public static Future<Void> dropDatabase(Vertx vertx, String name) {
    return admin(vertx, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static Future<Void> admin(Vertx vertx, String statement) {
    Pool admin = Database.pool(vertx, postgres("postgres"), postgres("postgres"), "nattery-it-admin");
    return admin.query(statement).execute().<Void>mapEmpty().eventually(admin::close);
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

  /** Deletes the test's RabbitMQ queues (guest on 127.0.0.1:5672, the broker's defaults). */
  public static void deleteRabbitQueues(String... queues) throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.rabbitmq.RabbitMQClient client = io.vertx.rabbitmq.RabbitMQClient.create(vertx,
        new io.vertx.rabbitmq.RabbitMQOptions());
      Future<Void> chain = client.start();
      for (String queue : queues) {
        chain = chain.compose(v -> client.queueDelete(queue)).mapEmpty();
      }
      chain.compose(v -> client.stop()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
