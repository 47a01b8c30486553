package io.nattery.edge.simulator;

import com.ghgande.j2mod.modbus.ModbusSlaveException;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import io.nattery.edge.registers.ReadPlan;
import io.nattery.edge.registers.RegisterCodec;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.registers.RegisterWrite;
import io.nattery.edge.registers.TelemetryDecoder;
import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator as the edge sees it: over real Modbus TCP, through j2mod's master. */
class InverterSimulatorTest {
  /** Midsummer noon in Berlin (10:00Z is 12:00 CEST): the sun is up. */
  private static final Instant SUMMER_NOON = Instant.parse("2026-06-21T10:00:00Z");
  /** Midwinter night in Berlin. */
  private static final Instant WINTER_NIGHT = Instant.parse("2026-12-21T01:00:00Z");
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final RegisterMap map = RegisterMap.genericHybrid();
  private final TelemetryDecoder decoder = new TelemetryDecoder(map);
  private final List<InverterSimulator> simulators = new ArrayList<>();
  private final List<ModbusTCPMaster> masters = new ArrayList<>();

  @AfterEach
  void tearDown() {
    masters.forEach(ModbusTCPMaster::disconnect);
    simulators.forEach(InverterSimulator::stop);
  }

  /** Scheduled steps an hour apart, so that only the test's own step() calls move time. */
  private InverterSimulator started(String deviceId, Instant start) throws Exception {
    InverterSimulator sim = new InverterSimulator(SimulatorConfig.defaults(deviceId).withStartTime(start).withTickMs(3_600_000));
    simulators.add(sim);
    return sim.start();
  }

  private ModbusTCPMaster master(InverterSimulator sim) throws Exception {
    ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", sim.port(), 2000, false, false);
    master.connect();
    master.setRetries(1);
    masters.add(master);
    return master;
  }

  private static int[] read(ModbusTCPMaster master, int address, int count) throws Exception {
    Register[] registers = master.readMultipleRegisters(1, address, count);
    return IntStream.range(0, count).map(i -> registers[i].toUnsignedShort()).toArray();
  }

  private static void write(ModbusTCPMaster master, int address, int... words) throws Exception {
    master.writeMultipleRegisters(1, address, IntStream.of(words).mapToObj(SimpleRegister::new).toArray(Register[]::new));
  }

  private Telemetry sample(ModbusTCPMaster master) throws Exception {
    List<int[]> replies = new ArrayList<>();
    for (ReadPlan.Block block : decoder.plan().blocks()) {
      replies.add(read(master, block.address(), block.count()));
    }
    return decoder.decode(replies, "sim", Instant.now(), 0, null);
  }

  private static void steps(InverterSimulator sim, int count, Duration each) {
    for (int i = 0; i < count; i++) {
      sim.step(each);
    }
  }

  @Test
  void servesTheSunSpecMarkerTheIdentityAndAStartingSample() throws Exception {
    InverterSimulator sim = started("sim-identity", SUMMER_NOON);
    ModbusTCPMaster master = master(sim);

    assertEquals(0x53756E53L, RegisterCodec.raw(map.get("sunspec_id").type(), read(master, 40000, 2), 0));
    assertEquals("Nattery", RegisterCodec.string(read(master, 40004, 16), 0, 16));
    assertEquals("SIM-sim-identity", RegisterCodec.string(read(master, 40052, 16), 0, 16));
    assertEquals(103, read(master, 40070, 1)[0]);
    Telemetry t = sample(master);
    assertEquals(50.0, t.socPct());
    assertEquals(Mode.SELF_CONSUMPTION, t.mode());
    assertEquals(0.0, t.setpointW());
  }

  @Test
  void aChargeSetpointRaisesTheSocAndADischargeLowersIt() throws Exception {
    InverterSimulator sim = started("sim-setpoint", SUMMER_NOON);
    ModbusTCPMaster master = master(sim);
    sim.step(MINUTE);
    double socBefore = sample(master).socPct();

    // given: mode and setpoint in one request, as the encoder builds them
    RegisterWrite mode = map.encodeWrite("operating_mode", "charge");
    RegisterWrite setpoint = map.encodeWrite("power_setpoint", -3000);
    write(master, mode.address(), mode.values().get(0), setpoint.values().get(0), setpoint.values().get(1));
    Telemetry beforeTick = sample(master);
    assertEquals(Mode.CHARGE, beforeTick.mode());
    assertEquals(-3000.0, beforeTick.setpointW());
    assertNotEquals(-3000.0, beforeTick.batteryPowerW(), "a write takes effect at the next step, not before");

    // when: ten simulated minutes pass
    steps(sim, 10, MINUTE);
    Telemetry charging = sample(master);

    // then: the battery charged at the setpoint, and the grid paid for what PV did not cover
    assertEquals(-3000.0, charging.batteryPowerW());
    assertTrue(charging.batteryCurrentA() < 0, "current has the sign of the power");
    assertTrue(charging.socPct() > socBefore + 4, charging.socPct() + " after " + socBefore);
    assertEquals(charging.loadPowerW() - charging.pvPowerW() + 3000, charging.gridPowerW(), 2.0);
    assertTrue(charging.energy().chargedWh() >= 490, "10 min at 3 kW: " + charging.energy().chargedWh());
    assertEquals(InverterState.RUNNING, charging.inverterState());

    write(master, mode.address(), map.encodeWrite("operating_mode", "discharge").words()[0]);
    steps(sim, 10, MINUTE);
    Telemetry discharging = sample(master);

    assertEquals(Mode.DISCHARGE, discharging.mode());
    assertEquals(3000.0, discharging.batteryPowerW(), "discharge runs at the setpoint's magnitude");
    assertTrue(discharging.socPct() < charging.socPct() - 4, discharging.socPct() + " after " + charging.socPct());
    assertTrue(discharging.energy().dischargedWh() >= 490);
  }

  @Test
  void theBatteryStopsAtItsSocLimits() throws Exception {
    InverterSimulator sim = started("sim-limits", SUMMER_NOON);
    ModbusTCPMaster master = master(sim);
    write(master, 40107, map.encodeWrite("operating_mode", "charge").words()[0]);
    write(master, 40108, map.encodeWrite("power_setpoint", -5000).words());

    steps(sim, 30, Duration.ofMinutes(10));
    Telemetry full = sample(master);

    assertEquals(90.0, full.socPct(), 0.05);
    assertEquals(0.0, full.batteryPowerW());
    assertTrue(full.alarms().contains("battery_over_soc_max_warning"), full.alarms().toString());

    write(master, 40107, map.encodeWrite("operating_mode", "discharge").words()[0]);
    steps(sim, 30, Duration.ofMinutes(10));
    Telemetry empty = sample(master);

    assertEquals(10.0, empty.socPct(), 0.05);
    assertEquals(0.0, empty.batteryPowerW());
    assertTrue(empty.alarms().contains("battery_under_soc_min_warning"), empty.alarms().toString());
  }

  @Test
  void selfConsumptionCoversTheLoadAtNight() throws Exception {
    InverterSimulator sim = started("sim-night", WINTER_NIGHT);

    sim.step(MINUTE);
    SimulatorSnapshot night = sim.snapshot();

    assertEquals(0.0, night.pvPowerW());
    assertEquals(Mode.SELF_CONSUMPTION, night.mode());
    assertEquals(night.loadPowerW(), night.batteryPowerW(), 1e-6);
    assertEquals(0.0, night.gridPowerW(), 1e-6);
  }

  @Test
  void pvFollowsTheDayAndDevicesDifferButReplayTheirOwnWeather() throws Exception {
    InverterSimulator one = started("sim-1", Instant.parse("2026-06-21T00:00:00Z"));
    InverterSimulator two = started("sim-2", Instant.parse("2026-06-21T00:00:00Z"));
    InverterSimulator oneAgain = started("sim-1", Instant.parse("2026-06-21T00:00:00Z"));
    double peak = 0;
    double at3h = -1;
    boolean differ = false;
    for (int minute = 0; minute < 24 * 60; minute++) {
      one.step(MINUTE);
      two.step(MINUTE);
      oneAgain.step(MINUTE);
      SimulatorSnapshot s = one.snapshot();
      peak = Math.max(peak, s.pvPowerW());
      if (minute == 3 * 60) {
        at3h = s.pvPowerW(); // 05:00 CEST
      }
      differ |= s.pvPowerW() != two.snapshot().pvPowerW() || s.loadPowerW() != two.snapshot().loadPowerW();
      assertEquals(s.pvPowerW(), oneAgain.snapshot().pvPowerW(), "same device, same weather");
      assertTrue(s.loadPowerW() >= 50);
    }
    assertEquals(0.0, at3h, "no PV before sunrise");
    assertTrue(peak > 1000 && peak < 6500, "a few kW at the peak of a summer day: " + peak);
    assertTrue(differ, "two devices must not share their weather and load");
  }

  @Test
  void theBatteryWarmsWithPower() throws Exception {
    InverterSimulator idle = started("sim-warm", WINTER_NIGHT);
    InverterSimulator working = new InverterSimulator(SimulatorConfig.defaults("sim-warm")
        .withStartTime(WINTER_NIGHT).withTickMs(3_600_000).withBattery(
            new io.nattery.protocol.battery.BatteryModel(100, 5, 0.9, 10, 90, 90, 0)));
    simulators.add(working.start());
    ModbusTCPMaster idleMaster = master(idle);
    ModbusTCPMaster workingMaster = master(working);
    write(idleMaster, 40107, map.encodeWrite("operating_mode", "idle").words()[0]);
    write(workingMaster, 40107, map.encodeWrite("operating_mode", "discharge").words()[0]);
    write(workingMaster, 40108, map.encodeWrite("power_setpoint", 5000).words());

    steps(idle, 120, MINUTE);
    steps(working, 120, MINUTE);

    double rise = sample(workingMaster).batteryTempC() - sample(idleMaster).batteryTempC();
    assertTrue(rise > 5 && rise < 12, "two hours at 5 kW warm the battery by several degrees: " + rise);
  }

  @Test
  void scheduledStepsAdvanceOnTheirOwn() throws Exception {
    InverterSimulator sim = new InverterSimulator(SimulatorConfig.defaults("sim-ticking").withTickMs(20).withTimeScale(60));
    simulators.add(sim.start());

    long deadline = System.currentTimeMillis() + 5000;
    while (sim.snapshot().steps() < 5 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }

    assertTrue(sim.snapshot().steps() >= 5, "steps: " + sim.snapshot().steps());
  }

  @Test
  void whatTheMapForbidsIsAnsweredWithIllegalDataAddress() throws Exception {
    InverterSimulator sim = started("sim-strict", SUMMER_NOON);
    ModbusTCPMaster master = master(sim);

    assertEquals(2, assertThrows(ModbusSlaveException.class, () -> write(master, 40088, 500)).getType(), "read-only soc");
    assertEquals(2, assertThrows(ModbusSlaveException.class, () -> write(master, 40109, 0)).getType(), "half a setpoint");
    assertEquals(2, assertThrows(ModbusSlaveException.class, () -> write(master, 40108, 0, 9000)).getType(), "over the limit");
    assertEquals(2, assertThrows(ModbusSlaveException.class, () -> read(master, 40120, 3)).getType(), "past the map");
    assertEquals(2, assertThrows(ModbusSlaveException.class, () -> master.readMultipleRegisters(7, 40000, 2)).getType(), "other unit");
    assertEquals(0.0, sample(master).setpointW(), "refused writes change nothing");
  }

  @Test
  void portZeroBindsAFreePortAndStopReleasesIt() throws Exception {
    InverterSimulator a = started("sim-port-a", SUMMER_NOON);
    InverterSimulator b = started("sim-port-b", SUMMER_NOON);
    int port = a.port();

    assertNotEquals(port, b.port());
    a.stop();

    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    assertThrows(IllegalStateException.class, a::port);
  }

  @Test
  @Timeout(10)
  void aFleetSharesOnePhysicsThread() throws Exception {
    for (int i = 0; i < 20; i++) {
      simulators.add(new InverterSimulator(SimulatorConfig.defaults("sim-fleet-" + i).withTickMs(50)).start());
    }
    long deadline = System.currentTimeMillis() + 5000;
    while (!simulators.stream().allMatch(s -> s.snapshot().steps() > 0) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }

    long physicsThreads = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("nattery-sim-physics")).count();
    assertEquals(1, physicsThreads);
    assertTrue(simulators.stream().allMatch(s -> s.snapshot().steps() > 0));
  }
}
