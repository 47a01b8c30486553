package io.nattery.edge.health;

import io.nattery.edge.Addresses;
import io.nattery.edge.store.EdgeStore;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Topics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlarmsAndHealthTest {
  @TempDir
  Path dir;
  private Vertx vertx;
  private EdgeStore store;
  private final String deviceId = "alarms-1";

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    store = new EdgeStore(dir.resolve("e.db"), 1000);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    store.close();
  }

  private void sample(String state, String... alarms) {
    vertx.eventBus().publish(Addresses.telemetry(deviceId), new JsonObject().put("inverter_state", state)
        .put("alarms", new JsonArray(List.of((Object[]) alarms))));
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void faultBitsRaiseAndClearEachAlarmOnce() throws Exception {
    vertx.deployVerticle(new AlarmVerticle(store), new DeploymentOptions().setConfig(new JsonObject().put("device_id", deviceId)))
        .await(10, TimeUnit.SECONDS);
    MessageValidator validator = new MessageValidator();

    sample("running");
    sample("running", "battery_over_temp_warning");
    sample("running", "battery_over_temp_warning");
    sample("fault", "battery_over_temp_warning", "inverter_ground_fault");
    sample("running");
    long end = System.currentTimeMillis() + 10_000;
    while (store.depth() < 6 && System.currentTimeMillis() < end) {
      Thread.sleep(20);
    }

    List<JsonObject> alarms = store.peek(0, 100).stream().filter(e -> e.topic().equals(Topics.alarms(deviceId)))
        .map(e -> new JsonObject(e.payload())).toList();
    assertEquals(List.of("battery_over_temp_warning raised", "inverter_ground_fault raised", "inverter_fault raised",
            "battery_over_temp_warning cleared", "inverter_ground_fault cleared", "inverter_fault cleared"),
        alarms.stream().map(a -> a.getString("code") + " " + a.getString("state")).toList());
    assertEquals("warning", alarms.get(0).getString("severity"));
    assertEquals("critical", alarms.get(1).getString("severity"));
    for (JsonObject alarm : alarms) {
      assertTrue(validator.decode(MessageType.ALARM, alarm).isAccepted(), alarm.encode());
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void healthIsAValidHealthMessage() throws Exception {
    CompletableFuture<JsonObject> health = new CompletableFuture<>();
    vertx.eventBus().<JsonObject>localConsumer(Addresses.health(deviceId), m -> health.complete(m.body()));
    vertx.deployVerticle(new HealthVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("device_id", deviceId)
        .put("health_interval_s", 1).put("store", new JsonObject().put("dir", dir.toString())))).await(10, TimeUnit.SECONDS);

    JsonObject json = health.get(15, TimeUnit.SECONDS);

    assertTrue(new MessageValidator().decode(MessageType.HEALTH, json).isAccepted(), json.encode());
    assertTrue(json.getDouble("disk_free_mb") > 0, json.encode());
    assertTrue(json.getDouble("mem_used_mb") > 0, json.encode());
  }
}
