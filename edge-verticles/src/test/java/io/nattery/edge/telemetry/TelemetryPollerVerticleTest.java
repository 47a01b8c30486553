package io.nattery.edge.telemetry;

import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.nattery.edge.Addresses;
import io.nattery.edge.modbus.ModbusWorkerVerticle;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.registers.RegisterWrite;
import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Telemetry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class TelemetryPollerVerticleTest {
  private static final MessageValidator VALIDATOR = new MessageValidator();

  private Vertx vertx;
  private InverterSimulator simulator;
  private ModbusSlave slowSlave;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    if (simulator != null) {
      simulator.stop();
    }
    if (slowSlave != null) {
      ModbusSlaveFactory.close(slowSlave);
    }
  }

  private static JsonObject config(String deviceId, int port, long pollMs) {
    return new JsonObject()
        .put("device_id", deviceId)
        .put("register_map", "../conf/registers/generic-hybrid.json")
        .put("poll_interval_ms", pollMs)
        .put("modbus", new JsonObject().put("host", "127.0.0.1").put("port", port).put("unit_id", 1).put("timeout_ms", 2000));
  }

  private Future<String> deploy(JsonObject config) {
    return vertx.deployVerticle(new ModbusWorkerVerticle(),
            new DeploymentOptions().setConfig(config).setThreadingModel(ThreadingModel.WORKER))
        .compose(id -> vertx.deployVerticle(new TelemetryPollerVerticle(), new DeploymentOptions().setConfig(config)));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void samplesOfTheSimulatorArePublishedAsValidTelemetry(VertxTestContext ctx) throws Exception {
    simulator = new InverterSimulator(SimulatorConfig.defaults("poll-1")
        .withStartTime(Instant.parse("2026-06-21T10:00:00Z")).withTickMs(100).withTimeScale(60)).start();
    List<JsonObject> samples = new ArrayList<>();

    vertx.eventBus().<JsonObject>localConsumer(Addresses.telemetry("poll-1"), message -> {
      samples.add(message.body());
      if (samples.size() == 3) {
        ctx.verify(() -> {
          for (int i = 0; i < 3; i++) {
            JsonObject json = samples.get(i);
            Decoded<Telemetry> decoded = VALIDATOR.decode(MessageType.TELEMETRY, json);
            assertTrue(decoded.isAccepted(), "rejected: " + decoded.rejection() + " " + json.encode());
            Telemetry t = decoded.value();
            assertEquals("poll-1", t.deviceId());
            assertEquals(i, t.seq(), "seq counts samples from 0");
            assertEquals(samples.get(0).getString("boot_id"), t.bootId(), "one boot id per start");
            assertTrue(t.socPct() >= 10 && t.socPct() <= 90, "soc " + t.socPct());
            assertTrue(t.batteryVoltageV() > 45 && t.batteryVoltageV() < 56, "voltage " + t.batteryVoltageV());
            assertTrue(t.batteryTempC() > 0 && t.batteryTempC() < 60, "temperature " + t.batteryTempC());
            assertTrue(t.pvPowerW() > 0, "summer noon: " + t.pvPowerW());
            assertEquals(t.loadPowerW() - t.pvPowerW() - t.batteryPowerW(), t.gridPowerW(), 3.0, "grid = load - pv - battery");
            assertEquals("self_consumption", json.getString("mode"));
            assertEquals(1, json.getInteger("v"));
          }
          assertNotNull(UUID.fromString(samples.get(0).getString("boot_id")));
          assertTrue(samples.get(2).getJsonObject("energy").getLong("pv_wh") > samples.get(0).getJsonObject("energy").getLong("pv_wh"),
              "counters accumulate");
        });
        ctx.completeNow();
      }
    });
    deploy(config("poll-1", simulator.port(), 300)).onFailure(ctx::failNow);
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void aSetpointWrittenThroughTheWorkerShowsInTheFollowingSamples(VertxTestContext ctx) throws Exception {
    simulator = new InverterSimulator(SimulatorConfig.defaults("poll-2")
        .withStartTime(Instant.parse("2026-06-21T10:00:00Z")).withTickMs(100).withTimeScale(60)).start();
    RegisterMap map = RegisterMap.genericHybrid();
    RegisterWrite mode = map.encodeWrite("operating_mode", "charge");
    RegisterWrite setpoint = map.encodeWrite("power_setpoint", -3000);
    JsonObject write = new JsonObject().put("op", "write").put("address", mode.address())
        .put("values", new JsonArray().add(mode.values().get(0)).addAll(new JsonArray(setpoint.values())));
    List<Double> chargingSoc = new ArrayList<>();

    vertx.eventBus().<JsonObject>localConsumer(Addresses.telemetry("poll-2"), message -> {
      JsonObject t = message.body();
      if ("charge".equals(t.getString("mode")) && t.getDouble("battery_power_w") == -3000.0) {
        chargingSoc.add(t.getDouble("soc_pct"));
        if (chargingSoc.size() == 3) {
          ctx.verify(() -> {
            assertEquals(-3000.0, t.getDouble("setpoint_w"));
            assertTrue(chargingSoc.get(2) > chargingSoc.get(0), "charging raises the SOC: " + chargingSoc);
          });
          ctx.completeNow();
        }
      }
    });
    deploy(config("poll-2", simulator.port(), 200))
        .compose(id -> vertx.eventBus().<JsonObject>request(Addresses.modbusRequest("poll-2"), write))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> assertEquals(3, reply.body().getInteger("written")))));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void aSlowDeviceMakesThePollerSkipTicksNotQueueThemAndGarbageIsNotPublished(VertxTestContext ctx) throws Exception {
    // given: a device that takes 300 ms per read and holds words that do not decode (scale factors out of range)
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    slowSlave = ModbusSlaveFactory.createTCPSlave(port, 4);
    slowSlave.addProcessImage(1, new SimpleProcessImage(1) {
      @Override
      public Register[] getRegisterRange(int offset, int count) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        reads.incrementAndGet();
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          inFlight.decrementAndGet();
        }
        Register[] registers = new Register[count];
        for (int i = 0; i < count; i++) {
          registers[i] = new SimpleRegister(offset + i);
        }
        return registers;
      }
    });
    slowSlave.open();
    vertx.eventBus().localConsumer(Addresses.telemetry("poll-slow"), m -> ctx.failNow("garbage was published: " + m.body()));

    // when: the poller ticks every 50 ms for 1.5 s
    deploy(config("poll-slow", port, 50))
        .compose(id -> vertx.timer(1500))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          // then: about one read per 300 ms, never 30 queued ones, and one at a time
          assertTrue(reads.get() >= 2 && reads.get() <= 7, "reads in 1.5 s: " + reads.get());
          assertEquals(1, maxInFlight.get());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
  void aMissingRegisterMapFailsTheDeploymentWithThePath(VertxTestContext ctx) {
    JsonObject config = config("poll-nomap", 1502, 1000).put("register_map", "conf/registers/nope.json");

    vertx.deployVerticle(new TelemetryPollerVerticle(), new DeploymentOptions().setConfig(config))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertTrue(e.getMessage().contains("register_map conf/registers/nope.json cannot be read"), e.getMessage());
          ctx.completeNow();
        })));
  }
}
