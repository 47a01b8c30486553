package io.nattery.edge.health;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
import io.nattery.protocol.Health;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Health every {@code health_interval_s} (60): uptime, CPU, memory, free disk where the store lives, CPU
 * temperature where {@code /sys} has it, the Modbus worker's and the uplink's counters, buffer depth and
 * version; published for the uplink, which sends it at QoS 0 or drops it while offline.
 */
public final class HealthVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HealthVerticle.class);
  private static final Path CPU_TEMP = Path.of("/sys/class/thermal/thermal_zone0/temp");

  private String deviceId;
  private long startedMs;
  private String storeDir;
  private DeliveryOptions local;

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
    startedMs = ManagementFactory.getRuntimeMXBean().getStartTime();
    storeDir = config().getJsonObject("store", new JsonObject()).getString("dir", "data");
    local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
    long intervalMs = config().getLong("health_interval_s", 60L) * 1000;
    vertx.setPeriodic(Math.min(5000, intervalMs), intervalMs, id -> report());
    return Future.succeededFuture();
  }

  private void report() {
    Future<JsonObject> modbus = vertx.eventBus().<JsonObject>request(Addresses.modbusRequest(deviceId),
        new JsonObject().put("op", "stats"), local).map(Message::body).otherwise(new JsonObject());
    Future<JsonObject> uplink = vertx.eventBus().<JsonObject>request(Addresses.uplinkStats(deviceId), null, local)
        .map(Message::body).otherwise(new JsonObject());
    Future.all(List.of(modbus, uplink)).compose(all -> vertx.executeBlocking(() -> build(modbus.result(), uplink.result())))
        .onSuccess(health -> vertx.eventBus().publish(Addresses.health(deviceId), health, new DeliveryOptions().setLocalOnly(true)))
        .onFailure(e -> LOG.warn("[device: {}] health not built: {}", deviceId, e.getMessage()));
  }

  private JsonObject build(JsonObject modbus, JsonObject uplink) {
    Health.Modbus m = new Health.Modbus(modbus.getLong("requests", 0L), modbus.getLong("errors", 0L), modbus.getLong("timeouts", 0L),
        modbus.getLong("crc_errors", 0L), modbus.getString("last_ok_ts") == null ? null : Instant.parse(modbus.getString("last_ok_ts")),
        modbus.getDouble("avg_rtt_ms", 0.0));
    Health.Mqtt q = new Health.Mqtt(uplink.getLong("reconnects", 0L), Math.max(0, uplink.getLong("buffered", 0L)));
    Health health = new Health(deviceId, Instant.now(), (System.currentTimeMillis() - startedMs) / 1000, cpuPct(), memUsedMb(),
        new File(storeDir).getAbsoluteFile().getUsableSpace() / 1e6, cpuTempC(), m, q, appVersion());
    JsonObject json = health.toJson();
    // the full worker counters (retries, exception responses, bytes) ride along; the schema allows extra fields
    json.getJsonObject("modbus").put("retries", modbus.getLong("retries", 0L))
        .put("exception_responses", modbus.getLong("exception_responses", 0L))
        .put("device_backoffs", modbus.getLong("device_backoffs", 0L));
    return json;
  }

  private static double cpuPct() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      double load = os.getCpuLoad();
      return load < 0 ? 0 : Math.round(load * 1000) / 10.0;
    }
    return 0;
  }

  /** Used memory of the machine (MemTotal - MemAvailable), the JVM's heap where /proc is missing. */
  private static double memUsedMb() {
    try {
      long total = -1;
      long available = -1;
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          total = Long.parseLong(line.replaceAll("\\D", ""));
        } else if (line.startsWith("MemAvailable:")) {
          available = Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
      if (total > 0 && available >= 0) {
        return (total - available) / 1024.0;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) / 1e6;
  }

  private static Double cpuTempC() {
    try {
      return Long.parseLong(Files.readString(CPU_TEMP).trim()) / 1000.0;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String appVersion() {
    String version = HealthVerticle.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
