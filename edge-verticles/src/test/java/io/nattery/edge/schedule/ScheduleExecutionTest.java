package io.nattery.edge.schedule;

import io.nattery.edge.Addresses;
import io.nattery.edge.EdgeService;
import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.nattery.edge.store.EdgeStore;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Topics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule executor inside the whole edge service, against the in-process simulated inverter, with the
 * broker unreachable so that every ack stays in the SQLite outbox where the test reads it. The edge clock
 * starts two seconds before a quarter-hour boundary.
 */
class ScheduleExecutionTest {
  private static final Instant BOUNDARY = Instant.parse("2026-11-23T00:15:00Z");

  @TempDir
  Path dir;
  private Vertx vertx;
  private InverterSimulator simulator;
  private final String deviceId = "sched-" + UUID.randomUUID().toString().substring(0, 8);
  private List<String> deployment;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    simulator = new InverterSimulator(SimulatorConfig.defaults(deviceId).withPort(0)).start();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
    simulator.stop();
  }

  private JsonObject config(Instant clockStart) throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    return new JsonObject()
        .put("device_id", deviceId)
        .put("rated_power_kw", 5.0)
        .put("poll_interval_ms", 200)
        .put("measure_after_ms", 1500)
        .put("clock", new JsonObject().put("start", clockStart.toString()).put("speed", 1))
        .put("limits", new JsonObject().put("soc_min_pct", 5).put("soc_max_pct", 99))
        .put("modbus", new JsonObject().put("transport", "tcp").put("host", "127.0.0.1").put("port", simulator.port()))
        .put("mqtt", new JsonObject().put("host", "127.0.0.1").put("port", closedPort).put("reconnect_initial_ms", 60_000))
        .put("store", new JsonObject().put("dir", dir.toString()));
  }

  private static JsonObject slot(String start, String mode, double rateKw) {
    Instant s = Instant.parse(start);
    return new JsonObject().put("start", s.toString()).put("end", s.plusSeconds(900).toString()).put("mode", mode).put("rate_kw", rateKw);
  }

  private JsonObject schedule(long version, JsonObject... slots) {
    return new JsonObject().put("v", 1).put("schedule_id", UUID.randomUUID().toString()).put("device_id", deviceId)
        .put("version", version).put("issued_at", "2026-11-22T15:05:00Z").put("source", "trading").put("trace_id", "t-" + version)
        .put("resolution", "PT15M").put("slots", new JsonArray(List.of((Object[]) slots)));
  }

  private void send(String payload) {
    send(payload, false);
  }

  /** As the uplink hands it on: {@code retained} when the broker replayed its retained copy on subscribe. */
  private void send(String payload, boolean retained) {
    vertx.eventBus().send(Addresses.scheduleIn(deviceId), Buffer.buffer(payload), new DeliveryOptions().setLocalOnly(true)
        .addHeader(Addresses.RETAINED_HEADER, Boolean.toString(retained)));
  }

  /** The acks queued for the broker, in order. */
  private List<JsonObject> acks() throws Exception {
    try (EdgeStore reader = new EdgeStore(dir.resolve(deviceId + ".db"), 100_000)) {
      return reader.peek(0, 10_000).stream().filter(e -> e.topic().equals(Topics.ack(deviceId)))
          .map(e -> new JsonObject(e.payload())).toList();
    }
  }

  private List<JsonObject> acksFor(String scheduleId) throws Exception {
    return acks().stream().filter(a -> scheduleId.equals(a.getString("schedule_id"))).toList();
  }

  private static void waitFor(ThrowingCondition condition, long timeoutMs, String what) throws Exception {
    long end = System.currentTimeMillis() + timeoutMs;
    while (!condition.holds()) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(25);
    }
  }

  @FunctionalInterface
  private interface ThrowingCondition {
    boolean holds() throws Exception;
  }

  private JsonObject runningScheduleV5() throws Exception {
    deployment = EdgeService.deploy(vertx, config(BOUNDARY.minusSeconds(2))).await(30, TimeUnit.SECONDS);
    JsonObject v5 = schedule(5, slot("2026-11-23T00:15:00Z", "charge", 3.0), slot("2026-11-23T00:30:00Z", "idle", 0));
    send(v5.encode());
    String id = v5.getString("schedule_id");
    waitFor(() -> acksFor(id).stream().anyMatch(a -> "execution".equals(a.getString("type"))), 10_000, "the first slot's execution ack");
    return v5;
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aScheduleIsAckedStoredAndItsSlotExecutedAtTheBoundaryWithTheMeasuredPower() throws Exception {
    JsonObject v5 = runningScheduleV5();

    List<JsonObject> acks = acksFor(v5.getString("schedule_id"));
    assertEquals(List.of("RECEIVED", "APPLIED", "EXECUTED"), acks.stream().map(a -> a.getString("status")).toList());
    JsonObject execution = acks.get(2);
    assertEquals("2026-11-23T00:15:00Z", Instant.parse(execution.getString("slot_start")).toString());
    assertEquals("charge", execution.getString("mode"));
    assertEquals(3.0, execution.getDouble("requested_kw"));
    double late = Instant.parse(execution.getString("ts")).toEpochMilli() - BOUNDARY.toEpochMilli();
    // the setpoint goes out at the boundary (within a second), the ack once the inverter had measure_after_ms (1500) to follow
    assertTrue(late >= 1500 && late < 2500, "acked " + late + " ms after the boundary");
    assertTrue(execution.getDouble("actual_kw") > 2.5, "measured charging power: " + execution);
    assertEquals(Mode.CHARGE, simulator.snapshot().mode());
    assertEquals(-3000, simulator.snapshot().setpointW(), 1e-9);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void badSchedulesFailWithTheirReasonAndLeaveTheRunningOneUntouched() throws Exception {
    JsonObject v5 = runningScheduleV5();
    int acksBefore = acks().size();

    record Bad(String payload, String reason) {
    }
    List<Bad> bad = List.of(
        new Bad(schedule(6, slot("2026-11-23T00:30:00Z", "discharge", 2), slot("2026-11-23T00:30:00Z", "idle", 0)).encode(), "overlaps"),
        new Bad(schedule(6, slot("2026-11-23T00:31:00Z", "discharge", 2)).encode(), "not aligned"),
        new Bad(schedule(6, slot("2026-11-23T00:30:00Z", "discharge", 9)).encode(), "slots[0].rate_kw: 9.0 kW is above the rated power"),
        new Bad(schedule(6, slot("2026-11-23T00:30:00Z", "discharge", 2)).put("v", 2).encode(), "unsupported_version"),
        new Bad(schedule(5, slot("2026-11-23T00:30:00Z", "discharge", 2)).encode(), "stale_version"),
        new Bad("{\"v\":1,\"schedule_id\":", "malformed_json"));
    for (Bad b : bad) {
      send(b.payload());
    }
    send(bad.get(0).payload(), true); // the retained copy again, as after a reconnect: answered once only
    Bad last = new Bad(schedule(3, slot("2026-11-23T00:30:00Z", "idle", 0)).encode(), "stale_version");
    send(last.payload()); // handled after the copy, so once its acks are in, a second answer to the copy would be too
    List<Bad> expected = new java.util.ArrayList<>(bad);
    expected.add(last);
    waitFor(() -> acks().size() >= acksBefore + 2 * expected.size(), 10_000, "RECEIVED and FAILED for every bad schedule");

    List<JsonObject> failed = acks().stream().filter(a -> "FAILED".equals(a.getString("status"))).toList();
    assertEquals(expected.size(), failed.size(), failed.toString());
    for (int i = 0; i < expected.size(); i++) {
      String reason = failed.get(i).getString("reason");
      assertTrue(reason.contains(expected.get(i).reason()), "expected '" + expected.get(i).reason() + "' in " + reason);
    }
    assertEquals(acksBefore + 2 * expected.size(), acks().size(), "the redelivered copy was not answered again");
    assertEquals("unknown", failed.get(5).getString("schedule_id"), "malformed JSON has no id to name");
    try (EdgeStore reader = new EdgeStore(dir.resolve(deviceId + ".db"), 100_000)) {
      EdgeStore.StoredSchedule applied = reader.appliedSchedule().orElseThrow();
      assertEquals(v5.getString("schedule_id"), applied.scheduleId());
      assertEquals(5, applied.version());
    }
    assertEquals(Mode.CHARGE, simulator.snapshot().mode(), "the running slot goes on");
    assertEquals(-3000, simulator.snapshot().setpointW(), 1e-9);

    // sent again by the cloud while the device listens (its final ack was lost on the way): the same answer
    // again, and nothing applied twice
    int answered = scheduleAcks().size();
    send(v5.encode());
    send(bad.get(0).payload());
    waitFor(() -> scheduleAcks().size() >= answered + 2, 10_000, "an answer to each schedule sent again");
    List<JsonObject> again = scheduleAcks().subList(answered, scheduleAcks().size());
    assertEquals(2, again.size(), again.toString());
    assertEquals(List.of(v5.getString("schedule_id"), "APPLIED"), List.of(again.get(0).getString("schedule_id"),
        again.get(0).getString("status")));
    assertEquals("FAILED", again.get(1).getString("status"));
    assertTrue(again.get(1).getString("reason").contains("overlaps"), again.get(1).encode());
    try (EdgeStore reader = new EdgeStore(dir.resolve(deviceId + ".db"), 100_000)) {
      assertEquals(5, reader.appliedSchedule().orElseThrow().version());
    }
  }

  private List<JsonObject> scheduleAcks() throws Exception {
    return acks().stream().filter(a -> "schedule".equals(a.getString("type"))).toList();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theLocalSocLimitHoldsWhateverTheScheduleAsks() throws Exception {
    // given a battery already above the Pi's own SOC ceiling
    double soc = simulator.snapshot().socPct();
    JsonObject config = config(BOUNDARY.minusSeconds(2));
    config.put("limits", new JsonObject().put("soc_min_pct", 0).put("soc_max_pct", Math.floor(soc) - 5));
    deployment = EdgeService.deploy(vertx, config).await(30, TimeUnit.SECONDS);

    // when the cloud asks it to charge at 3 kW
    JsonObject charge = schedule(9, slot("2026-11-23T00:15:00Z", "charge", 3.0));
    send(charge.encode());
    String id = charge.getString("schedule_id");
    waitFor(() -> acksFor(id).stream().anyMatch(a -> "execution".equals(a.getString("type"))), 10_000, "the execution ack");

    // then the inverter is held idle, and the ack says why
    JsonObject execution = acksFor(id).stream().filter(a -> "execution".equals(a.getString("type"))).findFirst().orElseThrow();
    assertEquals("EXECUTED", execution.getString("status"));
    assertTrue(execution.getString("reason").contains("soc"), execution.encode());
    assertEquals(Mode.IDLE, simulator.snapshot().mode());
    assertEquals(0, simulator.snapshot().setpointW(), 1e-9);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aRestartMidSlotResumesTheSlotWithoutAckingItAgain() throws Exception {
    JsonObject v5 = runningScheduleV5();
    EdgeService.undeploy(vertx, deployment).await(20, TimeUnit.SECONDS);
    // someone (or a power cut) changed the inverter while the edge was down
    vertx.executeBlocking(() -> {
      io.nattery.edge.registers.RegisterMap map = io.nattery.edge.registers.RegisterMap.genericHybrid();
      var master = new com.ghgande.j2mod.modbus.facade.ModbusTCPMaster("127.0.0.1", simulator.port());
      try {
        master.connect();
        master.writeSingleRegister(1, map.get("operating_mode").address(), new com.ghgande.j2mod.modbus.procimg.SimpleRegister(4));
      } finally {
        master.disconnect();
      }
      return null;
    }).await(10, TimeUnit.SECONDS);
    waitFor(() -> simulator.snapshot().mode() == Mode.SELF_CONSUMPTION, 5000, "the inverter left the slot's mode");
    int executionsBefore = (int) acksFor(v5.getString("schedule_id")).stream().filter(a -> "execution".equals(a.getString("type"))).count();

    deployment = EdgeService.deploy(vertx, config(BOUNDARY.plusSeconds(20))).await(30, TimeUnit.SECONDS);

    waitFor(() -> simulator.snapshot().mode() == Mode.CHARGE, 5000, "the slot resumed from the store");
    Thread.sleep(2500); // longer than measure_after_ms: a second ack would be queued by now
    long executions = acksFor(v5.getString("schedule_id")).stream().filter(a -> "execution".equals(a.getString("type"))).count();
    assertEquals(1, executionsBefore);
    assertEquals(1, executions, "the slot is acked once across the restart");
    assertEquals(1, acksFor(v5.getString("schedule_id")).stream().filter(a -> "APPLIED".equals(a.getString("status"))).count());
  }
}
