package io.nattery.edge.telemetry;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
import io.nattery.edge.registers.ReadPlan;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.registers.TelemetryDecoder;
import io.nattery.protocol.Telemetry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reads a device's telemetry registers through its Modbus worker every {@code poll_interval_ms} and
 * publishes each sample as Telemetry JSON on {@link Addresses#telemetry}. One request in flight at most,
 * so a command sent to the worker waits for one transaction, never for a whole cycle; a tick that finds
 * the previous cycle still running is skipped rather than queued.
 * Config: {@code device_id}, {@code register_map} (path; the shipped generic-hybrid map when absent),
 * {@code poll_interval_ms} (1000), {@code poll_request_timeout_ms} (5000).
 */
public final class TelemetryPollerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TelemetryPollerVerticle.class);

  private String deviceId;
  private String requestAddress;
  private String telemetryAddress;
  private TelemetryDecoder decoder;
  private DeliveryOptions requestOptions;
  private final DeliveryOptions publishOptions = new DeliveryOptions().setLocalOnly(true);
  private final String bootId = UUID.randomUUID().toString();
  private long seq;
  private long timerId = -1;
  private boolean cycleRunning;
  private boolean failing;
  private long failedCycles;
  private long skippedTicks;

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
    long intervalMs = config().getLong("poll_interval_ms", 1000L);
    if (intervalMs < 1) {
      return Future.failedFuture(new IllegalArgumentException("poll_interval_ms must be > 0, got " + intervalMs));
    }
    requestAddress = Addresses.modbusRequest(deviceId);
    telemetryAddress = Addresses.telemetry(deviceId);
    requestOptions = new DeliveryOptions().setLocalOnly(true).setSendTimeout(config().getLong("poll_request_timeout_ms", 5000L));
    return loadMap(config().getString("register_map")).map(map -> {
      decoder = new TelemetryDecoder(map);
      timerId = vertx.setPeriodic(intervalMs, id -> tick());
      LOG.info("[device: {}] polling every {} ms with map {} in {} read(s) {}, boot {}",
          deviceId, intervalMs, map.name(), decoder.plan().blocks().size(), decoder.plan().blocks(), bootId);
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    LOG.info("[device: {}] poller stopped after {} samples, {} failed cycles, {} skipped ticks",
        deviceId, seq, failedCycles, skippedTicks);
    return Future.succeededFuture();
  }

  private Future<RegisterMap> loadMap(String path) {
    if (path == null || path.isBlank()) {
      return vertx.executeBlocking(RegisterMap::genericHybrid);
    }
    return vertx.fileSystem().readFile(path)
        .recover(e -> Future.failedFuture(new IllegalArgumentException("register_map " + path + " cannot be read: " + e.getMessage(), e)))
        .map(buffer -> RegisterMap.parse(buffer.toString(), path));
  }

  private void tick() {
    if (cycleRunning) {
      skippedTicks++;
      return;
    }
    cycleRunning = true;
    Instant ts = Instant.now();
    readBlocks(decoder.plan().blocks(), 0, new ArrayList<>())
        .map(replies -> decoder.decode(replies, deviceId, ts, seq, bootId))
        .onComplete(result -> {
          cycleRunning = false;
          if (result.succeeded()) {
            publish(result.result());
          } else {
            cycleFailed(result.cause());
          }
        });
  }

  /** One block after the other: the next read leaves only when the previous one has been answered. */
  private Future<List<int[]>> readBlocks(List<ReadPlan.Block> blocks, int index, List<int[]> replies) {
    if (index == blocks.size()) {
      return Future.succeededFuture(replies);
    }
    ReadPlan.Block block = blocks.get(index);
    JsonObject request = new JsonObject().put("op", "read").put("address", block.address()).put("count", block.count());
    return vertx.eventBus().<JsonObject>request(requestAddress, request, requestOptions)
        .compose(reply -> {
          replies.add(words(reply));
          return readBlocks(blocks, index + 1, replies);
        });
  }

  private static int[] words(Message<JsonObject> reply) {
    JsonArray registers = reply.body().getJsonArray("registers");
    int[] words = new int[registers.size()];
    for (int i = 0; i < words.length; i++) {
      words[i] = registers.getInteger(i);
    }
    return words;
  }

  private void publish(Telemetry telemetry) {
    seq++;
    if (failing) {
      failing = false;
      LOG.info("[device: {}] telemetry back after {} failed cycles", deviceId, failedCycles);
    }
    vertx.eventBus().publish(telemetryAddress, telemetry.toJson(), publishOptions);
  }

  private void cycleFailed(Throwable cause) {
    failedCycles++;
    // log the transition, not every second of an outage
    if (!failing) {
      failing = true;
      LOG.warn("[device: {}] telemetry cycle failed: {}", deviceId, cause.getMessage());
    } else {
      LOG.debug("[device: {}] telemetry cycle failed again ({}): {}", deviceId, failedCycles, cause.getMessage());
    }
  }
}
