package io.nattery.cloud.dispatch.bench;

import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures of {@code bench/dispatch.sh}, against a running node whose fleet is live:
 * <ol>
 *   <li>one schedule per device through {@code POST /api/v1/schedules} ({@code LANES} at a time), then the time
 *   until PostgreSQL holds APPLIED for every one of them, from the first post and from the last;</li>
 *   <li>{@code GET /api/v1/devices/{id}} for random devices at a fixed rate, open loop (a request's latency is
 *   counted from when it was due, so a stall is not hidden), p50/p99/max, after {@code READ_WARMUP_S} seconds at
 *   the same rate whose figures are reported apart.</li>
 * </ol>
 * Prints one JSON object. Usage: DispatchProbe API_URL JWT_SECRET_ENV PG_DATABASE PREFIX DEVICES RPS SECONDS
 */
public final class DispatchProbe {

  private static final int LANES = 64;
  private static final int READ_WARMUP_S = 10;

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println("usage: DispatchProbe API_URL JWT_SECRET_ENV PG_DATABASE PREFIX DEVICES RPS SECONDS");
      System.exit(2);
    }
    URI api = URI.create(args[0]);
    String prefix = args[3];
    int devices = Integer.parseInt(args[4]);
    int rps = Integer.parseInt(args[5]);
    int seconds = Integer.parseInt(args[6]);
    Vertx vertx = Vertx.vertx();
    try {
      Tokens tokens = new Tokens(vertx, new JsonObject().put("secret_env", args[1]).put("ttl_s", 7200));
      String trader = tokens.issue("bench-trader", Role.TRADER);
      String viewer = tokens.issue("bench-viewer", Role.VIEWER);
      WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost(api.getHost())
        .setDefaultPort(api.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(LANES));
      Pool pg = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(5432)
        .setDatabase(args[2]).setUser("postgres")).using(vertx).build();
      int width = Math.max(5, Integer.toString(devices).length());
      List<String> ids = new ArrayList<>();
      for (int i = 1; i <= devices; i++) {
        ids.add(prefix + "0".repeat(Math.max(0, width - Integer.toString(i).length())) + i);
      }

      JsonObject result = new JsonObject().put("devices", devices);
      result.put("schedules", schedules(vertx, http, pg, trader, ids));
      // the read path's first seconds (JIT, 64 new connections) are measured apart from the window
      result.put("device_reads_warmup", reads(vertx, http, viewer, ids, rps, READ_WARMUP_S));
      result.put("device_reads", reads(vertx, http, viewer, ids, rps, seconds));
      System.out.println(result.encode());
      await(pg.close());
    } finally {
      await(vertx.close());
    }
  }

  private static JsonObject schedules(Vertx vertx, WebClient http, Pool pg, String token, List<String> ids)
    throws Exception {
    long quarter = Duration.ofMinutes(15).toMillis();
    Instant start = Instant.ofEpochMilli((System.currentTimeMillis() / quarter + 1) * quarter);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long t0 = System.nanoTime();
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < LANES; lane++) {
      lanes.add(postNext(http, token, ids, next, failed, start));
    }
    await(Future.all(lanes));
    long posted = System.nanoTime();
    long target = ids.size() - failed.get();
    long applied;
    do {
      applied = await(pg.query("SELECT count(*) FROM schedules WHERE status = 'APPLIED' AND source = 'bench'")
        .execute()).iterator().next().getLong(0);
      if (applied < target) {
        await(vertx.timer(20));
      }
    } while (applied < target && System.nanoTime() - posted < TimeUnit.SECONDS.toNanos(300));
    long done = System.nanoTime();
    return new JsonObject()
      .put("posted", ids.size() - failed.get())
      .put("post_failures", failed.get())
      .put("applied", applied)
      .put("posting_s", round((posted - t0) / 1e9))
      .put("posts_per_s", Math.round(ids.size() / ((posted - t0) / 1e9)))
      .put("first_post_to_all_applied_s", round((done - t0) / 1e9))
      .put("last_post_to_all_applied_s", round((done - posted) / 1e9));
  }

  private static Future<Void> postNext(WebClient http, String token, List<String> ids, AtomicInteger next,
                                       AtomicInteger failed, Instant start) {
    int i = next.getAndIncrement();
    if (i >= ids.size()) {
      return Future.succeededFuture();
    }
    JsonArray slots = new JsonArray();
    for (int s = 0; s < 4; s++) {
      Instant from = start.plus(Duration.ofMinutes(15L * s));
      slots.add(new JsonObject().put("start", from.toString()).put("end", from.plus(Duration.ofMinutes(15)).toString())
        .put("mode", s % 2 == 0 ? "charge" : "idle").put("rate_kw", s % 2 == 0 ? 2.0 : 0));
    }
    JsonObject schedule = new JsonObject().put("v", 1).put("schedule_id", UUID.randomUUID().toString())
      .put("device_id", ids.get(i)).put("source", "bench").put("resolution", "PT15M").put("slots", slots);
    return http.post("/api/v1/schedules").bearerTokenAuthentication(token).sendJsonObject(schedule)
      .transform(ar -> {
        if (ar.failed() || ar.result().statusCode() != 201) {
          if (failed.incrementAndGet() <= 3) {
            System.err.println("POST failed: " + (ar.failed() ? ar.cause() : ar.result().bodyAsString()));
          }
        }
        return postNext(http, token, ids, next, failed, start);
      });
  }

  private static JsonObject reads(Vertx vertx, WebClient http, String token, List<String> ids, int rps, int seconds)
    throws Exception {
    int total = rps * seconds;
    long[] latencies = new long[total];
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicLong issued = new AtomicLong();
    Promise<Void> all = Promise.promise();
    long t0 = System.nanoTime();
    long periodNanos = 1_000_000_000L / rps;
    // a 1 ms tick issues whatever came due since the last one
    vertx.setPeriodic(1, timer -> {
      long dueCount = Math.min(total, (System.nanoTime() - t0) / periodNanos + 1);
      while (issued.get() < dueCount) {
        int index = (int) issued.getAndIncrement();
        long due = t0 + index * periodNanos;
        String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
        http.get("/api/v1/devices/" + id).bearerTokenAuthentication(token).send().onComplete(ar -> {
          latencies[index] = System.nanoTime() - due;
          if (ar.failed() || ar.result().statusCode() != 200) {
            errors.incrementAndGet();
          }
          if (completed.incrementAndGet() == total) {
            all.tryComplete();
          }
        });
      }
      if (issued.get() >= total) {
        vertx.cancelTimer(timer);
      }
    });
    await(all.future(), seconds + 60L);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new JsonObject()
      .put("target_rps", rps)
      .put("requests", total)
      .put("achieved_rps", Math.round(total / elapsed))
      .put("errors", errors.get())
      .put("p50_ms", round(sorted[(int) (total * 0.50)] / 1e6))
      .put("p99_ms", round(sorted[(int) (total * 0.99)] / 1e6))
      .put("max_ms", round(sorted[total - 1] / 1e6));
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return await(future, 600);
  }

  private static <T> T await(Future<T> future, long seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }
}
