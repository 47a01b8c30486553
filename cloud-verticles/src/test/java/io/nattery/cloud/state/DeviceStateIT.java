package io.nattery.cloud.state;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Alarm;
import io.nattery.protocol.AlarmState;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.Health;
import io.nattery.protocol.Severity;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device state, registry enforcement and alerts on a node against the real Redis, PostgreSQL and Mosquitto: a
 * device publishes over MQTT, the test reads the node's counters, its REST API and the alerts it publishes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class DeviceStateIT {

  private static TestNode node;
  private static MqttClient device;
  private static String token;
  private static final List<JsonObject> alerts = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.create(config -> config.put("alerts", new JsonObject()
      .put("hold_down_s", 1).put("check_interval_ms", 200)));
    provision(node, Stream.of("seq", "lwt", "fault").map(DeviceStateIT::id).toList());
    node.deploy();
    node.vertx.eventBus().<JsonObject>consumer(Addresses.ALERTS, m -> alerts.add(m.body()));
    token = node.token(Role.VIEWER);
    device = MqttClient.create(node.vertx, new MqttClientOptions().setClientId("it-device-" + node.run));
    await(device.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static String id(String name) {
    return "it-" + name + "-" + node.run;
  }

  private static void provision(TestNode on, List<String> ids) throws Exception {
    await(on.pool.preparedQuery("INSERT INTO devices (device_id, site) VALUES ($1, 'site-it')")
      .executeBatch(ids.stream().map(Tuple::of).toList()));
  }

  @Test
  void messagesOfADeviceNotInTheRegistryAreDroppedCountedAndAcknowledged() throws Exception {
    String stranger = "it-stranger-" + node.run;
    long before = rejected("unknown_device");

    publish(Topics.telemetry(stranger), Samples.telemetry(stranger, 0, 50).toJson());
    publish(Topics.status(stranger), new DeviceStatus(stranger, false, Instant.now()).toJson());
    publish(Topics.health(stranger), health(stranger, 0).toJson());
    publish(Topics.alarms(stranger), alarm(stranger, AlarmState.RAISED).toJson());

    await(node.waitFor(() -> rejectedFuture("unknown_device"), n -> n >= before + 4));
    HttpResponse<Buffer> response = await(node.http.get("/api/v1/devices/" + stranger)
      .bearerTokenAuthentication(token).send());
    assertEquals(404, response.statusCode());
    assertTrue(alerts.stream().noneMatch(a -> stranger.equals(a.getString("device_id"))));
  }

  @Test
  void seqGapsDuplicatesAndLateReplaysAreCountedAndAReplayDoesNotOverwriteTheLatestState() throws Exception {
    String id = id("seq");
    JsonObject before = stats();

    for (long seq : new long[] {0, 1, 2, 5, 5, 3}) {
      publish(Topics.telemetry(id), Samples.telemetry(id, seq, seq).toJson());
    }

    JsonObject after = await(node.waitFor(DeviceStateIT::statsFuture,
      s -> s.getLong("samples") - before.getLong("samples") >= 6 && s.getInteger("queued") == 0
        && judged(s) - judged(before) >= 6));
    assertEquals(4, after.getLong("latest") - before.getLong("latest"), after.encode());
    assertEquals(1, after.getLong("gaps") - before.getLong("gaps"), after.encode());
    assertEquals(2, after.getLong("missed") - before.getLong("missed"), after.encode());
    assertEquals(1, after.getLong("duplicates") - before.getLong("duplicates"), after.encode());
    assertEquals(1, after.getLong("late") - before.getLong("late"), after.encode());
    JsonObject state = device(node, id);
    assertEquals(5, state.getJsonObject("telemetry").getLong("seq"));
    assertEquals(5.0, state.getJsonObject("telemetry").getDouble("soc_pct"));
  }

  @Test
  void aLastWillRaisesAnOfflineAlertOnceAndTheDevicesReturnClearsItAfterTheHoldDown() throws Exception {
    String id = id("lwt");
    publish(Topics.telemetry(id), Samples.telemetry(id, 0, 50).toJson());
    publish(Topics.status(id), new DeviceStatus(id, false, Instant.now()).toJson());
    JsonObject raised = awaitAlert(id, "device_offline", "raised");

    // back, gone again, back: within the hold-down, so no second alert
    publish(Topics.telemetry(id), Samples.telemetry(id, 1, 50).toJson());
    publish(Topics.status(id), new DeviceStatus(id, false, Instant.now()).toJson());
    publish(Topics.telemetry(id), Samples.telemetry(id, 2, 50).toJson());
    JsonObject cleared = awaitAlert(id, "device_offline", "cleared");

    assertEquals(raised.getString("alert_id"), cleared.getString("alert_id"));
    assertEquals("warning", raised.getString("severity"));
    assertEquals(List.of("raised", "cleared"), alerts.stream()
      .filter(a -> id.equals(a.getString("device_id"))).map(a -> a.getString("state")).toList());
    assertTrue(device(node, id).getBoolean("online"));
    JsonArray listedCleared = listAlerts("?state=cleared&severity=warning");
    JsonArray listedRaised = listAlerts("?state=raised");
    assertTrue(listedCleared.stream().map(JsonObject.class::cast)
      .anyMatch(a -> a.getString("alert_id").equals(raised.getString("alert_id"))
        && a.getString("device_id").equals(id) && a.getString("cleared_at") != null), listedCleared.encode());
    assertTrue(listedRaised.stream().map(JsonObject.class::cast)
      .noneMatch(a -> a.getString("alert_id").equals(raised.getString("alert_id"))));
  }

  @Test
  void anInverterFaultAnAlarmAndRisingCommunicationErrorsRaiseAlertsThatClearWhenTheyEnd() throws Exception {
    String id = id("fault");
    publish(Topics.telemetry(id), Samples.telemetry(id, 0, 50).toJson().put("inverter_state", "fault"));
    publish(Topics.alarms(id), alarm(id, AlarmState.RAISED).toJson());
    publish(Topics.health(id), health(id, 2).toJson());
    publish(Topics.health(id), health(id, 60).toJson());

    JsonObject fault = awaitAlert(id, "inverter_fault", "raised");
    JsonObject alarm = awaitAlert(id, "device_alarm", "raised");
    JsonObject comm = awaitAlert(id, "comm_errors", "raised");
    assertEquals("critical", fault.getString("severity"));
    assertEquals("critical", alarm.getString("severity"));
    assertTrue(alarm.getString("detail").startsWith("E042"), alarm.encode());
    assertTrue(comm.getString("detail").contains("58"), comm.encode());

    publish(Topics.telemetry(id), Samples.telemetry(id, 1, 50).toJson());
    publish(Topics.alarms(id), alarm(id, AlarmState.CLEARED).toJson());
    publish(Topics.health(id), health(id, 61).toJson());
    awaitAlert(id, "inverter_fault", "cleared");
    awaitAlert(id, "device_alarm", "cleared");
    awaitAlert(id, "comm_errors", "cleared");
    JsonArray critical = listAlerts("?severity=critical&limit=1");
    assertEquals(1, critical.size());
  }

  @Test
  void aSecondNodeOnTheSameRedisSeesTheStateTheFirstOneRecorded() throws Exception {
    TestNode first = TestNode.create(config -> { });
    TestNode second = null;
    try {
      String id = "it-shared-" + first.run;
      provision(first, List.of(id));
      first.deploy();
      String group = "it-" + first.run;
      second = TestNode.create(config -> {
        config.getJsonObject("redis").put("prefix", first.redisPrefix);
        // both take a share of the same subscription, as two nodes of one cluster do
        config.getJsonObject("mqtt").put("share_group", group);
      });
      // each test node has a database of its own: the device goes into both registries
      provision(second, List.of(id));
      second.deploy();
      MqttClient publisher = MqttClient.create(first.vertx, new MqttClientOptions().setClientId("it-pub-" + first.run)
        .setMaxInflightQueue(100));
      await(publisher.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
      for (long seq = 0; seq < 20; seq++) {
        await(publisher.publish(Topics.telemetry(id), Samples.telemetry(id, seq, seq).toJson().toBuffer(),
          MqttQoS.AT_LEAST_ONCE, false, false));
      }

      TestNode other = second;
      first.waitFor(() -> seqOf(first, id), seq -> seq == 19).otherwiseEmpty()
        .compose(x -> other.waitFor(() -> seqOf(other, id), seq -> seq == 19)).otherwiseEmpty()
        .toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
      JsonObject a = await(first.vertx.eventBus().<JsonObject>request(Addresses.STATE_STATS, new JsonObject())).body();
      JsonObject b = await(other.vertx.eventBus().<JsonObject>request(Addresses.STATE_STATS, new JsonObject())).body();
      JsonObject ia = await(first.vertx.eventBus().<JsonObject>request(Addresses.INGEST_STATS, new JsonObject())).body();
      JsonObject ib = await(other.vertx.eventBus().<JsonObject>request(Addresses.INGEST_STATS, new JsonObject())).body();
      assertEquals(19L, await(seqOf(other, id)), a.encode() + b.encode() + ia.encode() + ib.encode());
      assertEquals(20, a.getLong("samples") + b.getLong("samples"), a.encode() + b.encode());
      assertTrue(a.getLong("samples") > 0 && b.getLong("samples") > 0, "both nodes took a share: " + a + b);
      assertEquals(0, a.getLong("duplicates") + b.getLong("duplicates"));
      assertTrue(device(other, id).getBoolean("online"));
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  private static Future<Long> seqOf(TestNode on, String id) {
    return deviceFuture(on, id).map(device -> device == null || device.getJsonObject("telemetry") == null
      ? -1L : device.getJsonObject("telemetry").getLong("seq"));
  }

  private static JsonObject device(TestNode on, String id) throws Exception {
    return await(deviceFuture(on, id));
  }

  private static Future<JsonObject> deviceFuture(TestNode on, String id) {
    return on.vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY,
      new JsonObject().put("op", "get").put("device_id", id)).map(m -> m.body().getJsonObject("device"));
  }

  private static JsonObject awaitAlert(String id, String type, String state) throws Exception {
    return await(node.waitFor(() -> Future.succeededFuture(alerts.stream()
        .filter(a -> id.equals(a.getString("device_id")) && type.equals(a.getString("type"))
          && state.equals(a.getString("state"))).findFirst().orElse(null)), a -> a != null));
  }

  private static JsonArray listAlerts(String query) throws Exception {
    HttpResponse<Buffer> response = await(node.http.get("/api/v1/alerts" + query)
      .bearerTokenAuthentication(token).send());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("items");
  }

  private static long judged(JsonObject stats) {
    return stats.getLong("latest") + stats.getLong("duplicates") + stats.getLong("late");
  }

  private static JsonObject stats() throws Exception {
    return await(statsFuture());
  }

  private static Future<JsonObject> statsFuture() {
    return node.vertx.eventBus().<JsonObject>request(Addresses.STATE_STATS, new JsonObject()).map(m -> m.body());
  }

  private static long rejected(String reason) throws Exception {
    return await(rejectedFuture(reason));
  }

  private static Future<Long> rejectedFuture(String reason) {
    return node.vertx.eventBus().<JsonObject>request(Addresses.INGEST_STATS, new JsonObject())
      .map(m -> m.body().getJsonObject("rejected").getLong(reason, 0L));
  }

  private static Health health(String id, long errors) {
    return new Health(id, Instant.now(), 100, 5, 100, 1000, null,
      new Health.Modbus(1000, errors, 0, 0, Instant.now(), 12.5), new Health.Mqtt(0, 0), "it");
  }

  private static Alarm alarm(String id, AlarmState state) {
    return new Alarm(id, Instant.now(), "E042", Severity.CRITICAL, state, "battery over temperature");
  }

  private static void publish(String topic, JsonObject payload) throws Exception {
    await(device.publish(topic, payload.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false));
  }
}
