package io.nattery.cloud.settlement;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.cluster.ClusterSingleton;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.history.HistoryReads;
import io.nattery.protocol.Contract;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settles every device's MTUs once per cluster: every {@code interval_s} it settles the window
 * {@code [now - lookback_h, now - grace_s)}, and when it starts leading and then every {@code resettle_every_h}
 * the longer window {@code [now - resettle_h, now - grace_s)}, so that a Pi offline for longer than the look-back
 * is settled once it replays its buffer. A window is settled in chunks of {@code chunk_h} ({@link
 * SettlementWindows}): each chunk's counters are read from the telemetry history in one query, the devices'
 * zones and prices from PostgreSQL, and one row per device and MTU upserted before the next chunk is read. MTUs
 * already settled are settled again while inside a window, so samples replayed late correct them; a run that
 * finds nothing new changes no row. Configuration ({@code settlement}): {@code interval_s} (300),
 * {@code grace_s} (120, after an MTU's end, for late telemetry), {@code lookback_h} (6), {@code resettle_h}
 * (72), {@code resettle_every_h} (24), {@code chunk_h} (6), {@code boundary_tolerance_s} (60),
 * {@code default_zone} (DE_LU), {@code batch_size} (500); plus {@code postgres} and {@code history.pg}
 * (QuestDB's PostgreSQL-wire endpoint). A request on {@link Addresses#SETTLEMENT_RUN} settles the look-back, an
 * explicit {@code from}/{@code to} of at most 31 days, or with {@code "resettle": true} the long window.
 */
public class SettlementVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SettlementVerticle.class);
  /** An explicit window is at most this long; it is settled chunk by chunk like any other. */
  private static final Duration MAX_EXPLICIT_WINDOW = Duration.ofDays(31);

  private Duration interval;
  private SettlementWindows windows;
  private String defaultZone;
  private int batchSize;
  private SettlementCalculator calculator;
  private Pool pool;
  private Pool questDb;
  private CounterHistory history;
  private SettlementStore store;
  private ClusterSingleton singleton;
  /** Runs one after another: a scheduled run is skipped while one is in progress, a requested one waits. */
  private Future<?> current = Future.succeededFuture();
  private boolean running;
  /** When this node's last completed re-settlement of the long window began; null before the first. */
  private Instant lastResettlement;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    interval = Duration.ofSeconds(config.getLong("interval_s", 300L));
    Duration grace = Duration.ofSeconds(config.getLong("grace_s", 120L));
    Duration lookback = Duration.ofHours(config.getLong("lookback_h", 6L));
    Duration tolerance = Duration.ofSeconds(config.getLong("boundary_tolerance_s", 60L));
    defaultZone = config.getString("default_zone", "DE_LU");
    batchSize = config.getInteger("batch_size", 500);
    try {
      windows = new SettlementWindows(lookback, Duration.ofHours(config.getLong("resettle_h", 72L)),
        Duration.ofHours(config.getLong("resettle_every_h", 24L)), grace,
        Duration.ofHours(config.getLong("chunk_h", 6L)));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("invalid settlement configuration: " + e.getMessage()));
    }
    if (interval.isZero() || interval.isNegative() || tolerance.isNegative()
      || tolerance.compareTo(CounterHistory.BUCKET) >= 0 || batchSize < 1 || !Contract.isValidZone(defaultZone)) {
      return Future.failedFuture(new IllegalArgumentException("invalid settlement configuration: interval_s > 0, "
        + "0 <= boundary_tolerance_s < 900, batch_size >= 1 and a valid default_zone are required"));
    }
    calculator = new SettlementCalculator(tolerance);
    pool = Database.pool(vertx, config.getJsonObject("postgres", new JsonObject()));
    questDb = HistoryReads.pool(vertx, config.getJsonObject("history", new JsonObject())
      .getJsonObject("pg", new JsonObject()));
    history = new CounterHistory(vertx, questDb);
    store = new SettlementStore(pool);
    singleton = new ClusterSingleton(vertx, "settlement", 10_000, this::lead);
    singleton.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    singleton.stop();
    return Future.join(pool.close(), questDb.close());
  }

  /** This node now settles for the cluster. */
  private void lead() {
    vertx.eventBus().consumer(Addresses.SETTLEMENT_RUN, this::runRequested);
    vertx.setPeriodic(0, interval.toMillis(), id -> runScheduled());
  }

  private void runScheduled() {
    if (running) {
      LOG.debug("settlement still running; this tick is skipped");
      return;
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    SettlementWindows.Window window = windows.scheduled(now, lastResettlement);
    current = serially(window)
      .onFailure(e -> LOG.warn("settlement run failed, retried in {} s: {}", interval.toSeconds(), e.getMessage()));
  }

  private void runRequested(Message<JsonObject> request) {
    JsonObject body = request.body() == null ? new JsonObject() : request.body();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    SettlementWindows.Window window = Boolean.TRUE.equals(body.getValue("resettle"))
      ? windows.resettlement(now) : windows.recent(now);
    if (body.containsKey("from") || body.containsKey("to")) {
      Instant from;
      Instant to;
      try {
        from = Instant.parse(body.getString("from"));
        to = Instant.parse(body.getString("to"));
      } catch (DateTimeParseException | NullPointerException | ClassCastException e) {
        request.fail(400, "from and to must both be ISO-8601 instants");
        return;
      }
      window = new SettlementWindows.Window(from, to, false);
      if (!to.isAfter(from) || Duration.between(from, to).compareTo(MAX_EXPLICIT_WINDOW) > 0 || to.isAfter(now)) {
        request.fail(400, "the window must be non-empty, at most " + MAX_EXPLICIT_WINDOW.toDays()
          + " days long, and over by now");
        return;
      }
    }
    current = serially(window)
      .onSuccess(summary -> request.reply(summary.toJson()))
      .onFailure(e -> request.fail(500, "settlement failed: " + e.getMessage()));
  }

  private Future<RunSummary> serially(SettlementWindows.Window window) {
    return current.transform(previous -> {
      running = true;
      Instant began = Instant.now();
      return settle(window).andThen(done -> {
        running = false;
        // a failed re-settlement is due again at the next tick
        if (done.succeeded() && window.resettlement()) {
          lastResettlement = began;
        }
      });
    });
  }

  /** Settles the window's MTUs chunk by chunk: one chunk's history in memory at a time. */
  private Future<RunSummary> settle(SettlementWindows.Window window) {
    long started = System.nanoTime();
    RunTotals totals = new RunTotals(window.from(), window.to());
    Future<Void> chain = Future.succeededFuture();
    for (SettlementWindows.Window chunk : windows.chunks(window)) {
      chain = chain.compose(v -> settleChunk(chunk.from(), chunk.to()).map(result -> {
        totals.add(result);
        return null;
      }));
    }
    return chain.map(v -> totals.summary()).onSuccess(summary -> {
      long ms = (System.nanoTime() - started) / 1_000_000;
      if (summary.changed() > 0 || window.resettlement()) {
        LOG.info("settlement{} [{} .. {}): {} devices, {} MTUs settled, {} counter resets {}, {} gaps, {} rows "
            + "changed, in {} ms", window.resettlement() ? " (re-settlement)" : "", window.from(), window.to(),
          summary.devices(), summary.settled(), summary.counterResets(), summary.resetDevices(), summary.gaps(),
          summary.changed(), ms);
      } else {
        LOG.debug("settlement [{} .. {}): nothing changed, in {} ms", window.from(), window.to(), ms);
      }
    });
  }

  /** Settles the MTUs lying wholly in {@code [from, to)}. */
  private Future<ChunkResult> settleChunk(Instant from, Instant to) {
    // readings from before the first MTU read its start; those just after the last one read an exact end
    Instant readFrom = floor(from.minus(CounterHistory.BUCKET));
    Instant readTo = floor(to).plus(CounterHistory.BUCKET);
    return history.buckets(readFrom, readTo).compose(read -> {
      Map<String, List<CounterBucket>> buckets = read.byDevice();
      if (read.skipped() > 0) {
        LOG.warn("settlement [{} .. {}): {} counter buckets skipped (a device id outside the contract or a "
          + "missing counter)", readFrom, readTo, read.skipped());
      }
      if (buckets.isEmpty()) {
        return Future.succeededFuture(new ChunkResult(Set.of(), RunSummary.nothing(from, to)));
      }
      Map<String, String> zones = new HashMap<>();
      Map<String, List<PriceCurve.Point>> prices = new HashMap<>();
      return store.zones(buckets.keySet(), defaultZone)
        .compose(found -> {
          zones.putAll(found);
          List<Future<?>> reads = new ArrayList<>();
          for (String zone : new TreeSet<>(zones.values())) {
            reads.add(store.mtus(zone, from, to).onSuccess(points -> prices.put(zone, points)));
          }
          return Future.all(reads);
        })
        .compose(pricesRead -> vertx.executeBlocking(() -> {
          List<MtuSettlement> settled = new ArrayList<>();
          buckets.forEach((device, deviceBuckets) -> settled.addAll(calculator.settle(device, zones.get(device),
            deviceBuckets, prices.get(zones.get(device)))));
          List<String> unpriced = prices.entrySet().stream().filter(e -> e.getValue().isEmpty())
            .map(Map.Entry::getKey).sorted().toList();
          return new Settled(RunSummary.of(from, to, buckets.size(), settled, 0, unpriced),
            SettlementStore.rows(settled));
        }))
        .compose(settled -> store.upsert(settled.rows(), batchSize)
          .map(changed -> new ChunkResult(buckets.keySet(), settled.summary().withChanged(changed))));
    });
  }

  private static Instant floor(Instant t) {
    long bucket = CounterHistory.BUCKET.toSeconds();
    return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), bucket) * bucket);
  }

  /** A run's settlements as upsert rows, and its summary so far. */
  private record Settled(RunSummary summary, List<Tuple> rows) {
  }

  /** One chunk's devices and what was done for them. */
  private record ChunkResult(Set<String> devices, RunSummary summary) {
  }

  /** A run's chunks summed; devices are counted once however many chunks they appear in. */
  private static final class RunTotals {
    private final Instant from;
    private final Instant to;
    private final Set<String> devices = new HashSet<>();
    private final TreeSet<String> resetDevices = new TreeSet<>();
    private final TreeSet<String> zonesWithoutPrices = new TreeSet<>();
    private int settled;
    private int counterResets;
    private int gaps;
    private int changed;

    RunTotals(Instant from, Instant to) {
      this.from = from;
      this.to = to;
    }

    void add(ChunkResult chunk) {
      RunSummary s = chunk.summary();
      devices.addAll(chunk.devices());
      resetDevices.addAll(s.resetDevices());
      zonesWithoutPrices.addAll(s.zonesWithoutPrices());
      settled += s.settled();
      counterResets += s.counterResets();
      gaps += s.gaps();
      changed += s.changed();
    }

    RunSummary summary() {
      return new RunSummary(from, to, devices.size(), settled, counterResets, List.copyOf(resetDevices), gaps,
        changed, List.copyOf(zonesWithoutPrices));
    }
  }

  /** What one run did. */
  record RunSummary(Instant from, Instant to, int devices, int settled, int counterResets, List<String> resetDevices,
                    int gaps, int changed, List<String> zonesWithoutPrices) {

    RunSummary withChanged(int rows) {
      return new RunSummary(from, to, devices, settled, counterResets, resetDevices, gaps, rows, zonesWithoutPrices);
    }

    static RunSummary nothing(Instant from, Instant to) {
      return new RunSummary(from, to, 0, 0, 0, List.of(), 0, 0, List.of());
    }

    static RunSummary of(Instant from, Instant to, int devices, List<MtuSettlement> settled, int changed,
                         List<String> zonesWithoutPrices) {
      int ok = 0;
      int gaps = 0;
      TreeSet<String> reset = new TreeSet<>();
      int resets = 0;
      for (MtuSettlement s : settled) {
        switch (s.status()) {
          case SETTLED -> ok++;
          case GAP -> gaps++;
          case COUNTER_RESET -> {
            resets++;
            reset.add(s.deviceId());
          }
        }
      }
      return new RunSummary(from, to, devices, ok, resets, List.copyOf(reset), gaps, changed, zonesWithoutPrices);
    }

    JsonObject toJson() {
      return new JsonObject().put("from", from.toString()).put("to", to.toString()).put("devices", devices)
        .put("settled", settled).put("counter_reset", counterResets)
        .put("counter_reset_devices", new JsonArray(resetDevices)).put("gap", gaps).put("changed", changed)
        .put("zones_without_prices", new JsonArray(zonesWithoutPrices));
    }
  }
}
