package io.nattery.edge.simulator;

import io.nattery.edge.registers.RegisterMap;
import io.nattery.protocol.Contract;
import io.nattery.protocol.battery.BatteryModel;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How one simulated inverter is set up. Start from {@link #defaults(String)} and change what matters:
 * {@code SimulatorConfig.defaults("sim-0001").withPort(5020).withTimeScale(60)}.
 *
 * @param deviceId      also seeds the weather, the load and the PV size, so devices differ
 * @param host          interface to bind (127.0.0.1 by default)
 * @param port          TCP port; 0 picks a free one, read back with {@link InverterSimulator#port()}
 * @param unitId        Modbus unit id served
 * @param registerMap   the map served (the shipped generic-hybrid map by default)
 * @param battery       the battery model (PROTOCOL.md's defaults by default)
 * @param zone          the site's zone: the PV bell and the load peaks follow its local day
 * @param startTime     simulated time at start; null for the wall clock at construction
 * @param timeScale     simulated seconds per real second (60 plays a day in 24 minutes)
 * @param tickMs        real milliseconds between physics steps
 * @param seed          randomness seed; derived from the device id by default
 * @param idleTimeoutMs a master silent this long is disconnected (0 = never)
 * @param scheduler     the physics thread; null for the one shared by all simulators of the JVM
 */
public record SimulatorConfig(String deviceId, String host, int port, int unitId, RegisterMap registerMap,
    BatteryModel battery, ZoneId zone, Instant startTime, double timeScale, long tickMs,
    long seed, int idleTimeoutMs, ScheduledExecutorService scheduler) {

  public SimulatorConfig {
    if (!Contract.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device_id: " + deviceId);
    }
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(registerMap, "registerMap");
    Objects.requireNonNull(battery, "battery");
    Objects.requireNonNull(zone, "zone");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (unitId < 0 || unitId > 255) {
      throw new IllegalArgumentException("unitId must be 0..255, got " + unitId);
    }
    if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
      throw new IllegalArgumentException("timeScale must be > 0, got " + timeScale);
    }
    if (tickMs < 1) {
      throw new IllegalArgumentException("tickMs must be > 0, got " + tickMs);
    }
    if (idleTimeoutMs < 0) {
      throw new IllegalArgumentException("idleTimeoutMs must be >= 0, got " + idleTimeoutMs);
    }
  }

  public static SimulatorConfig defaults(String deviceId) {
    return new SimulatorConfig(deviceId, "127.0.0.1", 0, 1, RegisterMap.genericHybrid(), BatteryModel.defaults(),
        ZoneId.of("Europe/Berlin"), null, 1.0, 1000, seedOf(deviceId), 60_000, null);
  }

  /** A stable 64-bit seed from the device id (FNV-1a), the same on every JVM. */
  public static long seedOf(String deviceId) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : deviceId.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xFF;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  public SimulatorConfig withHost(String value) {
    return new SimulatorConfig(deviceId, value, port, unitId, registerMap, battery, zone, startTime, timeScale, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withPort(int value) {
    return new SimulatorConfig(deviceId, host, value, unitId, registerMap, battery, zone, startTime, timeScale, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withUnitId(int value) {
    return new SimulatorConfig(deviceId, host, port, value, registerMap, battery, zone, startTime, timeScale, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withRegisterMap(RegisterMap value) {
    return new SimulatorConfig(deviceId, host, port, unitId, value, battery, zone, startTime, timeScale, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withBattery(BatteryModel value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, value, zone, startTime, timeScale, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withZone(ZoneId value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, battery, value, startTime, timeScale, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withStartTime(Instant value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, battery, zone, value, timeScale, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withTimeScale(double value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, battery, zone, startTime, value, tickMs, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withTickMs(long value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, battery, zone, startTime, timeScale, value, seed, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withSeed(long value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, battery, zone, startTime, timeScale, tickMs, value, idleTimeoutMs, scheduler);
  }

  public SimulatorConfig withIdleTimeoutMs(int value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, battery, zone, startTime, timeScale, tickMs, seed, value, scheduler);
  }

  public SimulatorConfig withScheduler(ScheduledExecutorService value) {
    return new SimulatorConfig(deviceId, host, port, unitId, registerMap, battery, zone, startTime, timeScale, tickMs, seed, idleTimeoutMs, value);
  }
}
