package io.nattery.edge.rtu;

import io.nattery.edge.Addresses;
import io.nattery.edge.EdgeService;
import io.nattery.edge.MqttProbe;
import io.nattery.edge.modbus.ModbusWorkerVerticle;
import io.nattery.edge.registers.Register;
import io.nattery.edge.registers.RegisterCodec;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.telemetry.TelemetryPollerVerticle;
import io.nattery.protocol.CommandResult;
import io.nattery.protocol.CommandStatus;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge's RTU link against an outside Modbus implementation: pymodbus on one end of a socat pty pair,
 * jSerialComm (through j2mod) on the other, the whole edge service in between for commands (which come
 * over MQTT from the test broker, Mosquitto on localhost).
 */
class RtuModbusIT {
  private static final RegisterMap MAP = RegisterMap.genericHybrid();

  @TempDir
  Path dir;
  private Vertx vertx;
  private RtuPeer peer;
  private Path values;
  private final String deviceId = "rtu-" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void setUp() throws Exception {
    RtuPeer.requireTools();
    vertx = Vertx.vertx();
    peer = RtuPeer.start(dir);
    values = dir.resolve("values.json");
    Files.writeString(values, registerValues().encode());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    if (peer != null) {
      peer.close();
    }
  }

  /** A known sample, written as raw words at the shipped map's addresses. */
  private static JsonObject registerValues() {
    Map<String, Long> raw = new TreeMap<>();
    raw.put("pv_power", 3200L);
    raw.put("pv_power_sf", 0L);
    raw.put("inverter_state", 4L);
    raw.put("soc", 575L);
    raw.put("soc_sf", -1L);
    raw.put("battery_voltage", 512L);
    raw.put("battery_voltage_sf", -1L);
    raw.put("battery_current", -488L);
    raw.put("battery_current_sf", -1L);
    raw.put("battery_power", -2500L);
    raw.put("battery_power_sf", 0L);
    raw.put("battery_temp", 241L);
    raw.put("battery_temp_sf", -1L);
    raw.put("battery_events", 1L << 2); // battery_over_temp_warning
    raw.put("grid_power", -300L);
    raw.put("load_power", 400L);
    raw.put("operating_mode", 1L);
    raw.put("power_setpoint", -2500L);
    raw.put("energy_charged", 1_234_567L);
    raw.put("energy_discharged", 1_100_000L);
    raw.put("energy_import", 900_000L);
    raw.put("energy_export", 450_000L);
    raw.put("energy_pv", 3_000_000L);
    JsonObject words = new JsonObject();
    raw.forEach((name, value) -> {
      Register register = MAP.get(name);
      int[] w = RegisterCodec.words(register.type(), value);
      for (int i = 0; i < w.length; i++) {
        words.put(String.valueOf(register.address() + i), w[i]);
      }
    });
    return words;
  }

  private JsonObject config() {
    return new JsonObject()
        .put("device_id", deviceId)
        .put("poll_interval_ms", 200)
        .put("measure_after_ms", 200)
        .put("modbus", new JsonObject().put("transport", "rtu").put("serial_port", peer.edgePort())
            .put("baud", 9600).put("timeout_ms", 500).put("retries", 2).put("retry_backoff_ms", 20)
            .put("device_backoff_after", 2).put("device_backoff_initial_ms", 200).put("device_backoff_max_ms", 1000))
        .put("mqtt", new JsonObject().put("host", MqttProbe.host()).put("port", MqttProbe.port())
            .put("reconnect_initial_ms", 200).put("reconnect_max_ms", 1000))
        .put("store", new JsonObject().put("dir", dir.resolve("store").toString()));
  }

  private Future<String> deployWorkerAndPoller(JsonObject config) {
    return vertx.deployVerticle(new ModbusWorkerVerticle(), new DeploymentOptions().setConfig(config)
            .setThreadingModel(ThreadingModel.WORKER))
        .compose(id -> vertx.deployVerticle(new TelemetryPollerVerticle(), new DeploymentOptions().setConfig(config)));
  }

  private List<JsonObject> collectTelemetry() {
    List<JsonObject> samples = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>localConsumer(Addresses.telemetry(deviceId), m -> samples.add(m.body()));
    return samples;
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private long timeouts() {
    try {
      return stats().getLong("timeouts");
    } catch (Exception e) {
      throw new IllegalStateException("the worker did not answer its stats", e);
    }
  }

  private JsonObject stats() throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.modbusRequest(deviceId), new JsonObject().put("op", "stats"))
        .await(10, TimeUnit.SECONDS).body();
  }

  @Test
  void telemetryReadOverRtuDecodesToTheRegisterValues() throws Exception {
    peer.startServer(values);
    List<JsonObject> samples = collectTelemetry();
    deployWorkerAndPoller(config()).await(20, TimeUnit.SECONDS);

    waitFor(() -> !samples.isEmpty(), 10_000, "a telemetry sample over RTU");

    JsonObject t = samples.get(0);
    assertEquals(57.5, t.getDouble("soc_pct"), 1e-9);
    assertEquals(51.2, t.getDouble("battery_voltage_v"), 1e-9);
    assertEquals(-48.8, t.getDouble("battery_current_a"), 1e-9);
    assertEquals(-2500, t.getDouble("battery_power_w"), 1e-9);
    assertEquals(24.1, t.getDouble("battery_temp_c"), 1e-9);
    assertEquals(3200, t.getDouble("pv_power_w"), 1e-9);
    assertEquals(-300, t.getDouble("grid_power_w"), 1e-9);
    assertEquals(400, t.getDouble("load_power_w"), 1e-9);
    assertEquals("running", t.getString("inverter_state"));
    assertEquals("charge", t.getString("mode"));
    assertEquals(-2500, t.getDouble("setpoint_w"), 1e-9);
    assertEquals(new JsonArray().add("battery_over_temp_warning"), t.getJsonArray("alarms"));
    assertEquals(1_234_567L, t.getJsonObject("energy").getLong("charged_wh"));
    assertEquals(3_000_000L, t.getJsonObject("energy").getLong("pv_wh"));
    BusTrace trace = peer.trace();
    assertTrue(trace.violations().isEmpty(), trace.toString());
    assertTrue(trace.requests() >= 1 && trace.responses() >= 1, trace.toString());
  }

  // ---- commands over MQTT ----

  private MqttClient publisher;
  private MqttProbe results;

  private void connectMqtt() throws Exception {
    MqttProbe.requireBroker();
    results = MqttProbe.subscribe(vertx, Topics.commandResult(deviceId)).await(10, TimeUnit.SECONDS);
    publisher = MqttClient.create(vertx, new MqttClientOptions().setClientId("cmd-" + UUID.randomUUID()));
    publisher.connect(MqttProbe.port(), MqttProbe.host()).await(10, TimeUnit.SECONDS);
  }

  private String command(String type, JsonObject params) throws Exception {
    return command(type, params, Instant.now().plusSeconds(60));
  }

  private String command(String type, JsonObject params, Instant expiresAt) throws Exception {
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    JsonObject command = new JsonObject().put("v", 1).put("command_id", id).put("device_id", deviceId).put("type", type)
        .put("params", params).put("issued_at", now.minusSeconds(120).toString()).put("expires_at", expiresAt.toString()).put("trace_id", null);
    publisher.publish(Topics.commands(deviceId), command.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false).await(10, TimeUnit.SECONDS);
    return id;
  }

  private CommandResult finalResult(String commandId) throws Exception {
    MqttPublishMessage m = results.await(msg -> {
      CommandResult r = CommandResult.fromJson(msg.payload().toJsonObject());
      return r.commandId().equals(commandId) && r.status() != CommandStatus.ACCEPTED;
    }).await(30, TimeUnit.SECONDS);
    return CommandResult.fromJson(m.payload().toJsonObject());
  }

  private void deployEdge(JsonObject config) throws Exception {
    EdgeService.deploy(vertx, config).await(30, TimeUnit.SECONDS);
    waitFor(() -> {
      try {
        return vertx.eventBus().<JsonObject>request(Addresses.uplinkStats(deviceId), null).await(5, TimeUnit.SECONDS)
            .body().getBoolean("subscribed");
      } catch (Exception e) {
        return false;
      }
    }, 15_000, "the edge subscribed to its commands");
  }

  @Test
  void setPowerWritesModeAndScaledSetpointToTheDevice() throws Exception {
    peer.startServer(values);
    connectMqtt();
    deployEdge(config());

    String id = command("set_power", new JsonObject().put("power_w", -3000));
    CommandResult result = finalResult(id);

    assertEquals(CommandStatus.DONE, result.status(), String.valueOf(result.reason()));
    // operating_mode 1 (charge) at 40107, then power_setpoint -3000 W as s32 high word first, scale 0
    assertTrue(peer.writes().contains("WRITE 40107 1 65535 62536"), "writes seen by pymodbus: " + peer.writes());
    assertTrue(results.received().stream().anyMatch(m -> m.payload().toJsonObject().getString("command_id").equals(id)
        && "ACCEPTED".equals(m.payload().toJsonObject().getString("status"))), "ACCEPTED before DONE");

    String tooMuch = command("set_power", new JsonObject().put("power_w", 9000));
    CommandResult rejected = finalResult(tooMuch);
    assertEquals(CommandStatus.REJECTED, rejected.status());
    assertTrue(rejected.reason().contains("rated power"), rejected.reason());

    String readOnly = command("write_registers", new JsonObject().put("address", 40088).put("values", new JsonArray().add(1)));
    CommandResult refused = finalResult(readOnly);
    assertEquals(CommandStatus.REJECTED, refused.status());
    assertTrue(refused.reason().contains("read-only"), refused.reason());
    String late = command("set_power", new JsonObject().put("power_w", -1000), Instant.now().minusSeconds(1));
    CommandResult expired = finalResult(late);
    assertEquals(CommandStatus.EXPIRED, expired.status());
    assertTrue(results.received().stream().noneMatch(m -> m.payload().toJsonObject().getString("command_id").equals(late)
        && "ACCEPTED".equals(m.payload().toJsonObject().getString("status"))), "an expired command is never accepted");
    assertEquals(1, peer.writes().stream().filter(w -> w.startsWith("WRITE 40107 1 ")).count(), "nothing else reached the device: " + peer.writes());
  }

  @Test
  void anEmergencyStopHoldsTheBatteryIdleUntilResume() throws Exception {
    peer.startServer(values);
    connectMqtt();
    deployEdge(config());
    assertEquals(CommandStatus.DONE, finalResult(command("set_power", new JsonObject().put("power_w", 2500))).status());

    assertEquals(CommandStatus.DONE, finalResult(command("emergency_stop", new JsonObject())).status());
    CommandResult refused = finalResult(command("set_power", new JsonObject().put("power_w", 1000)));
    assertEquals(CommandStatus.REJECTED, refused.status());
    assertTrue(refused.reason().contains("emergency_stop"), refused.reason());
    assertEquals(CommandStatus.DONE, finalResult(command("resume", new JsonObject())).status());

    // discharge 2500 W, then idle 0 W, then the wish from before the stop again; the refused 1000 W never left
    List<String> writes = peer.writes().stream().filter(w -> w.startsWith("WRITE 40107 ")).toList();
    int discharge = writes.indexOf("WRITE 40107 2 0 2500");
    assertTrue(discharge >= 0, writes.toString());
    assertEquals(List.of("WRITE 40107 2 0 2500", "WRITE 40107 3 0 0", "WRITE 40107 2 0 2500"), writes.subList(discharge, writes.size()));
  }

  @Test
  void anExceptionResponseFailsTheCommandWithTheReason() throws Exception {
    peer.startServer(values, "--reject-writes", "40108");
    connectMqtt();
    deployEdge(config());

    CommandResult result = finalResult(command("set_power", new JsonObject().put("power_w", 2000)));

    assertEquals(CommandStatus.FAILED, result.status());
    assertTrue(result.reason().contains("modbus exception 2 (illegal data address)"), result.reason());
    assertTrue(stats().getLong("exception_responses") >= 1, stats().encode());
  }

  @Test
  void commandsAndFullRatePollingNeverOverlapOnTheBus() throws Exception {
    peer.startServer(values);
    connectMqtt();
    // poll as fast as the bus allows: a new cycle whenever the last one ended
    deployEdge(config().put("poll_interval_ms", 1));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(command(i % 2 == 0 ? "set_power" : "read_registers", i % 2 == 0
          ? new JsonObject().put("power_w", (i % 4 == 0 ? -1 : 1) * 1000 * (1 + i % 3))
          : new JsonObject().put("address", 40088).put("count", 2)));
      Thread.sleep(50);
    }
    for (String id : ids) {
      assertEquals(CommandStatus.DONE, finalResult(id).status(), id);
    }
    Thread.sleep(2000); // and polling alone for a while more, so the trace holds plenty of both

    BusTrace trace = peer.trace();
    assertTrue(trace.violations().isEmpty(), trace.toString());
    assertTrue(trace.requests() > 40, "polling ran at full rate alongside: " + trace);
    assertEquals(0, stats().getLong("timeouts"), stats().encode());
  }

  @Test
  void theEdgeRecoversWithinFiveSecondsOfTheServersReturn() throws Exception {
    peer.startServer(values);
    List<JsonObject> samples = collectTelemetry();
    deployWorkerAndPoller(config()).await(20, TimeUnit.SECONDS);
    waitFor(() -> !samples.isEmpty(), 10_000, "telemetry before the kill");

    peer.killServer();
    // gone once the worker has timed out on it: from then on no sample may arrive
    waitFor(() -> timeouts() >= 1, 10_000, "a timeout on the killed server");
    int before = samples.size();
    Thread.sleep(3000);
    assertTrue(samples.size() - before <= 0, "no telemetry while the device is gone");
    assertTrue(stats().getLong("timeouts") >= 1, stats().encode());
    peer.startServer(values);
    long back = System.currentTimeMillis();
    int seen = samples.size();
    waitFor(() -> samples.size() > seen, 5000, "telemetry within 5 s of the server's return");

    long recovered = System.currentTimeMillis() - back;
    assertTrue(recovered <= 5000, "recovered after " + recovered + " ms");
    assertTrue(stats().getLong("device_backoffs") >= 1, "a failing device is backed off: " + stats().encode());
    BusTrace trace = peer.trace();
    assertTrue(trace.violations().isEmpty(), trace.toString());
  }

  @Test
  void aLostSerialPortIsReopenedWhenItComesBack() throws Exception {
    peer.startServer(values);
    List<JsonObject> samples = collectTelemetry();
    deployWorkerAndPoller(config()).await(20, TimeUnit.SECONDS);
    waitFor(() -> !samples.isEmpty(), 10_000, "telemetry before the port goes");

    // the adapter is unplugged: the pty pair and the device behind it disappear
    peer.close();
    Thread.sleep(3000);
    peer = RtuPeer.start(dir);
    peer.startServer(values);
    int seen = samples.size();
    waitFor(() -> samples.size() > seen, 15_000, "telemetry through the reopened port");

    assertTrue(stats().getLong("reconnects") >= 1, "the port was reopened: " + stats().encode());
  }

  @Test
  void slowResponsesAreCountedAndRetriedWithoutOverlap() throws Exception {
    // every 3rd read is answered 800 ms late, past the 500 ms timeout
    peer.startServer(values, "--slow-every", "3", "--slow-ms", "800");
    List<JsonObject> samples = collectTelemetry();
    deployWorkerAndPoller(config()).await(20, TimeUnit.SECONDS);

    waitFor(() -> samples.size() >= 6, 30_000, "6 samples despite slow answers");

    JsonObject stats = stats();
    assertTrue(stats.getLong("timeouts") >= 1, stats.encode());
    assertTrue(stats.getLong("retries") >= 1, stats.encode());
    BusTrace trace = peer.trace();
    assertTrue(trace.violations().isEmpty(), trace.toString());
    assertTrue(trace.responses() >= trace.requests() - 1, "the late answers were waited for, not talked over: " + trace);
  }
}
