package io.nattery.cloud.history;

import io.nattery.cloud.LocalServices;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.demo.EmbeddedQuestDb;
import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Telemetry from the real Mosquitto through ingestion and the history writer into an in-process QuestDB, read back
 * with {@code GET /api/v1/devices/{id}/telemetry} at two steps; then the node's {@code /metrics} after that
 * traffic; last, the answer when QuestDB is gone. Twenty samples, 30 s apart from T (an hour boundary two hours
 * ago), with SOC = i and charged_wh = 1000 + i.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TelemetryReadBackIT {

  private static final Instant T = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
  private static final int SAMPLES = 20;
  private static EmbeddedQuestDb questDb;
  private static TestNode node;
  private static String viewer;
  private static String device;
  private static String site;
  private static MqttClient edge;

  @BeforeAll
  static void start() throws Exception {
    questDb = new EmbeddedQuestDb();
    node = TestNode.create(config -> config
      .put("history", questDb.historyConfig().put("flush_interval_ms", 50))
      .put("metrics", new JsonObject().put("interval_s", 1))).deploy();
    device = "it-history-" + node.run;
    site = "site-" + node.run;
    viewer = node.token(Role.VIEWER);
    HttpResponse<Buffer> provisioned = await(node.http.post("/api/v1/devices")
      .bearerTokenAuthentication(node.token(Role.ADMIN))
      .sendJsonObject(new JsonObject().put("device_id", device).put("site", site).put("model", "generic-hybrid")
        .put("rated_power_kw", 5.0).put("capacity_kwh", 10.0)));
    assertEquals(201, provisioned.statusCode(), provisioned.bodyAsString());

    // the publishes complete when sent, not when acknowledged: room for all of them in flight
    edge = MqttClient.create(node.vertx, new MqttClientOptions().setClientId(device).setMaxInflightQueue(100));
    await(edge.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
    String topic = Topics.telemetry(device);
    for (int i = 0; i < SAMPLES; i++) {
      await(edge.publish(topic, Buffer.buffer(sample(i).toJson().encode()), MqttQoS.AT_LEAST_ONCE, false, false));
    }
    // and one that is not telemetry at all, which ingestion rejects and counts
    await(edge.publish(topic, Buffer.buffer("{\"v\":1,\"device_id\":"), MqttQoS.AT_LEAST_ONCE, false, false));
  }

  @AfterAll
  static void stop() throws Exception {
    if (edge != null && edge.isConnected()) {
      await(edge.disconnect());
    }
    if (node != null) {
      node.close();
    }
    if (questDb != null) {
      questDb.close();
    }
  }

  private static Telemetry sample(int i) {
    return new Telemetry(device, T.plusSeconds(30L * i), i, null, i, -2500, 51.2, -48.8, 24.1,
      3200, -300, 400, InverterState.RUNNING, i < 15 ? Mode.CHARGE : Mode.IDLE, -2500, List.of(),
      new Telemetry.Energy(1000 + i, 500, 900, 450, 3000));
  }

  private static HttpResponse<Buffer> history(String id, String from, String to, String step) throws Exception {
    var request = node.http.get("/api/v1/devices/" + id + "/telemetry").bearerTokenAuthentication(viewer);
    if (from != null) {
      request.addQueryParam("from", from);
    }
    if (to != null) {
      request.addQueryParam("to", to);
    }
    if (step != null) {
      request.addQueryParam("step", step);
    }
    return await(request.send());
  }

  @Test
  @Order(1)
  void theHistoryIsReadBackDownsampledAtTwoSteps() throws Exception {
    String from = T.toString();
    String to = T.plus(Duration.ofMinutes(10)).toString();
    // the writer flushes every 50 ms and QuestDB commits shortly after: wait for every sample
    await(node.waitFor(() -> node.http.get("/api/v1/devices/" + device + "/telemetry")
        .addQueryParam("from", from).addQueryParam("to", to).addQueryParam("step", "PT5M")
        .bearerTokenAuthentication(viewer).send(),
      r -> r.statusCode() == 200 && r.bodyAsJsonObject().getJsonArray("items").stream()
        .mapToLong(item -> ((JsonObject) item).getLong("samples")).sum() == SAMPLES));

    JsonObject fiveMinutes = history(device, from, to, "PT5M").bodyAsJsonObject();
    assertEquals(device, fiveMinutes.getString("device_id"));
    assertEquals(from, fiveMinutes.getString("from"));
    assertEquals(to, fiveMinutes.getString("to"));
    assertEquals("PT5M", fiveMinutes.getString("step"));
    // a list as PROTOCOL.md says, answered in one page
    assertTrue(fiveMinutes.containsKey("next_cursor") && fiveMinutes.getValue("next_cursor") == null);
    JsonArray buckets = fiveMinutes.getJsonArray("items");
    assertEquals(2, buckets.size(), buckets.encode());
    JsonObject first = buckets.getJsonObject(0);
    JsonObject second = buckets.getJsonObject(1);
    assertEquals(T.toString(), first.getString("ts"));
    assertEquals(T.plus(Duration.ofMinutes(5)).toString(), second.getString("ts"));
    assertEquals(10, first.getLong("samples"));
    assertEquals(4.5, first.getDouble("soc_pct"), 1e-9, "the average of SOC 0..9");
    assertEquals(14.5, second.getDouble("soc_pct"), 1e-9);
    assertEquals(1009, first.getJsonObject("energy").getLong("charged_wh"), "the last counter of the bucket");
    assertEquals(1019, second.getJsonObject("energy").getLong("charged_wh"));
    assertEquals(-2500.0, first.getDouble("battery_power_w"), 1e-9);
    assertEquals("charge", first.getString("mode"));
    assertEquals("idle", second.getString("mode"), "the last mode of the bucket");
    assertEquals("running", second.getString("inverter_state"));

    JsonArray minutes = history(device, from, to, "60").bodyAsJsonObject().getJsonArray("items");
    assertEquals(10, minutes.size());
    for (int k = 0; k < 10; k++) {
      JsonObject minute = minutes.getJsonObject(k);
      assertEquals(T.plus(Duration.ofMinutes(k)).toString(), minute.getString("ts"));
      assertEquals(2, minute.getLong("samples"));
      assertEquals(2 * k + 0.5, minute.getDouble("soc_pct"), 1e-9);
      assertEquals(1000 + 2 * k + 1, minute.getJsonObject("energy").getLong("charged_wh"));
    }

    JsonArray before = history(device, T.minus(Duration.ofHours(1)).toString(), from, "PT15M")
      .bodyAsJsonObject().getJsonArray("items");
    assertEquals(0, before.size(), "nothing before the first sample");
  }

  @Test
  @Order(2)
  void anUnknownDeviceIs404AndBadParametersAre400NamingThem() throws Exception {
    String from = T.toString();
    String to = T.plus(Duration.ofMinutes(10)).toString();

    assertEquals(404, history("it-nobody-" + node.run, from, to, "PT1M").statusCode());
    assertEquals(400, history("not%20an%20id", from, to, "PT1M").statusCode());
    assertEquals(Set.of("from", "step"), fields(history(device, "yesterday", to, "fast")));
    assertEquals(Set.of("from", "to", "step"), fields(history(device, "2020-01-01T00:00:00Z", to, "PT1S")),
      "a range of too many points names all three");
    assertEquals(401, await(node.http.get("/api/v1/devices/" + device + "/telemetry").send()).statusCode());
  }

  @Test
  @Order(3)
  void metricsAfterTheTrafficCarryIngestHistoryAndFleetMetersBySiteNeverByDevice() throws Exception {
    HttpResponse<Buffer> scraped = await(node.waitFor(() -> node.http.get("/metrics").send(),
      r -> r.statusCode() == 200 && r.bodyAsString().contains("nattery_devices_known{site=\"" + site + "\"} 1.0")));

    String text = scraped.bodyAsString();
    assertTrue(scraped.getHeader("Content-Type").startsWith("text/plain"), scraped.getHeader("Content-Type"));
    assertTrue(value(text, "nattery_ingest_messages_total{kind=\"telemetry\",site=\"" + site + "\"}") >= SAMPLES, text);
    assertTrue(value(text, "nattery_ingest_rejected_total{reason=\"malformed_json\"}") >= 1, text);
    assertTrue(value(text, "nattery_ingest_lag_seconds_count") >= SAMPLES);
    assertTrue(value(text, "nattery_ingest_lag_seconds_max") >= 3600, "the samples are two hours old");
    assertTrue(value(text, "nattery_history_samples_written_total") >= SAMPLES);
    assertTrue(value(text, "nattery_history_write_seconds_count{outcome=\"ok\"}") >= 1);
    assertTrue(text.contains("nattery_history_pending "), "the queue depth gauge");
    assertTrue(text.contains("nattery_devices_online{site=\"" + site + "\"}"), "devices online by site");
    assertTrue(text.contains("vertx_http_server_requests_total"), "Vert.x's own meters");
    assertFalse(text.contains(device), "a device id in a metric");
  }

  @Test
  @Order(4)
  void withoutItsStoreTheHistoryIs503() throws Exception {
    questDb.close();
    questDb = null;

    HttpResponse<Buffer> answer = history(device, T.toString(), T.plus(Duration.ofMinutes(10)).toString(), "PT1M");

    assertEquals(503, answer.statusCode(), answer.bodyAsString());
    assertEquals("application/problem+json", answer.getHeader("Content-Type"));
  }

  private static Set<String> fields(HttpResponse<Buffer> problem) {
    assertEquals(400, problem.statusCode(), problem.bodyAsString());
    return problem.bodyAsJsonObject().getJsonArray("errors").stream()
      .map(e -> ((JsonObject) e).getString("field")).collect(Collectors.toSet());
  }

  /** The sample's value in Prometheus text, or -1 when there is no such line. */
  private static double value(String text, String series) {
    return text.lines().filter(line -> line.startsWith(series + " ")).findFirst()
      .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim())).orElse(-1.0);
  }
}
