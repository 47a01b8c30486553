package io.nattery.edge.uplink;

import io.nattery.edge.Addresses;
import io.nattery.edge.MqttProbe;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.InverterState;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against the real Mosquitto on localhost. */
@ExtendWith(VertxExtension.class)
class MqttUplinkVerticleTest {
  @org.junit.jupiter.api.io.TempDir
  java.nio.file.Path storeDir;
  private io.nattery.edge.store.EdgeStore store;

  private static final MessageValidator VALIDATOR = new MessageValidator();

  private Vertx vertx;
  private String deviceId;
  private MqttProbe probe;

  @BeforeEach
  void openStore() throws Exception {
    store = new io.nattery.edge.store.EdgeStore(storeDir.resolve("edge.db"), 1000);
  }

  @BeforeEach
  void setUp() throws Exception {
    MqttProbe.requireBroker();
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    deviceId = "edge-test-" + UUID.randomUUID().toString().substring(0, 8);
    probe = MqttProbe.subscribe(vertx, "devices/" + deviceId + "/#").await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    probe.clearRetained(Topics.status(deviceId)).compose(v -> probe.close()).await(5, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    store.close();
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void offlineTelemetryIsBufferedUpToItsBudgetThenDownSampled(VertxTestContext ctx) throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    JsonObject config = config(closedPort);
    config.getJsonObject("mqtt").put("telemetry_budget", 5).put("downsampled_interval_s", 3600);
    vertx.deployVerticle(new MqttUplinkVerticle(store), new DeploymentOptions().setConfig(config))
        .compose(id -> {
          for (int seq = 0; seq < 20; seq++) {
            vertx.eventBus().publish(Addresses.telemetry(deviceId), telemetry(seq));
          }
          return vertx.timer(1000);
        })
        .compose(t -> vertx.eventBus().<JsonObject>request(Addresses.uplinkStats(deviceId), null))
        .onComplete(ctx.succeeding(stats -> ctx.verify(() -> {
          // the first five samples wait on disk, in order, for the replay at QoS 1; the other fifteen are counted
          List<io.nattery.edge.store.EdgeStore.OutboxEntry> buffered = store.peek(0, 100);
          assertEquals(5, buffered.size());
          assertEquals(List.of(0L, 1L, 2L, 3L, 4L), buffered.stream().map(e -> new JsonObject(e.payload()).getLong("seq")).toList());
          assertTrue(buffered.stream().allMatch(e -> e.qos() == 1 && e.telemetry()));
          assertEquals(15, stats.body().getLong("telemetry_downsampled"));
          assertEquals(5, stats.body().getLong("buffered"));
          ctx.completeNow();
        })));
  }

  private JsonObject config(int port) {
    return new JsonObject().put("device_id", deviceId).put("mqtt", new JsonObject()
        .put("host", MqttProbe.host()).put("port", port).put("keepalive_s", 10)
        .put("reconnect_initial_ms", 100).put("reconnect_max_ms", 1000));
  }

  private JsonObject telemetry(long seq) {
    return new Telemetry(deviceId, Instant.now(), seq, "boot-1", 55.0, -1200, 51.7, -23.2, 24.0, 2100, -500, 400,
        InverterState.RUNNING, Mode.CHARGE, -1200, List.of(), new Telemetry.Energy(10, 20, 30, 40, 50)).toJson();
  }

  private void publishTelemetryEvery100ms() {
    long[] seq = {0};
    vertx.setPeriodic(100, id -> vertx.eventBus().publish(Addresses.telemetry(deviceId), telemetry(seq[0]++)));
  }

  private boolean isStatus(MqttPublishMessage m) {
    return m.topicName().equals(Topics.status(deviceId)) && m.payload().length() > 0;
  }

  private static boolean online(MqttPublishMessage m) {
    return DeviceStatus.fromJson(m.payload().toJsonObject()).online();
  }

  /** What a client connecting now gets for the status topic: the retained message. */
  private Future<MqttPublishMessage> retainedStatus() {
    return MqttProbe.subscribe(vertx, Topics.status(deviceId))
        .compose(late -> late.await(m -> m.payload().length() > 0).eventually(late::close));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void telemetryGoesOutAtQos0AndTheStatusIsRetainedOnlineThenOffline(VertxTestContext ctx) {
    vertx.deployVerticle(new MqttUplinkVerticle(store), new DeploymentOptions().setConfig(config(MqttProbe.port())))
        .compose(id -> {
          publishTelemetryEvery100ms();
          return probe.await(m -> m.topicName().equals(Topics.telemetry(deviceId)), 3)
              .compose(samples -> {
                ctx.verify(() -> {
                  for (MqttPublishMessage sample : samples) {
                    Decoded<Telemetry> decoded = VALIDATOR.decode(MessageType.TELEMETRY, sample.payload());
                    assertTrue(decoded.isAccepted(), String.valueOf(decoded.rejection()));
                    assertEquals(deviceId, decoded.value().deviceId());
                    assertEquals(0, sample.qosLevel().value(), "live telemetry is QoS 0");
                  }
                });
                return retainedStatus();
              })
              .compose(status -> {
                ctx.verify(() -> {
                  assertTrue(status.isRetain(), "status is retained");
                  assertTrue(online(status), "online while connected");
                  assertTrue(VALIDATOR.decode(MessageType.STATUS, status.payload()).isAccepted());
                });
                return vertx.undeploy(id);
              });
        })
        .compose(v -> probe.await(m -> isStatus(m) && !online(m)))
        .compose(offline -> retainedStatus())
        .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
          assertTrue(status.isRetain());
          assertFalse(online(status), "a clean stop leaves the device offline");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void aLostLinkFiresTheLastWillAndTheUplinkComesBack(VertxTestContext ctx) {
    // given: the uplink reaches the broker through a proxy the test can cut
    Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
    NetServer proxy = vertx.createNetServer().connectHandler(inbound -> {
      inbound.pause();
      vertx.createNetClient().connect(MqttProbe.port(), MqttProbe.host()).onSuccess(outbound -> {
        sockets.add(inbound);
        sockets.add(outbound);
        inbound.pipeTo(outbound);
        outbound.pipeTo(inbound);
        inbound.resume();
      }).onFailure(e -> inbound.close());
    });

    proxy.listen(0, "127.0.0.1")
        .compose(server -> vertx.deployVerticle(new MqttUplinkVerticle(store), new DeploymentOptions().setConfig(config(server.actualPort()))))
        .compose(id -> probe.await(m -> isStatus(m) && online(m)))
        .compose(online -> {
          // when: the link dies without a DISCONNECT
          sockets.forEach(NetSocket::close);
          return probe.await(this::isStatus, 3);
        })
        .onComplete(ctx.succeeding(statuses -> ctx.verify(() -> {
          // then: the broker published the will, and the uplink reconnected and said so
          assertEquals(List.of(true, false, true), statuses.stream().map(MqttUplinkVerticleTest::online).toList());
          ctx.completeNow();
        })));
  }
}
