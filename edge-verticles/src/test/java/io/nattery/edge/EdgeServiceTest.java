package io.nattery.edge;

import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Simulator -> Modbus TCP -> worker -> poller -> uplink -> Mosquitto, as the demo runs it. */
@ExtendWith(VertxExtension.class)
class EdgeServiceTest {
  @org.junit.jupiter.api.io.TempDir
  java.nio.file.Path storeDir;

  private static final MessageValidator VALIDATOR = new MessageValidator();

  private Vertx vertx;
  private InverterSimulator simulator;
  private String deviceId;
  private MqttProbe probe;

  @BeforeEach
  void setUp() throws Exception {
    MqttProbe.requireBroker();
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    deviceId = "edge-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    simulator = new InverterSimulator(SimulatorConfig.defaults(deviceId).withTickMs(100).withTimeScale(60)).start();
    probe = MqttProbe.subscribe(vertx, "devices/" + deviceId + "/#").await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    probe.clearRetained(Topics.status(deviceId)).compose(v -> probe.close()).await(5, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    simulator.stop();
  }

  /** conf/edge.json with this test's device, simulator and broker. */
  private JsonObject config() throws Exception {
    JsonObject config = new JsonObject(Files.readString(Path.of("..", "conf", "edge.json")));
    config.put("device_id", deviceId).put("register_map", "../conf/registers/generic-hybrid.json").put("poll_interval_ms", 200);
    config.getJsonObject("modbus").put("port", simulator.port());
    config.getJsonObject("mqtt").put("host", MqttProbe.host()).put("port", MqttProbe.port());
    config.put("store", new JsonObject().put("dir", storeDir.toString()));
    return config;
  }

  private boolean isTelemetry(MqttPublishMessage m) {
    return m.topicName().equals(Topics.telemetry(deviceId));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aSimulatedInverterReachesTheBrokerAsValidTelemetry(VertxTestContext ctx) throws Exception {
    EdgeService.deploy(vertx, config())
        .compose(ids -> {
          ctx.verify(() -> assertEquals(9, ids.size()));
          return probe.await(this::isTelemetry, 3)
              .compose(samples -> {
                ctx.verify(() -> {
                  long first = -1;
                  for (MqttPublishMessage sample : samples) {
                    Decoded<Telemetry> decoded = VALIDATOR.decode(MessageType.TELEMETRY, sample.payload());
                    assertTrue(decoded.isAccepted(), String.valueOf(decoded.rejection()));
                    Telemetry t = decoded.value();
                    assertEquals(deviceId, t.deviceId());
                    first = first < 0 ? t.seq() : first;
                    assertTrue(t.socPct() >= 10 && t.socPct() <= 90);
                  }
                  assertEquals(0, first, "the first sample after a start is seq 0");
                  assertTrue(probe.received().stream().anyMatch(m -> m.topicName().equals(Topics.status(deviceId))
                      && DeviceStatus.fromJson(m.payload().toJsonObject()).online()), "online announced");
                });
                return EdgeService.undeploy(vertx, ids);
              });
        })
        .compose(v -> probe.await(m -> m.topicName().equals(Topics.status(deviceId))
            && !DeviceStatus.fromJson(m.payload().toJsonObject()).online()))
        .onComplete(ctx.succeeding(offline -> ctx.verify(() -> {
          assertTrue(vertx.deploymentIDs().isEmpty(), "everything undeployed: " + vertx.deploymentIDs());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
  void aDeploymentThatCannotCompleteLeavesNothingBehind(VertxTestContext ctx) throws Exception {
    JsonObject broken = config().put("register_map", "../conf/registers/missing.json");

    EdgeService.deploy(vertx, broken)
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
          assertTrue(vertx.deploymentIDs().isEmpty(), "rolled back: " + vertx.deploymentIDs());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
  void anInvalidDeviceIdIsRefusedBeforeAnythingIsDeployed(VertxTestContext ctx) throws Exception {
    EdgeService.deploy(vertx, config().put("device_id", "devices/+/#"))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertTrue(e.getMessage().contains("device_id"), e.getMessage());
          assertEquals(List.of(), List.copyOf(vertx.deploymentIDs()));
          ctx.completeNow();
        })));
  }

  @Test
  void theShippedEdgeConfigNamesEverySetting() throws Exception {
    JsonObject config = new JsonObject(Files.readString(Path.of("..", "conf", "edge.json")));

    assertTrue(io.nattery.protocol.Contract.isValidDeviceId(config.getString("device_id")));
    assertEquals(1000, config.getInteger("poll_interval_ms"));
    assertEquals("tcp", config.getJsonObject("modbus").getString("transport"));
    assertFalse(config.getJsonObject("mqtt").containsKey("username"), "the username defaults to the device id");
    assertTrue(Files.exists(Path.of("..").resolve(config.getString("register_map"))));
  }
}
