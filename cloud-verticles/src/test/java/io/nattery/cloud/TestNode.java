package io.nattery.cloud;

import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.metrics.NodeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A cloud node for an integration test, against the real PostgreSQL (its own database) and Mosquitto (its own
 * share group and client id). Blocking an event loop for more than 100 ms anywhere in it, once it is ready,
 * fails {@link #close}.
 */
public final class TestNode implements AutoCloseable {

  public final String run = UUID.randomUUID().toString().substring(0, 8);
  public final String database = "nattery_it_" + run;
  public final Vertx vertx;
  public final WebClient http;
  public final Pool pool;
  /** The node's Prometheus registry, as the {@code cloud} command makes one. */
  public final PrometheusMeterRegistry metrics;
  /** The prefix of this node's keys in Redis; a second node given the same one shares the device state. */
  public final String redisPrefix = "nattery-it-" + run;
  private final List<String> blocked = new CopyOnWriteArrayList<>();
  /** Set once the node is ready: one-time class loading and JIT warm-up while starting are not what is checked. */
  private volatile boolean watching;
  private final String clientId = "it-cloud-" + run;
  private final String password = "it-password-" + run;

  private TestNode(Consumer<JsonObject> configure, long blockedLimitMs) throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    LocalServices.require("Mosquitto", LocalServices.mqttHost(), LocalServices.mqttPort());
    LocalServices.require("Redis", LocalServices.redisHost(), LocalServices.redisPort());
    metrics = NodeMetrics.start();
    vertx = NodeMetrics.instrumented(new VertxOptions()
      .setMaxEventLoopExecuteTime(blockedLimitMs).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS), metrics).build();
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> {
      if (watching) {
        // where it was at that moment: a real blocking call shows itself, a starved CPU shows ordinary code
        StringBuilder where = new StringBuilder();
        StackTraceElement[] stack = event.thread().getStackTrace();
        for (int i = 0; i < Math.min(6, stack.length); i++) {
          where.append(i == 0 ? " at " : " < ").append(stack[i]);
        }
        blocked.add(event.thread().getName() + " blocked for " + event.duration() / 1_000_000 + " ms" + where);
      }
    });
    await(LocalServices.createDatabase(vertx, database));
    int port = LocalServices.freePort();
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
      .put("mqtt", new JsonObject().put("host", LocalServices.mqttHost()).put("port", LocalServices.mqttPort())
        .put("client_id", clientId).put("share_group", "it-" + run).put("shared_subscription", true))
      .put("postgres", LocalServices.postgres(database))
      .put("jwt", new JsonObject().put("secret", "it-secret-of-at-least-32-bytes-" + run))
      .put("state", new JsonObject().put("offline_after_s", 30).put("registry_sync_ms", 500))
      // the node's own keys in the real Redis, removed again by close()
      .put("redis", LocalServices.redis().put("prefix", redisPrefix));
    configure.accept(config);
    await(CloudNode.migrate(vertx, config.getJsonObject("postgres")));
    // the node's own database, also when the test gave it another server
    pool = Database.pool(vertx, config.getJsonObject("postgres"));
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.config = config;
  }

  private final JsonObject config;

  /**
   * Creates the node's database and applies the migrations; {@code configure} may change the node's configuration.
   * Call {@link #deploy} once the test has put what the node must find at start into the database.
   */
  public static TestNode create(Consumer<JsonObject> configure) throws Exception {
    return new TestNode(configure, 100);
  }

  /**
   * {@link #create(Consumer)} for a test that loads the machine itself (a thousand simulated devices in the same
   * JVM): on 2 cores an event loop may then wait for a core longer than 100 ms without anything blocking it, so
   * the check allows {@code blockedLimitMs}.
   */
  public static TestNode create(Consumer<JsonObject> configure, long blockedLimitMs) throws Exception {
    return new TestNode(configure, blockedLimitMs);
  }

  /** Deploys the node and waits until it is ready. */
  public TestNode deploy() throws Exception {
    await(CloudNode.deploy(vertx, config));
    await(waitFor(() -> http.get("/health/ready").send(), r -> r.statusCode() == 200));
    watching = true;
    return this;
  }

  /** A user of the given role (named after it) and a token for it. */
  public String token(Role role) throws Exception {
    await(new UserStore(pool).save(role.wire(), new PasswordHasher().hash(password), role));
    HttpResponse<Buffer> response = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", role.wire()).put("password", password)));
    if (response.statusCode() != 200) {
      throw new AssertionError("no token: " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getString("access_token");
  }

  /** Repeats the call every 100 ms until its result satisfies the condition, or fails after 15 s. */
  public <T> Future<T> waitFor(Supplier<Future<T>> call, Predicate<T> done) {
    return waitFor(vertx, call, done);
  }

  /** {@link #waitFor(Supplier, Predicate)} with another limit than 15 s. */
  public <T> Future<T> waitFor(Supplier<Future<T>> call, Predicate<T> done, long limitMs) {
    return attempt(vertx, call, done, System.currentTimeMillis() + limitMs, limitMs);
  }

  /** {@link #waitFor(Supplier, Predicate)} on any Vert.x. */
  public static <T> Future<T> waitFor(Vertx vertx, Supplier<Future<T>> call, Predicate<T> done) {
    return waitFor(vertx, call, done, 15_000);
  }

  /** {@link #waitFor(Supplier, Predicate, long)} on any Vert.x. */
  public static <T> Future<T> waitFor(Vertx vertx, Supplier<Future<T>> call, Predicate<T> done, long limitMs) {
    return attempt(vertx, call, done, System.currentTimeMillis() + limitMs, limitMs);
  }

  /** The node's configuration. */
  public JsonObject config() {
    return config;
  }

  private static <T> Future<T> attempt(Vertx vertx, Supplier<Future<T>> call, Predicate<T> done, long deadline,
                                       long limitMs) {
    return call.get().transform(ar -> {
      if (ar.succeeded() && done.test(ar.result())) {
        return Future.succeededFuture(ar.result());
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new AssertionError("condition not met in " + limitMs / 1000 + " s; last: "
          + (ar.succeeded() ? ar.result() : ar.cause())));
      }
      return vertx.timer(100).compose(t -> attempt(vertx, call, done, deadline, limitMs));
    });
  }

  public static <T> T await(Future<T> future) throws Exception {
    return await(future, 30);
  }

  public static <T> T await(Future<T> future, long seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    List<String> blockedLoops = List.copyOf(blocked);
    await(vertx.close());
    NodeMetrics.stop(metrics);
    Vertx cleanup = Vertx.vertx();
    try {
      // the node's session is persistent, as in production: end it so the broker keeps nothing for it
      MqttClient purge = MqttClient.create(cleanup, new MqttClientOptions().setClientId(clientId).setCleanSession(true));
      await(purge.connect(LocalServices.mqttPort(), LocalServices.mqttHost()).compose(ack -> purge.disconnect()));
      await(LocalServices.dropDatabase(cleanup, database));
      LocalServices.dropRedisKeys(cleanup, config.getJsonObject("redis").getString("prefix"));
    } finally {
      await(cleanup.close());
    }
    if (!blockedLoops.isEmpty()) {
      throw new AssertionError("an event loop was blocked: " + blockedLoops);
    }
  }
}
