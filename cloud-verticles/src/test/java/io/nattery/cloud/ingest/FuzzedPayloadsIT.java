package io.nattery.cloud.ingest;

import io.micrometer.core.instrument.Counter;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.prices.LogCapture;
import io.nattery.protocol.Contract;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 10,000 fuzzed payloads on the device topics of a node (real Mosquitto and PostgreSQL), with valid telemetry
 * alongside: every fuzzed one is rejected and counted, every valid one accepted, nothing is logged as an error
 * and the node stays ready.
 */
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class FuzzedPayloadsIT {

  private static final int FUZZED = 10_000;
  private static final int VALID_EVERY = 10;
  private static final int DEVICES = 10;
  private static final long SEED = 20261122L;

  @Test
  void everyFuzzedPayloadIsRejectedAndCountedAndValidTrafficIsUnaffected() throws Exception {
    try (LogCapture logs = new LogCapture(); TestNode node = TestNode.create(config -> { })) {
      List<String> devices = new ArrayList<>();
      for (int d = 0; d < DEVICES; d++) { // in the registry before the node starts, so it knows them at once
        devices.add("it-fuzz-" + node.run + "-" + d);
        await(node.pool.preparedQuery("INSERT INTO devices (device_id, site) VALUES ($1, 'it')")
          .execute(Tuple.of(devices.get(d))));
      }
      node.deploy();
      MqttClient edge = MqttClient.create(node.vertx, new MqttClientOptions().setClientId("it-fuzz-" + node.run)
        .setMaxInflightQueue(1_000).setMaxMessageSize(2 * Contract.MAX_PAYLOAD_BYTES));
      await(edge.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
      SplittableRandom random = new SplittableRandom(SEED);
      long[] seq = new long[DEVICES];
      int valid = 0;
      List<Future<Integer>> batch = new ArrayList<>();
      for (int i = 0; i < FUZZED; i++) {
        int d = random.nextInt(DEVICES);
        String device = devices.get(d);
        JsonObject sample = Samples.telemetry(device, seq[d], 50).toJson().put("ts", Instant.now().toString());
        batch.add(edge.publish(Topics.telemetry(device), fuzz(sample, devices.get((d + 1) % DEVICES), random),
          MqttQoS.AT_LEAST_ONCE, false, false));
        if (i % VALID_EVERY == 0) {
          sample.put("seq", seq[d]++);
          batch.add(edge.publish(Topics.telemetry(device), sample.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false));
          valid++;
        }
        if (batch.size() >= 500) {
          // the broker queues at most 1,000 messages for a subscriber by default and drops the rest: give the
          // node the pace a fleet would, rather than a burst no device sends
          await(Future.all(batch));
          int sent = i + 1 + valid;
          await(node.waitFor(() -> Future.succeededFuture(rejected(node) + accepted(node)), n -> n >= sent));
          batch.clear();
        }
      }
      await(Future.all(batch));
      int expectedValid = valid;

      await(node.waitFor(() -> Future.succeededFuture(rejected(node)), n -> n >= FUZZED));
      await(node.waitFor(() -> Future.succeededFuture(accepted(node)), n -> n >= expectedValid));
      assertEquals(FUZZED, rejected(node), "every fuzzed payload rejected and counted, once");
      assertEquals(expectedValid, accepted(node), "every valid sample accepted, once");
      assertEquals(200, await(node.http.get("/health/ready").send()).statusCode());
      List<String> errors = logs.lines().stream().filter(l -> l.startsWith("ERROR")).toList();
      assertEquals(List.of(), errors, "nothing escaped as an error");
      await(edge.disconnect());
    }
  }

  /** One payload that breaks the contract in one of the ways a device or an attacker might. */
  private static Buffer fuzz(JsonObject sample, String otherDevice, SplittableRandom random) {
    JsonObject broken = sample.copy();
    switch (random.nextInt(9)) {
      case 0 -> {
        byte[] bytes = new byte[random.nextInt(1, 2_000)];
        random.nextBytes(bytes);
        return Buffer.buffer(bytes);
      }
      case 1 -> {
        String json = sample.encode();
        return Buffer.buffer(json.substring(0, random.nextInt(1, json.length() - 1)));
      }
      case 2 -> broken.put(pick(random, "soc_pct", "seq", "battery_power_w", "ts", "device_id", "energy"),
        pick(random, "text", "[]", "{}", "true"));
      case 3 -> broken.put(pick(random, "soc_pct", "battery_power_w", "grid_power_w", "battery_temp_c"),
        random.nextBoolean() ? 1e308 : -1e308);
      case 4 -> broken.remove(pick(random, "v", "device_id", "ts", "seq", "soc_pct", "battery_power_w", "energy"));
      case 5 -> broken.put("device_id", otherDevice);
      case 6 -> broken.put("v", 2 + random.nextInt(100));
      case 7 -> broken.put("inverter_state", pick(random, "exploded", "", "RUNNING!"));
      default -> {
        if (random.nextInt(50) == 0) { // a few oversized ones: each is over the contract's 256 KiB
          return Buffer.buffer("x".repeat(Contract.MAX_PAYLOAD_BYTES + 1).getBytes(StandardCharsets.US_ASCII));
        }
        broken.put("seq", -1 - random.nextInt(1_000));
      }
    }
    return broken.toBuffer();
  }

  private static String pick(SplittableRandom random, String... options) {
    return options[random.nextInt(options.length)];
  }

  /**
   * Rejections of this test's payloads: all on registered devices' topics, so not counting {@code unknown_device}
   * (retained statuses other clients of the shared broker left behind arrive on subscribing and are refused so).
   */
  private static long rejected(TestNode node) {
    return (long) node.metrics.find("nattery.ingest.rejected").counters().stream()
      .filter(c -> !"unknown_device".equals(c.getId().getTag("reason"))).mapToDouble(Counter::count).sum();
  }

  private static long accepted(TestNode node) {
    return (long) node.metrics.find("nattery.ingest.messages").tag("kind", "telemetry").counters().stream()
      .mapToDouble(Counter::count).sum();
  }
}
