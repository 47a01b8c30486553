package io.nattery.cloud.dispatch;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.nattery.cloud.Addresses;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Topics;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A schedule nobody acknowledges is delivered again with backoff, then flagged (and the flag published on
 * {@code schedules.status}); the device that comes online later still finds it retained, acknowledges it, and the
 * status moves on to APPLIED.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedeliveryIT {

  @Test
  void anUnacknowledgedScheduleIsDeliveredAgainThenFlaggedAndStillAppliedLater() throws Exception {
    String device = "it-redeliver-" + UUID.randomUUID().toString().substring(0, 8);
    try (TestNode node = TestNode.create(config -> config.put("dispatch", new JsonObject()
      .put("ack_timeout_s", 1).put("interval_ms", 300).put("max_attempts", 3)))) {
      await(node.pool.preparedQuery("INSERT INTO devices (device_id, site, rated_power_kw, capacity_kwh) "
        + "VALUES ($1, 'site', 5, 10)").execute(Tuple.of(device)));
      node.deploy();
      List<JsonObject> published = new CopyOnWriteArrayList<>();
      node.vertx.eventBus().<JsonObject>consumer(Addresses.SCHEDULES_STATUS, m -> published.add(m.body()));
      String trader = node.token(Role.TRADER);
      String id = UUID.randomUUID().toString();
      HttpResponse<Buffer> created = await(node.http.post("/api/v1/schedules").bearerTokenAuthentication(trader)
        .sendJsonObject(ScheduleDeliveryIT.schedule(id, device, ScheduleDeliveryIT.nextQuarterHour(), 2, "charge", 1)));
      assertEquals(201, created.statusCode(), created::bodyAsString);

      // waits of 1, 2 and 4 s (doubling), each after one more delivery; then flagged
      JsonObject flagged = await(node.waitFor(() -> node.http.get("/api/v1/schedules/" + id + "/status")
        .bearerTokenAuthentication(trader).send().map(HttpResponse::bodyAsJsonObject),
        s -> s.getBoolean("flagged"), 30_000), 40);
      assertEquals("pending", flagged.getString("status"));
      assertEquals(3, flagged.getInteger("delivery_attempts"));
      assertTrue(published.stream().anyMatch(s -> id.equals(s.getString("schedule_id")) && s.getBoolean("flagged", false)),
        published::toString);

      // the device comes online: the broker kept the schedule retained; its ack still counts
      MqttClient client = MqttClient.create(node.vertx, new MqttClientOptions().setClientId(device)
        .setCleanSession(true).setMaxMessageSize(256 * 1024));
      Promise<JsonObject> received = Promise.promise();
      client.publishHandler(m -> {
        if (m.payload().length() > 0) {
          received.tryComplete(m.payload().toJsonObject());
        }
      });
      await(client.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
      await(client.subscribe(Map.of(Topics.schedule(device), 1)));
      JsonObject schedule = await(received.future());
      assertEquals(id, schedule.getString("schedule_id"));
      await(client.publish(Topics.ack(device), new JsonObject().put("v", 1).put("type", "schedule")
        .put("schedule_id", id).put("device_id", device).put("version", schedule.getLong("version"))
        .put("status", "APPLIED").put("reason", null).put("ts", Instant.now().toString()).toBuffer(),
        MqttQoS.AT_LEAST_ONCE, false, false));
      await(node.waitFor(() -> node.http.get("/api/v1/schedules/" + id + "/status").bearerTokenAuthentication(trader)
        .send().map(HttpResponse::bodyAsJsonObject), s -> "APPLIED".equals(s.getString("status"))));
      // leave nothing retained on the shared broker
      await(client.publish(Topics.schedule(device), Buffer.buffer(), MqttQoS.AT_LEAST_ONCE, false, true)
        .compose(v -> client.disconnect()));
    }
  }
}
