package io.nattery.edge.simulator;

import io.nattery.edge.registers.Register;
import io.nattery.edge.registers.RegisterCodec;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.registers.RegisterType;
import io.nattery.edge.registers.TelemetryField;
import io.nattery.protocol.Mode;
import io.nattery.protocol.battery.BatteryModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A simulated hybrid inverter with its battery, served over Modbus TCP with the same register map as
 * the edge reads. Plain Java, no Vert.x:
 * <pre>
 * InverterSimulator sim = new InverterSimulator(SimulatorConfig.defaults("sim-0001").withPort(0)).start();
 * int port = sim.port();
 * ...
 * sim.stop();
 * </pre>
 * Physics steps run on one scheduler thread shared by every simulator in the JVM, phase-shifted per
 * device, so thousands of simulators cost one thread for physics. Writes to the mode and setpoint
 * registers take effect at the next step. The Modbus side still uses an accept thread per simulator and a
 * thread per open connection (j2mod's blocking I/O); a fleet of 10,000 will need a non-blocking server.
 */
public final class InverterSimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InverterSimulator.class);

  private static ScheduledExecutorService sharedScheduler;
  private static int sharedUsers;

  private final SimulatorConfig config;
  private final RegisterMap map;
  private final InverterImage image;
  private final SiteProfile site;
  private final BatteryPhysics physics;
  private final Register modeRegister;
  private final Register setpointRegister;
  private final Map<String, Integer> scaleFactors = new HashMap<>();
  private Instant simulatedTime;
  private long steps;
  private Mode lastMode = Mode.SELF_CONSUMPTION;
  private double lastSetpointW;
  private ModbusTcpServer server;
  private ScheduledExecutorService scheduler;
  private ScheduledFuture<?> ticks;

  public InverterSimulator(SimulatorConfig config) {
    this.config = config;
    this.map = config.registerMap();
    this.image = new InverterImage(map);
    this.site = new SiteProfile(config.seed());
    this.physics = new BatteryPhysics(config.battery(), site);
    this.modeRegister = only(TelemetryField.MODE);
    this.setpointRegister = only(TelemetryField.SETPOINT_W);
    this.simulatedTime = config.startTime() != null ? config.startTime() : Instant.now();
    chooseScaleFactors();
    image.atomically(() -> {
      writeIdentity();
      putEnum(modeRegister, Mode.SELF_CONSUMPTION.wire());
      putNumber(setpointRegister, 0);
      writeMeasurements();
    });
  }

  /** A simulator with the defaults, on {@code port} (0 for any free port). */
  public InverterSimulator(String deviceId, int port) {
    this(SimulatorConfig.defaults(deviceId).withPort(port));
  }

  /** Binds the port and starts stepping. @throws IOException when the port cannot be bound */
  public synchronized InverterSimulator start() throws IOException {
    if (server != null) {
      return this;
    }
    ModbusTcpServer bound = new ModbusTcpServer(config.deviceId(), config.host(), config.port(), config.unitId(),
        config.idleTimeoutMs(), image);
    bound.start();
    server = bound;
    scheduler = config.scheduler() != null ? config.scheduler() : acquireSharedScheduler();
    // spread the devices over the tick period instead of stepping them all at the same instant
    long phase = Math.floorMod(config.seed(), config.tickMs());
    ticks = scheduler.scheduleAtFixedRate(this::safeStep, phase, config.tickMs(), TimeUnit.MILLISECONDS);
    LOG.info("[device: {}] simulator serving {} on {}:{} unit {}, PV peak {} W, battery {} kWh / {} kW",
        config.deviceId(), map.name(), config.host(), port(), config.unitId(),
        Math.round(site.pvPeakW()), physics.model().capacityKwh(), physics.model().powerKw());
    return this;
  }

  /** Stops stepping and closes the port and every open connection. Idempotent. */
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    ticks.cancel(false);
    if (config.scheduler() == null) {
      releaseSharedScheduler();
    }
    server.stop();
    server = null;
    LOG.info("[device: {}] simulator stopped after {} steps", config.deviceId(), steps);
  }

  @Override
  public void close() {
    stop();
  }

  /** The bound port, also when configured with 0. @throws IllegalStateException before start() */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("simulator " + config.deviceId() + " is not started");
    }
    return server.getPort();
  }

  public String host() {
    return config.host();
  }

  public String deviceId() {
    return config.deviceId();
  }

  public int unitId() {
    return config.unitId();
  }

  public SimulatorConfig config() {
    return config;
  }

  /** One physics step of the configured length now, in addition to the scheduled ones. */
  public void step() {
    step(Duration.ofNanos((long) (config.tickMs() * 1e6 * config.timeScale())));
  }

  /** One physics step of {@code simulated} time now (tests and benchmarks drive time this way). */
  public synchronized void step(Duration simulated) {
    if (simulated.isNegative() || simulated.isZero()) {
      throw new IllegalArgumentException("a step must be longer than zero, got " + simulated);
    }
    double dtSeconds = simulated.toNanos() / 1e9;
    readControl();
    physics.step(simulatedTime.atZone(config.zone()), dtSeconds, lastMode, lastSetpointW);
    simulatedTime = simulatedTime.plus(simulated);
    steps++;
    image.atomically(this::writeMeasurements);
  }

  public synchronized SimulatorSnapshot snapshot() {
    return new SimulatorSnapshot(config.deviceId(), simulatedTime, steps, physics.socPct(), physics.batteryW(),
        physics.pvW(), physics.loadW(), physics.gridW(), physics.voltageV(), physics.tempC(), physics.state(),
        lastMode, lastSetpointW, physics.alarms());
  }

  private void safeStep() {
    try {
      step();
    } catch (RuntimeException e) {
      // an exception would silently cancel the schedule; log and keep the device alive
      LOG.error("[device: {}] simulator step failed", config.deviceId(), e);
    }
  }

  /** Mode and setpoint as last written over Modbus (or at construction). */
  private void readControl() {
    long code = RegisterCodec.raw(modeRegister.type(), image.get(modeRegister), 0);
    String wire = modeRegister.enumCodes().get((int) code);
    if (wire != null) {
      lastMode = Mode.fromWire(wire);
    }
    long raw = RegisterCodec.raw(setpointRegister.type(), image.get(setpointRegister), 0);
    lastSetpointW = RegisterCodec.scale(raw, scaleOf(setpointRegister));
  }

  private void writeIdentity() {
    for (Register register : map.registers()) {
      if (register.value() != null) {
        image.put(register, RegisterCodec.words(register.type(), register.value()));
      }
      if (register.scaleRegister() != null) {
        Register sf = map.get(register.scaleRegister());
        image.put(sf, RegisterCodec.words(RegisterType.S16, scaleFactors.get(sf.name())));
      }
    }
    putText("manufacturer", "Nattery");
    putText("model", "Generic Hybrid Simulator");
    putText("options", "sim");
    putText("version", "1.0.0");
    putText("serial_number", "SIM-" + config.deviceId());
    named("device_address").ifPresent(r -> putNumber(r, config.unitId()));
    named("max_charge_rate").ifPresent(r -> putNumber(r, physics.model().powerKw() * 1000));
    named("energy_rating").ifPresent(r -> putNumber(r, physics.model().capacityKwh() * 1000));
  }

  private void writeMeasurements() {
    putNumber(only(TelemetryField.SOC_PCT), physics.socPct());
    putNumber(only(TelemetryField.BATTERY_POWER_W), physics.batteryW());
    putNumber(only(TelemetryField.BATTERY_VOLTAGE_V), physics.voltageV());
    putNumber(only(TelemetryField.BATTERY_CURRENT_A), physics.currentA());
    putNumber(only(TelemetryField.BATTERY_TEMP_C), physics.tempC());
    putNumber(only(TelemetryField.PV_POWER_W), physics.pvW());
    putNumber(only(TelemetryField.GRID_POWER_W), physics.gridW());
    putNumber(only(TelemetryField.LOAD_POWER_W), physics.loadW());
    putEnum(only(TelemetryField.INVERTER_STATE), physics.state().wire());
    for (Register register : map.feeding(TelemetryField.ALARMS)) {
      List<String> known = physics.alarms().stream().filter(register.bits()::containsValue).toList();
      image.put(register, RegisterCodec.words(register.type(), RegisterCodec.bitValue(register, known)));
    }
    putCounter(only(TelemetryField.ENERGY_CHARGED_WH), physics.chargedWh());
    putCounter(only(TelemetryField.ENERGY_DISCHARGED_WH), physics.dischargedWh());
    putCounter(only(TelemetryField.ENERGY_IMPORT_WH), physics.importWh());
    putCounter(only(TelemetryField.ENERGY_EXPORT_WH), physics.exportWh());
    putCounter(only(TelemetryField.ENERGY_PV_WH), physics.pvWh());
    named("ac_power").ifPresent(r -> putNumber(r, physics.pvW() + physics.batteryW()));
    named("cabinet_temp").ifPresent(r -> putNumber(r, physics.tempC() + 3 + 0.001 * (physics.pvW() + Math.abs(physics.batteryW()))));
    named("charge_status").ifPresent(r -> putEnum(r, physics.chargeStatus()));
  }

  /**
   * SunSpec scale factors are constants of the device: pick one per scale register, fine enough for
   * the unit and coarse enough that the largest value the device can produce still fits the type.
   */
  private void chooseScaleFactors() {
    BatteryModel battery = physics.model();
    double ratedW = battery.powerKw() * 1000;
    for (Register register : map.registers()) {
      if (register.scaleRegister() == null) {
        continue;
      }
      // SoC in hundredths: a 10 kWh battery at 1 kW moves 0.01 % in under 4 s, so live views see it change
      int sf = register.field() == TelemetryField.SOC_PCT ? -2 : switch (register.unit() == null ? "" : register.unit()) {
        case "%", "V", "A", "C" -> -1;
        default -> 0;
      };
      double largest;
      if (register.field() == TelemetryField.PV_POWER_W) {
        largest = site.pvPeakW() * 1.5;
      } else if ("energy_rating".equals(register.name())) {
        largest = battery.capacityKwh() * 1000;
      } else if ("W".equals(register.unit())) {
        largest = site.pvPeakW() * 1.5 + ratedW;
      } else {
        largest = 0;
      }
      while (largest / Math.pow(10, sf) > register.type().maxRaw() && sf < RegisterCodec.MAX_SCALE) {
        sf++;
      }
      scaleFactors.merge(register.scaleRegister(), sf, Math::max);
    }
  }

  private int scaleOf(Register register) {
    if (register.scaleRegister() != null) {
      return scaleFactors.get(register.scaleRegister());
    }
    return register.scale() == null ? 0 : register.scale();
  }

  /** A device saturates a value its register cannot hold rather than wrapping it. */
  private void putNumber(Register register, double value) {
    long raw = RegisterCodec.unscale(value, scaleOf(register));
    raw = Math.max(register.type().minRaw(), Math.min(register.type().maxRaw(), raw));
    image.put(register, RegisterCodec.words(register.type(), raw));
  }

  /** Energy counters wrap around, as real ones do. */
  private void putCounter(Register register, double wh) {
    long raw = RegisterCodec.unscale(Math.floor(wh), scaleOf(register));
    if (!register.type().signed()) {
      raw = Math.floorMod(raw, register.type().maxRaw() + 1);
    }
    image.put(register, RegisterCodec.words(register.type(), raw));
  }

  private void putEnum(Register register, String wire) {
    register.codeOf(wire).ifPresent(code -> image.put(register, RegisterCodec.words(register.type(), code)));
  }

  private void putText(String name, String text) {
    named(name).ifPresent(r -> image.put(r, RegisterCodec.string(
        text.length() > r.length() * 2 ? text.substring(0, r.length() * 2) : text, r.length())));
  }

  private Optional<Register> named(String name) {
    return map.find(name);
  }

  private Register only(TelemetryField field) {
    List<Register> registers = map.feeding(field);
    if (registers.isEmpty()) {
      throw new IllegalArgumentException("register map " + map.name() + " feeds no " + field.wire() + "; the simulator needs it");
    }
    return registers.get(0);
  }

  private static synchronized ScheduledExecutorService acquireSharedScheduler() {
    if (sharedScheduler == null) {
      sharedScheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "nattery-sim-physics");
        thread.setDaemon(true);
        return thread;
      });
    }
    sharedUsers++;
    return sharedScheduler;
  }

  private static synchronized void releaseSharedScheduler() {
    if (--sharedUsers == 0) {
      sharedScheduler.shutdown();
      sharedScheduler = null;
    }
  }
}
