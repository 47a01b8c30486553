package io.nattery.cloud.demo;

import io.nattery.cloud.LocalServices;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./nattery demo} as a user runs it (through the launcher, from the packaged jar): the issue's
 * "done when" list, end to end against the embedded broker and PostgreSQL.
 */
class DemoIT {

  private static final String PASSWORD = "s3cret";
  private static final int DEVICES = 3;
  private static Process demo;
  private static final List<String> output = new CopyOnWriteArrayList<>();
  private static Vertx vertx;
  private static WebClient http;
  private static int httpPort;
  private static int mqttPort;
  private static long readyMs;

  @BeforeAll
  static void startDemo() throws Exception {
    Path launcher = Path.of("..", "nattery").toAbsolutePath().normalize();
    assertTrue(Files.isExecutable(launcher), "the launcher is missing: " + launcher);
    httpPort = LocalServices.freePort();
    mqttPort = LocalServices.freePort();
    long started = System.nanoTime();
    demo = new ProcessBuilder(launcher.toString(), "demo", "--devices", String.valueOf(DEVICES),
      "--port", String.valueOf(httpPort), "--mqtt-port", String.valueOf(mqttPort), "--password", PASSWORD)
      .redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(demo.getInputStream(),
        StandardCharsets.UTF_8))) {
        lines.lines().forEach(output::add);
      } catch (Exception ignored) {
        // the process ended
      }
    }, "demo-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.currentTimeMillis() + 120_000;
    while (output.stream().noneMatch(l -> l.contains("ready in")) && demo.isAlive()
      && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    readyMs = (System.nanoTime() - started) / 1_000_000;
    assertTrue(output.stream().anyMatch(l -> l.contains("ready in")), "the demo did not start:\n"
      + String.join("\n", output));
    System.out.println("demo ready after " + readyMs + " ms (launcher to ready line)");
    // the bound for a user starting the demo (measured here at about 5 s)
    assertTrue(readyMs < 20_000, "the demo took " + readyMs + " ms to be ready");
    vertx = Vertx.vertx();
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(httpPort));
  }

  @AfterAll
  static void stopDemo() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (demo != null) {
      demo.destroy();
      if (!demo.waitFor(20, TimeUnit.SECONDS)) {
        demo.destroyForcibly();
      }
    }
  }

  /** One step of the SOC register (0.01 %) of the demo's 10 kWh battery. */
  private static final double SOC_STEP_WH = 1.0;

  @Test
  void aViewerSeesEveryDeviceOnlineWithSocAndTsMoving() throws Exception {
    HttpResponse<Buffer> anonymous = await(http.get("/api/v1/devices").send());
    String token = token("viewer");

    JsonArray first = await(waitForDevices(token));
    long firstRead = System.currentTimeMillis();
    JsonArray second = first;
    // read again until every device's ts and soc_pct moved; the issue expects that within 5 s
    while (!allMoved(first, second) && System.currentTimeMillis() - firstRead < 5_000) {
      Thread.sleep(250);
      second = devices(await(http.get("/api/v1/devices").bearerTokenAuthentication(token).send()));
    }

    assertEquals(401, anonymous.statusCode());
    assertEquals(DEVICES, second.size());
    assertTrue(allMoved(first, second), "ts or soc_pct did not move in 5 s: " + first + " / " + second);
    for (int i = 0; i < DEVICES; i++) {
      assertTrue(second.getJsonObject(i).getBoolean("online"));
    }
  }

  /**
   * Every device's {@code ts} moved, and its {@code soc_pct} too unless the battery's power over the window
   * could not have moved it by one register step (0.01 % of the demo's 10 kWh, 1 Wh): at night a battery
   * covering a 300 W house moves its SOC by less than that in 5 s.
   */
  private static boolean allMoved(JsonArray before, JsonArray after) {
    for (int i = 0; i < DEVICES; i++) {
      JsonObject a = before.getJsonObject(i).getJsonObject("telemetry");
      JsonObject b = after.getJsonObject(i).getJsonObject("telemetry");
      if (a.getString("ts").equals(b.getString("ts"))) {
        return false;
      }
      double hours = (Instant.parse(b.getString("ts")).toEpochMilli() - Instant.parse(a.getString("ts")).toEpochMilli())
        / 3_600_000.0;
      double mostWh = Math.max(Math.abs(a.getDouble("battery_power_w")), Math.abs(b.getDouble("battery_power_w"))) * hours;
      boolean couldMove = mostWh >= 2 * SOC_STEP_WH;
      if (couldMove && a.getDouble("soc_pct").equals(b.getDouble("soc_pct"))) {
        return false;
      }
    }
    return true;
  }

  @Test
  void everyRoleLogsInAndAWrongPasswordIsRefused() throws Exception {
    for (String user : List.of("admin", "operator", "trader", "viewer")) {
      token(user);
    }
    HttpResponse<Buffer> wrong = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", "admin").put("password", "nattery-demo")));
    assertEquals(401, wrong.statusCode());
    assertTrue(output.stream().noneMatch(l -> l.contains(PASSWORD)), "the password reached the output");
  }

  @Test
  void anMqttWatcherSeesContractValidTelemetryFromEveryDeviceAboutOnceASecond() throws Exception {
    MessageValidator validator = new MessageValidator();
    Map<String, List<Long>> receivedAt = new ConcurrentHashMap<>();
    Map<String, List<Telemetry>> received = new ConcurrentHashMap<>();
    List<String> invalid = new CopyOnWriteArrayList<>();
    MqttClient watcher = MqttClient.create(vertx, new MqttClientOptions().setClientId("demo-it-watcher"));
    watcher.publishHandler(message -> {
      var decoded = validator.<Telemetry>decode(MessageType.TELEMETRY, message.payload());
      if (decoded.isAccepted()) {
        received.computeIfAbsent(decoded.value().deviceId(), k -> new CopyOnWriteArrayList<>()).add(decoded.value());
        receivedAt.computeIfAbsent(decoded.value().deviceId(), k -> new CopyOnWriteArrayList<>())
          .add(System.currentTimeMillis());
      } else {
        invalid.add(message.topicName() + ": " + decoded.rejection());
      }
    });
    await(watcher.connect(mqttPort, "127.0.0.1"));
    await(watcher.subscribe(Topics.deviceFilter(Topics.Kind.TELEMETRY), 0));
    long deadline = System.currentTimeMillis() + 20_000;
    while ((received.size() < DEVICES || received.values().stream().anyMatch(l -> l.size() < 6))
      && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    await(watcher.disconnect());

    assertEquals(List.of(), invalid);
    assertEquals(DEVICES, received.size(), received.keySet().toString());
    for (Map.Entry<String, List<Telemetry>> device : received.entrySet()) {
      List<Telemetry> samples = device.getValue();
      List<Long> at = receivedAt.get(device.getKey());
      assertTrue(samples.size() >= 6, "samples of " + device.getKey() + ": " + samples.size());
      long span = at.get(5) - at.get(0);
      assertTrue(span >= 3_500 && span <= 6_500, "5 intervals took " + span + " ms, not about one a second");
      for (int i = 1; i < samples.size(); i++) {
        assertEquals(samples.get(i - 1).seq() + 1, samples.get(i).seq());
      }
    }
  }

  @Test
  void aTakenPortGivesOneLineNamingItAndExitCode1() throws Exception {
    Path launcher = Path.of("..", "nattery").toAbsolutePath().normalize();
    Process second = new ProcessBuilder(launcher.toString(), "demo", "--port", String.valueOf(httpPort),
      "--mqtt-port", String.valueOf(LocalServices.freePort())).redirectErrorStream(true).start();
    String text = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

    assertTrue(second.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, second.exitValue());
    assertEquals("nattery: port " + httpPort + " is already in use; choose another with --port", text);
  }

  @Test
  void telemetryIsWrittenToTheEmbeddedQuestDb() throws Exception {
    String line = output.stream().filter(l -> l.contains("telemetry history")).findFirst().orElseThrow();
    int port = Integer.parseInt(line.replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
    Pool questDb = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port)
      .setDatabase("qdb").setUser("admin").setPassword("quest")).using(vertx).build();
    try {
      long deadline = System.currentTimeMillis() + 20_000;
      Map<String, Long> rows = Map.of();
      while (System.currentTimeMillis() < deadline) {
        rows = new java.util.TreeMap<>();
        try {
          for (Row row : await(questDb.query("SELECT device_id, count() AS n FROM telemetry").execute())) {
            rows.put(row.getString("device_id"), row.getLong("n"));
          }
        } catch (java.util.concurrent.ExecutionException tableNotYetCreated) {
          // the first batch creates the table
        }
        if (rows.size() == DEVICES && rows.values().stream().allMatch(n -> n >= 3)) {
          break;
        }
        Thread.sleep(500);
      }
      assertEquals(DEVICES, rows.size(), rows.toString());
      assertTrue(rows.values().stream().allMatch(n -> n >= 3), rows.toString());
    } finally {
      await(questDb.close());
    }
  }

  @Test
  void theDemoHasLabelledSyntheticPricesForTodayAndTomorrowAndTheirRetainedTopic() throws Exception {
    String token = token("viewer");
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneId.of("Europe/Brussels"));
    MessageValidator validator = new MessageValidator();
    List<String> retained = new CopyOnWriteArrayList<>();
    MqttClient watcher = MqttClient.create(vertx, new MqttClientOptions().setClientId("demo-it-prices"));
    watcher.publishHandler(message -> retained.add(message.payload().toString()));
    await(watcher.connect(mqttPort, "127.0.0.1"));
    await(watcher.subscribe(Topics.prices(Demo.PRICE_ZONE), 1));

    for (java.time.LocalDate day : List.of(today, today.plusDays(1))) {
      HttpResponse<Buffer> response = await(waitForPrices(token, day));
      JsonObject body = response.bodyAsJsonObject();
      assertEquals("synthetic", body.getString("source"));
      assertEquals(day.toString(), body.getString("delivery_day"));
      assertEquals(false, body.getBoolean("stale"));
      assertTrue(validator.decode(MessageType.PRICE_CURVE, body).isAccepted(), body.encode());
    }
    String tomorrow = today.plusDays(1).toString();
    long deadline = System.currentTimeMillis() + 10_000;
    while (retained.stream().noneMatch(p -> p.contains(tomorrow)) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    await(watcher.disconnect());
    assertTrue(output.stream().anyMatch(l -> l.contains("generated (source \"synthetic\", not market data)")));
    assertTrue(retained.size() >= 1, "nothing on " + Topics.prices(Demo.PRICE_ZONE));
    assertEquals(tomorrow, new JsonObject(retained.get(retained.size() - 1)).getString("delivery_day"));
  }

  private static Future<HttpResponse<Buffer>> waitForPrices(String token, java.time.LocalDate day) {
    return http.get("/api/v1/prices?zone=" + Demo.PRICE_ZONE + "&day=" + day).bearerTokenAuthentication(token).send()
      .compose(response -> response.statusCode() == 200 ? Future.succeededFuture(response)
        : vertx.timer(200).compose(t -> waitForPrices(token, day)));
  }

  private static Future<JsonArray> waitForDevices(String token) {
    return http.get("/api/v1/devices").bearerTokenAuthentication(token).send().compose(response -> {
      JsonArray items = devices(response);
      boolean all = items.size() == DEVICES && items.stream()
        .allMatch(d -> ((JsonObject) d).getBoolean("online") && ((JsonObject) d).getJsonObject("telemetry") != null);
      return all ? Future.succeededFuture(items) : vertx.timer(200).compose(t -> waitForDevices(token));
    });
  }

  private static JsonArray devices(HttpResponse<Buffer> response) {
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("items");
  }

  private static String token(String user) throws Exception {
    HttpResponse<Buffer> response = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", user).put("password", PASSWORD)));
    assertEquals(200, response.statusCode(), user + ": " + response.bodyAsString());
    return response.bodyAsJsonObject().getString("access_token");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
