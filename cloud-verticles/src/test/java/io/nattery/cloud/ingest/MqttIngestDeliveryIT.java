package io.nattery.cloud.ingest;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.state.DeviceRegistry;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ingestion against the real Mosquitto: a QoS 1 sample is acknowledged only once the store took it. The
 * store here is the event-bus address the history writer serves, answered by the test so that it can refuse
 * on purpose; the broker, the sessions and the acknowledgements are real.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MqttIngestDeliveryIT {

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String device = "it-delivery-" + run;
  private Vertx vertx;
  private MqttClient publisher;

  @BeforeEach
  void connect() throws Exception {
    LocalServices.require("Mosquitto", LocalServices.mqttHost(), LocalServices.mqttPort());
    vertx = Vertx.vertx();
    // ingestion takes only devices of the registry, whose copy the device-state verticle keeps on a node
    DeviceRegistry.of(vertx).add(device, null);
    publisher = MqttClient.create(vertx, new MqttClientOptions().setClientId(device));
    await(publisher.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
  }

  @AfterEach
  void close() throws Exception {
    // end the ingest session the test left on the broker
    MqttClient purge = MqttClient.create(vertx, new MqttClientOptions().setClientId(clientId())
      .setCleanSession(true));
    await(purge.connect(LocalServices.mqttPort(), LocalServices.mqttHost()).compose(a -> purge.disconnect()));
    await(vertx.close());
  }

  @Test
  void aRefusedSampleIsRetriedStoredOnceAndNotDeliveredAgainAfterAReconnect() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    List<Long> stored = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>localConsumer(Addresses.TELEMETRY_STORE, m -> {
      if (attempts.incrementAndGet() <= 3) {
        m.fail(503, "store refuses on purpose");
      } else {
        stored.add(m.body().getLong("seq"));
        m.reply(null);
      }
    });
    String ingest = await(deployIngest());

    publishQos1(7);
    waitUntil(() -> stored.size() == 1);
    await(vertx.undeploy(ingest));
    await(deployIngest());
    // the broker resends unacknowledged messages before new ones: once 8 is stored, a redelivered 7 would be too
    publishQos1(8);
    waitUntil(() -> stored.contains(8L));

    assertEquals(List.of(7L, 8L), stored, "7 stored exactly once, and not delivered again after the reconnect");
    assertEquals(5, attempts.get());
  }

  @Test
  void aSampleTheStoreNeverTookIsDeliveredAgainOnTheNextConnection() throws Exception {
    AtomicInteger refusals = new AtomicInteger();
    MessageConsumer<JsonObject> refusing = vertx.eventBus().localConsumer(Addresses.TELEMETRY_STORE, m -> {
      refusals.incrementAndGet();
      m.fail(503, "store down");
    });
    String ingest = await(deployIngest());
    publishQos1(11);
    waitUntil(() -> refusals.get() >= 2);

    await(vertx.undeploy(ingest));
    await(refusing.unregister());
    List<Long> stored = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>localConsumer(Addresses.TELEMETRY_STORE, m -> {
      stored.add(m.body().getLong("seq"));
      m.reply(null);
    });
    await(deployIngest());
    waitUntil(() -> !stored.isEmpty());

    assertEquals(11L, stored.get(0));
  }

  private String clientId() {
    return "it-ingest-" + run;
  }

  private Future<String> deployIngest() {
    JsonObject config = new JsonObject()
      .put("mqtt", new JsonObject().put("host", LocalServices.mqttHost()).put("port", LocalServices.mqttPort())
        .put("client_id", clientId()).put("share_group", "it-" + run).put("shared_subscription", true))
      .put("history", new JsonObject());
    return vertx.deployVerticle(new MqttIngestVerticle(), new DeploymentOptions().setConfig(config))
      .compose(id -> waitForLink().map(id));
  }

  private Future<Void> waitForLink() {
    return vertx.eventBus().<JsonObject>request(Addresses.INGEST_STATS, new JsonObject())
      .compose(m -> m.body().getBoolean("connected")
        ? Future.<Void>succeededFuture() : vertx.timer(100).compose(t -> waitForLink()));
  }

  private void publishQos1(long seq) throws Exception {
    await(publisher.publish(Topics.telemetry(device), Samples.telemetry(device, seq, 50).toJson().toBuffer(),
      MqttQoS.AT_LEAST_ONCE, false, false));
  }

  private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, "condition not met in 20 s");
      Thread.sleep(50);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
