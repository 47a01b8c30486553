package io.nattery.cloud;

import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cloud node against the real PostgreSQL and Mosquitto: devices publish over MQTT, users read over REST.
 * Each run uses its own database and its own shared-subscription group.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class CloudNodeIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String DATABASE = "nattery_it_" + RUN;
  private static final String PASSWORD = "it-password-" + RUN;
  private static final String DEVICE = "it-" + RUN;
  private static final String PROVISIONED = "it-provisioned-" + RUN;

  private static Vertx vertx;
  private static WebClient http;
  private static MqttClient device;
  private static int port;
  private static final List<String> blocked = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Set once the node is ready: one-time class loading while starting is not what the check is for. */
  private static volatile boolean watching;

  @BeforeAll
  static void startNode() throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    LocalServices.require("Mosquitto", LocalServices.mqttHost(), LocalServices.mqttPort());
    // blocking an event loop for more than 100 ms anywhere in the node fails the run (see afterAll)
    vertx = Vertx.vertx(new VertxOptions()
      .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> {
      if (watching) {
        blocked.add(event.thread().getName() + " blocked for " + event.duration() / 1_000_000 + " ms");
      }
    });
    await(LocalServices.createDatabase(vertx, DATABASE));

    port = LocalServices.freePort();
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
      .put("mqtt", new JsonObject().put("host", LocalServices.mqttHost()).put("port", LocalServices.mqttPort())
        .put("client_id", "it-cloud-" + RUN).put("share_group", "it-" + RUN).put("shared_subscription", true))
      .put("postgres", LocalServices.postgres(DATABASE))
      .put("jwt", new JsonObject().put("secret", "it-secret-of-at-least-32-bytes-" + RUN))
      .put("state", new JsonObject().put("offline_after_s", 30).put("registry_sync_ms", 500));
    // the registry is filled before the node starts: ingestion takes only its devices
    await(CloudNode.migrate(vertx, config.getJsonObject("postgres")));
    Pool pool = Database.pool(vertx, LocalServices.postgres(DATABASE));
    UserStore users = new UserStore(pool);
    PasswordHasher hasher = new PasswordHasher();
    await(users.save("viewer", hasher.hash(PASSWORD), Role.VIEWER)
      .compose(v -> pool.preparedQuery("INSERT INTO devices (device_id, site) VALUES ($1, $2)")
        .executeBatch(List.of(io.vertx.sqlclient.Tuple.of(PROVISIONED, "site-" + RUN),
          io.vertx.sqlclient.Tuple.of(DEVICE, "site-" + RUN), io.vertx.sqlclient.Tuple.of(DEVICE + "-b", "site-" + RUN),
          io.vertx.sqlclient.Tuple.of(DEVICE + "-lwt", "site-" + RUN))))
      .eventually(pool::close));
    await(CloudNode.deploy(vertx, config));

    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    device = MqttClient.create(vertx, new MqttClientOptions().setClientId(DEVICE));
    await(device.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
    await(waitFor(() -> http.get("/health/ready").send(), r -> r.statusCode() == 200));
    watching = true;
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (vertx == null) {
      return;
    }
    assertEquals(List.of(), blocked, "an event loop was blocked");
    await(vertx.close());
    Vertx cleanup = Vertx.vertx();
    // the node's session is persistent, as in production: end it so the broker keeps nothing for it
    MqttClient purge = MqttClient.create(cleanup, new MqttClientOptions().setClientId("it-cloud-" + RUN)
      .setCleanSession(true));
    await(purge.connect(LocalServices.mqttPort(), LocalServices.mqttHost()).compose(ack -> purge.disconnect()));
    await(LocalServices.dropDatabase(cleanup, DATABASE));
    await(cleanup.close());
  }

  @Test
  void withoutATokenTheApiAnswers401ProblemJson() throws Exception {
    HttpResponse<Buffer> response = await(http.get("/api/v1/devices").send());

    assertEquals(401, response.statusCode());
    assertEquals("application/problem+json", response.getHeader("Content-Type"));
    assertEquals(401, response.bodyAsJsonObject().getInteger("status"));
  }

  @Test
  void aForgedOrUnsignedTokenIsRefused() throws Exception {
    String unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ2aWV3ZXIiLCJyb2xlcyI6WyJhZG1pbiJdfQ.";

    HttpResponse<Buffer> response = await(http.get("/api/v1/devices").bearerTokenAuthentication(unsigned).send());

    assertEquals(401, response.statusCode());
  }

  @Test
  void aWrongPasswordGives401AndAMalformedBody400() throws Exception {
    HttpResponse<Buffer> wrong = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", "viewer").put("password", "not-it")));
    HttpResponse<Buffer> unknown = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", "nobody").put("password", PASSWORD)));
    HttpResponse<Buffer> malformed = await(http.post("/api/v1/auth/token").sendBuffer(Buffer.buffer("{nope")));
    HttpResponse<Buffer> missing = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", "viewer")));

    assertEquals(401, wrong.statusCode());
    assertEquals(401, unknown.statusCode());
    assertEquals(400, malformed.statusCode());
    assertEquals("", malformed.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"),
      "a body that is not a JSON object is a validation error of the body as a whole");
    assertEquals(400, missing.statusCode());
    assertEquals("password", missing.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertFalse(wrong.bodyAsString().contains("not-it"));
  }

  @Test
  void telemetryPublishedByADeviceIsListedWithItsLatestValues() throws Exception {
    String token = token();
    publish(Topics.telemetry(DEVICE), telemetry(DEVICE, 1, 41.5).toJson());
    publish(Topics.telemetry(DEVICE), telemetry(DEVICE, 2, 42.0).toJson());

    JsonObject device = await(waitFor(() -> http.get("/api/v1/devices/" + DEVICE).bearerTokenAuthentication(token)
        .send(), r -> r.statusCode() == 200 && r.bodyAsJsonObject().getJsonObject("telemetry") != null
        && r.bodyAsJsonObject().getJsonObject("telemetry").getLong("seq") == 2))
      .bodyAsJsonObject();
    HttpResponse<Buffer> list = await(http.get("/api/v1/devices?online=true&limit=1000")
      .bearerTokenAuthentication(token).send());

    assertTrue(device.getBoolean("online"));
    assertEquals(42.0, device.getJsonObject("telemetry").getDouble("soc_pct"));
    assertNotNull(device.getString("last_seen"));
    assertTrue(list.bodyAsJsonObject().getJsonArray("items").stream()
      .anyMatch(item -> DEVICE.equals(((JsonObject) item).getString("device_id"))));
  }

  @Test
  void badPayloadsAreRejectedAndCountedWhileValidTrafficGoesOn() throws Exception {
    String other = DEVICE + "-b";
    String token = token();
    publish(Topics.telemetry(other), new JsonObject().put("v", 1).put("device_id", other));
    publish(Topics.telemetry(other), telemetry(other, 1, 10).toJson().put("v", 2));
    publish(Topics.telemetry(other), telemetry(DEVICE, 99, 10).toJson());
    device.publish(Topics.telemetry(other), Buffer.buffer("{not json"), MqttQoS.AT_MOST_ONCE, false, false);
    publish(Topics.telemetry(other), telemetry(other, 5, 55.5).toJson());

    JsonObject stats = await(waitFor(() -> vertx.eventBus().<JsonObject>request(Addresses.INGEST_STATS,
        new JsonObject()).map(m -> m.body()),
      s -> s.getJsonObject("rejected").getLong("topic_mismatch", 0L) >= 1
        && s.getJsonObject("rejected").getLong("malformed_json", 0L) >= 1));
    HttpResponse<Buffer> response = await(waitFor(() -> http.get("/api/v1/devices/" + other)
      .bearerTokenAuthentication(token).send(), r -> r.statusCode() == 200
        && r.bodyAsJsonObject().getJsonObject("telemetry") != null
        && r.bodyAsJsonObject().getJsonObject("telemetry").getLong("seq") == 5));

    JsonObject rejected = stats.getJsonObject("rejected");
    assertTrue(rejected.getLong("schema_invalid", 0L) >= 1, rejected.encode());
    assertTrue(rejected.getLong("unsupported_version", 0L) >= 1, rejected.encode());
    assertEquals(55.5, response.bodyAsJsonObject().getJsonObject("telemetry").getDouble("soc_pct"));
  }

  @Test
  void aProvisionedDeviceIsListedOfflineUntilHeardFromAndItsLastSeenIsRecorded() throws Exception {
    String token = token();
    JsonObject before = await(waitFor(() -> http.get("/api/v1/devices/" + PROVISIONED)
      .bearerTokenAuthentication(token).send(), r -> r.statusCode() == 200)).bodyAsJsonObject();

    publish(Topics.telemetry(PROVISIONED), telemetry(PROVISIONED, 0, 30).toJson());
    Pool pool = Database.pool(vertx, LocalServices.postgres(DATABASE));
    try {
      io.vertx.sqlclient.Row row = await(waitFor(() -> pool.preparedQuery(
          "SELECT last_seen FROM devices WHERE device_id = $1").execute(io.vertx.sqlclient.Tuple.of(PROVISIONED))
        .map(rows -> rows.iterator().next()), r -> r.getValue("last_seen") != null));
      assertNotNull(row.getValue("last_seen"));
    } finally {
      await(pool.close());
    }

    assertFalse(before.getBoolean("online"));
    assertEquals("site-" + RUN, before.getString("site"));
    assertEquals(null, before.getValue("telemetry"));
  }

  @Test
  void aLastWillMarksTheDeviceOffline() throws Exception {
    String token = token();
    String id = DEVICE + "-lwt";
    publish(Topics.telemetry(id), telemetry(id, 0, 50).toJson());
    publish(Topics.status(id), new DeviceStatus(id, false, Instant.now()).toJson());

    HttpResponse<Buffer> response = await(waitFor(() -> http.get("/api/v1/devices/" + id)
      .bearerTokenAuthentication(token).send(),
      r -> r.statusCode() == 200 && !r.bodyAsJsonObject().getBoolean("online")));

    assertFalse(response.bodyAsJsonObject().getBoolean("online"));
  }

  @Test
  void injectionShapedIdsAndUnknownDevicesAreRefusedCleanly() throws Exception {
    String token = token();
    HttpResponse<Buffer> injected = await(http.get("/api/v1/devices/x';DROP%20TABLE%20users;--")
      .bearerTokenAuthentication(token).send());
    HttpResponse<Buffer> unknown = await(http.get("/api/v1/devices/never-seen-" + RUN)
      .bearerTokenAuthentication(token).send());
    HttpResponse<Buffer> cursor = await(http.get("/api/v1/devices?cursor=%25%25").bearerTokenAuthentication(token).send());

    assertEquals(400, injected.statusCode());
    assertEquals(404, unknown.statusCode());
    assertEquals(400, cursor.statusCode());
  }

  private static String token() throws Exception {
    HttpResponse<Buffer> response = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", "viewer").put("password", PASSWORD)));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals("Bearer", response.bodyAsJsonObject().getString("token_type"));
    return response.bodyAsJsonObject().getString("access_token");
  }

  private static void publish(String topic, JsonObject payload) throws Exception {
    await(device.publish(topic, payload.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false));
  }

  static Telemetry telemetry(String deviceId, long seq, double soc) {
    return Samples.telemetry(deviceId, seq, soc);
  }

  private static <T> Future<T> waitFor(java.util.function.Supplier<Future<T>> call, Predicate<T> done) {
    return TestNode.waitFor(vertx, call, done);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
