package io.nattery.cloud.bridge.bench;

import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.Tokens;
import io.nattery.cloud.bridge.BridgeAddresses;
import io.nattery.cloud.bridge.BridgeClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bench/bridge-fanout.sh probe: N bridge clients (raw WebSocket, as tail), each on fleet.summary and on K
 * devices of its own, for a window; prints one JSON object with the delivery latency (arrival minus the message's
 * own {@code ts}: the device's sample time for telemetry, the computation time for the summary), the rates and
 * how many clients were cut off or refused.
 * Args: base-url jwt-secret-env id-prefix id-width devices clients per-client window-s
 */
public final class FanoutProbe {

  /** Latencies in ms, appended from the one event loop of the probe's Vert.x. */
  private static final class Latencies {
    long[] values = new long[1 << 16];
    int size;

    void add(long ms) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = ms;
    }

    JsonObject summary(double seconds) {
      long[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      JsonObject json = new JsonObject().put("count", size).put("per_s", Math.round(size / seconds));
      if (size > 0) {
        json.put("p50", sorted[size / 2]).put("p99", sorted[(int) Math.min(size - 1, Math.floor(size * 0.99))])
          .put("max", sorted[size - 1]);
      }
      return json;
    }
  }

  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1); // Vert.x's threads would keep the JVM, and the benchmark, waiting
    }
  }

  private static void run(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    String secretEnv = args[1];
    String prefix = args[2];
    int width = Integer.parseInt(args[3]);
    int devices = Integer.parseInt(args[4]);
    int clients = Integer.parseInt(args[5]);
    int perClient = Integer.parseInt(args[6]);
    int windowS = Integer.parseInt(args[7]);

    Vertx vertx = Vertx.vertx();
    String token = new Tokens(vertx, new JsonObject().put("secret_env", secretEnv)).issue("bench", Role.VIEWER);
    WebSocketClient sockets = BridgeClient.webSockets(vertx, clients);
    Latencies telemetry = new Latencies();
    Latencies summary = new Latencies();
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    boolean[] measuring = {false};
    // every connection on one context (one event loop), so that the counters need no locks
    Context context = vertx.getOrCreateContext();
    java.util.concurrent.CompletableFuture<Object> connected = new java.util.concurrent.CompletableFuture<>();
    context.runOnContext(start -> {
    List<Future<BridgeClient>> connecting = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      List<String> addresses = new ArrayList<>();
      addresses.add(BridgeAddresses.FLEET_SUMMARY);
      for (int k = 0; k < perClient; k++) {
        int device = (c * perClient + k) % devices + 1;
        addresses.add(BridgeAddresses.telemetry(prefix + String.format("%0" + width + "d", device)));
      }
      connecting.add(BridgeClient.connect(vertx, sockets, base, token, frame -> {
          if ("err".equals(frame.getString("type"))) {
            refused.incrementAndGet();
            return;
          }
          if (!measuring[0] || !"rec".equals(frame.getString("type"))) {
            return;
          }
          JsonObject body = frame.getJsonObject("body");
          long ms = System.currentTimeMillis() - Instant.parse(body.getString("ts")).toEpochMilli();
          (frame.getString("address").equals(BridgeAddresses.FLEET_SUMMARY) ? summary : telemetry).add(ms);
        }, v -> closed.incrementAndGet())
        .onSuccess(client -> addresses.forEach(client::register)));
    }
    Future.all(connecting).onComplete(done -> connected.complete(done.succeeded() ? "ok" : done.cause().toString()));
    });
    Object outcome = connected.get(60, TimeUnit.SECONDS);
    if (!"ok".equals(outcome)) {
      throw new IllegalStateException("clients did not connect: " + outcome);
    }
    // the first seconds carry the registrations' own start-up: measure after them
    Thread.sleep(5_000);
    context.runOnContext(v -> measuring[0] = true);
    long started = System.nanoTime();
    Thread.sleep(windowS * 1000L);
    java.util.concurrent.atomic.AtomicReference<JsonObject> result = new java.util.concurrent.atomic.AtomicReference<>();
    context.runOnContext(v -> {
      measuring[0] = false;
      double seconds = (System.nanoTime() - started) / 1e9;
      result.set(new JsonObject().put("clients", clients).put("devices_per_client", perClient)
        .put("window_s", Math.round(seconds)).put("telemetry_latency_ms", telemetry.summary(seconds))
        .put("summary_latency_ms", summary.summary(seconds)).put("clients_closed", closed.get())
        .put("refusals", refused.get()));
    });
    while (result.get() == null) {
      Thread.sleep(50);
    }
    System.out.println(result.get().encode());
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
