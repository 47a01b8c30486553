package io.nattery.edge.uplink;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import io.nattery.edge.EdgeService;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker goes away for 60 s while a schedule runs: slots still start on time (watched on the inverter's
 * registers), and once the broker is back every ack and execution report arrives exactly once, in order.
 * A private Mosquitto on a free port (with persistence, so the observer's session and its queue survive the
 * restart); the edge clock runs 30 times fast, so four 15-minute slots take two minutes.
 */
class EdgeOfflineIT {
  private static final Instant EDGE_START = Instant.parse("2026-11-23T00:14:00Z");
  private static final double SPEED = 30;
  private static final List<String> SLOTS = List.of("2026-11-23T00:15:00Z", "2026-11-23T00:30:00Z",
      "2026-11-23T00:45:00Z", "2026-11-23T01:00:00Z");
  /** operating_mode codes the slots write: charge, discharge, idle, charge. */
  private static final List<Integer> MODES = List.of(1, 2, 3, 1);

  @TempDir
  Path dir;
  private Vertx vertx;
  private InverterSimulator simulator;
  private Process broker;
  private int port;
  private final String deviceId = "offline-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<JsonObject> acks = new CopyOnWriteArrayList<>();
  private final List<long[]> modeChanges = new CopyOnWriteArrayList<>();
  private volatile boolean watching = true;
  private Thread watcher;

  @BeforeEach
  void setUp() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/sbin/mosquitto"))) {
      throw new IllegalStateException("this test starts its own Mosquitto: /usr/sbin/mosquitto is missing (apt-get install mosquitto)");
    }
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // Mosquitto started as root drops to its own user: it must be able to reach and write its persistence directory
    Path persistence = Files.createDirectory(dir.resolve("mosquitto"));
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(persistence, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\nallow_anonymous true\n"
        + "persistence true\npersistence_location " + persistence + "/\nmax_queued_messages 10000\n");
    startBroker();
    vertx = Vertx.vertx();
    simulator = new InverterSimulator(SimulatorConfig.defaults(deviceId).withPort(0)).start();
  }

  @AfterEach
  void tearDown() throws Exception {
    watching = false;
    if (watcher != null) {
      watcher.join(5000);
    }
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    if (simulator != null) {
      simulator.stop();
    }
    stopBroker();
  }

  private void startBroker() throws Exception {
    broker = new ProcessBuilder("/usr/sbin/mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile())).start();
    long end = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < end) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("private Mosquitto did not listen on " + port + ": " + Files.readString(dir.resolve("mosquitto.log")));
  }

  private void stopBroker() throws InterruptedException {
    if (broker != null) {
      broker.destroy(); // SIGTERM: Mosquitto writes its persistence file on the way out
      broker.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The cloud's side: a persistent session on the ack topic, so what arrives while it is away waits for it. */
  private boolean observerSessionPresent;

  private MqttClient observe() throws Exception {
    MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId("observer-" + deviceId).setCleanSession(false));
    client.publishHandler(m -> acks.add(m.payload().toJsonObject()));
    observerSessionPresent = client.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS).isSessionPresent();
    client.subscribe(Topics.ack(deviceId), 1).await(10, TimeUnit.SECONDS);
    return client;
  }

  /** Reads the inverter's operating_mode register every 50 ms and notes when it changes (real time). */
  private void watchRegisters() {
    int address = RegisterMap.genericHybrid().get("operating_mode").address();
    watcher = new Thread(() -> {
      ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", simulator.port());
      int last = -1;
      try {
        master.connect();
        while (watching) {
          int mode = master.readMultipleRegisters(1, address, 1)[0].getValue();
          if (mode != last) {
            modeChanges.add(new long[] {System.currentTimeMillis(), mode});
            last = mode;
          }
          Thread.sleep(50);
        }
      } catch (Exception e) {
        modeChanges.add(new long[] {System.currentTimeMillis(), -1});
      } finally {
        master.disconnect();
      }
    }, "register-watcher");
    watcher.start();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private long executions() {
    return acks.stream().filter(a -> "execution".equals(a.getString("type"))).count();
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void slotsRunOnTimeWhileTheBrokerIsDownAndEveryAckArrivesOnceInOrder() throws Exception {
    MqttClient observer = observe();
    long anchor = System.currentTimeMillis() + 1000;
    JsonObject config = new JsonObject()
        .put("device_id", deviceId)
        .put("poll_interval_ms", 500)
        .put("measure_after_ms", 1000)
        .put("clock", new JsonObject().put("start", EDGE_START.toString()).put("speed", SPEED).put("anchor_ms", anchor))
        .put("modbus", new JsonObject().put("transport", "tcp").put("host", "127.0.0.1").put("port", simulator.port()))
        .put("mqtt", new JsonObject().put("host", "127.0.0.1").put("port", port).put("reconnect_initial_ms", 500).put("reconnect_max_ms", 2000))
        .put("store", new JsonObject().put("dir", dir.resolve("store").toString()));
    watchRegisters();
    EdgeService.deploy(vertx, config).await(30, TimeUnit.SECONDS);

    JsonArray slots = new JsonArray();
    double[] rates = {3.0, 2.0, 0, 1.0};
    String[] modes = {"charge", "discharge", "idle", "charge"};
    for (int i = 0; i < SLOTS.size(); i++) {
      Instant start = Instant.parse(SLOTS.get(i));
      slots.add(new JsonObject().put("start", start.toString()).put("end", start.plusSeconds(900).toString())
          .put("mode", modes[i]).put("rate_kw", rates[i]));
    }
    String scheduleId = UUID.randomUUID().toString();
    JsonObject schedule = new JsonObject().put("v", 1).put("schedule_id", scheduleId).put("device_id", deviceId).put("version", 1)
        .put("issued_at", "2026-11-22T15:05:00Z").put("source", "trading").put("trace_id", null).put("resolution", "PT15M")
        .put("slots", slots);
    MqttClient cloud = MqttClient.create(vertx, new MqttClientOptions().setClientId("cloud-" + deviceId));
    cloud.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    cloud.publish(Topics.schedule(deviceId), schedule.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, true).await(10, TimeUnit.SECONDS);
    cloud.disconnect();

    // given the first slot executed and acked with the broker up
    waitFor(() -> executions() >= 1, 20_000, "the first execution ack");
    // when the broker stops for 60 s across the next two boundaries
    stopBroker();
    long down = System.currentTimeMillis();
    Thread.sleep(60_000);
    startBroker();
    long up = System.currentTimeMillis();
    observe();
    assertTrue(observerSessionPresent, "the broker kept the observer's session, so nothing depends on who reconnects first: "
        + Files.readString(dir.resolve("mosquitto.log")));
    // then every ack arrives once the edge has reconnected, including the slot after the outage
    waitFor(() -> executions() >= 4, 90_000, "all four execution acks");
    Thread.sleep(3000); // time for a duplicate to show up, if there were one

    List<String> seen = new ArrayList<>();
    for (JsonObject ack : acks) {
      seen.add("execution".equals(ack.getString("type")) ? "EXEC " + Instant.parse(ack.getString("slot_start")) : ack.getString("status"));
    }
    List<String> expected = new ArrayList<>(List.of("RECEIVED", "APPLIED"));
    SLOTS.forEach(s -> expected.add("EXEC " + s));
    assertEquals(expected, seen, "each ack exactly once, in order");
    assertTrue(acks.stream().allMatch(a -> scheduleId.equals(a.getString("schedule_id"))));
    assertTrue(acks.stream().filter(a -> "execution".equals(a.getString("type"))).allMatch(a -> "EXECUTED".equals(a.getString("status"))),
        acks.toString());

    // and each slot reached the inverter within a second of its boundary, whether the broker was up or not
    for (int i = 0; i < SLOTS.size(); i++) {
      long boundary = anchor + (long) ((Instant.parse(SLOTS.get(i)).toEpochMilli() - EDGE_START.toEpochMilli()) / SPEED);
      int mode = MODES.get(i);
      long changed = modeChanges.stream().filter(c -> c[1] == mode && c[0] >= boundary - 200).mapToLong(c -> c[0]).min().orElse(-1);
      long late = changed - boundary;
      assertTrue(changed > 0 && late < 1000 + 100, "slot " + SLOTS.get(i) + " reached the inverter " + late + " ms after its boundary"
          + " (broker down " + (down - anchor) + ".." + (up - anchor) + " ms); changes: " + modeChanges.stream().map(c -> (c[0] - anchor) + ":" + c[1]).toList());
    }
    long boundaryTwo = anchor + (long) ((Instant.parse(SLOTS.get(1)).toEpochMilli() - EDGE_START.toEpochMilli()) / SPEED);
    long boundaryThree = anchor + (long) ((Instant.parse(SLOTS.get(2)).toEpochMilli() - EDGE_START.toEpochMilli()) / SPEED);
    assertTrue(down < boundaryTwo && up > boundaryThree, "two boundaries fell inside the outage");
  }
}
