package io.nattery.cloud.state.bench;

import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.state.DeviceStateStore;
import io.nattery.cloud.state.DeviceStates;
import io.nattery.cloud.state.RedisDeviceStates;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * How many telemetry samples per second the device state store records, the way DeviceStateVerticle sends them:
 * batches of up to {@code batch} samples, one batch in flight. Samples of {@code devices} devices, each in turn,
 * with rising seq (pre-built, so JSON building is not what is timed; encoding for Redis is). Redis on localhost
 * (see LocalServices), under a prefix of its own that is deleted afterwards; the in-process store as the baseline.
 * Usage: StateStoreBench [devices=10000] [seconds=20] [batch=1000]
 */
public final class StateStoreBench {

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    System.out.printf("devices %d, %d s per store, batches of %d, one in flight, java %s%n", devices, seconds, batch,
      System.getProperty("java.version"));
    List<JsonObject> samples = new ArrayList<>(devices * 4);
    for (int seq = 0; seq < 4; seq++) {
      for (int d = 0; d < devices; d++) {
        samples.add(Samples.telemetry(String.format("bench-%05d", d), seq, 50).toJson());
      }
    }
    Vertx vertx = Vertx.vertx();
    String prefix = "nattery-bench-" + UUID.randomUUID();
    try {
      run("in-process", new DeviceStates(), samples, devices, seconds, batch, vertx);
      LocalServices.require("Redis", LocalServices.redisHost(), LocalServices.redisPort());
      DeviceStateStore redis = await(RedisDeviceStates.connect(vertx, LocalServices.redis().put("prefix", prefix)));
      run("redis", redis, samples, devices, seconds, batch, vertx);
      await(redis.close());
    } finally {
      LocalServices.dropRedisKeys(vertx, prefix);
      await(vertx.close());
    }
  }

  private static void run(String name, DeviceStateStore store, List<JsonObject> samples, int devices, int seconds,
                          int batch, Vertx vertx) throws Exception {
    Map<String, String> registry = new HashMap<>();
    for (int d = 0; d < devices; d++) {
      registry.put(String.format("bench-%05d", d), "bench-site");
    }
    long registerStart = System.nanoTime();
    await(store.register(registry));
    double registerMs = (System.nanoTime() - registerStart) / 1e6;
    long[] latencies = new long[1 << 20];
    int[] count = {0};
    long[] recorded = {0};
    long[] seqOffset = {0};
    Promise<Void> done = Promise.promise();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int[] next = {0};
    long start = System.nanoTime();
    vertx.runOnContext(v -> sendNext(store, samples, batch, next, seqOffset, latencies, count, recorded, end, done));
    await(done.future());
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] sorted = Arrays.copyOf(latencies, Math.min(count[0], latencies.length));
    Arrays.sort(sorted);
    System.out.printf("%-10s register %d devices %.0f ms; %d samples in %.1f s = %.0f samples/s; batch latency "
        + "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d batches)%n", name, devices, registerMs, recorded[0], elapsed,
      recorded[0] / elapsed, pct(sorted, 0.50), pct(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
      sorted.length);
  }

  private static void sendNext(DeviceStateStore store, List<JsonObject> samples, int batch, int[] next,
                               long[] seqOffset, long[] latencies, int[] count, long[] recorded, long end,
                               Promise<Void> done) {
    if (System.nanoTime() > end) {
      done.complete();
      return;
    }
    List<JsonObject> chunk = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      if (next[0] == samples.size()) {
        // round again with higher seq, so that every sample is the latest rather than a duplicate
        next[0] = 0;
        seqOffset[0] += 4;
      }
      JsonObject sample = samples.get(next[0]++);
      chunk.add(seqOffset[0] == 0 ? sample : sample.copy().put("seq", sample.getLong("seq") + seqOffset[0]));
    }
    long t0 = System.nanoTime();
    store.recordTelemetry(chunk, Instant.now()).onComplete(r -> {
      if (r.failed()) {
        done.fail(r.cause());
        return;
      }
      if (count[0] < latencies.length) {
        latencies[count[0]] = System.nanoTime() - t0;
      }
      count[0]++;
      recorded[0] += chunk.size();
      // through the context, so that a store answering at once does not recurse
      Vertx.currentContext().runOnContext(
        x -> sendNext(store, samples, batch, next, seqOffset, latencies, count, recorded, end, done));
    });
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))] / 1e6;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
