package io.nattery.cloud.settlement.bench;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.WriteApiBlocking;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import io.nattery.cloud.CloudNode;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.demo.EmbeddedQuestDb;
import io.nattery.cloud.history.HistoryReads;
import io.nattery.cloud.history.TelemetryPoints;
import io.nattery.cloud.settlement.CounterBucket;
import io.nattery.cloud.settlement.CounterHistory;
import io.nattery.cloud.settlement.EnergyCounters;
import io.nattery.cloud.settlement.MtuSettlement;
import io.nattery.cloud.settlement.RevenueReport;
import io.nattery.cloud.settlement.SettlementCalculator;
import io.nattery.cloud.settlement.SettlementStore;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Settlement's costs at fleet scale, each part alone: the calculation (plain Java), the upsert into the real
 * PostgreSQL (first write, then an unchanged re-run as every look-back run does), the counter query against an
 * in-process QuestDB, and rendering a year of the revenue answer. Prints its setup and figures.
 * Arguments: devices (10000), QuestDB devices (1000), QuestDB sample interval in s (10), rounds (5).
 */
public final class SettlementBench {

  private static final Duration MTU = Duration.ofMinutes(15);
  private static final Instant DAY = Instant.parse("2026-11-23T00:00:00Z");

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int questDevices = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    int sampleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    System.out.printf("setup: %d cores, java %s, max heap %d MB; devices %d, QuestDB devices %d every %d s, "
        + "rounds %d%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
      Runtime.getRuntime().maxMemory() >> 20, devices, questDevices, sampleSeconds, rounds);

    calculation(devices, 96, rounds);
    Vertx vertx = Vertx.vertx();
    try {
      upsert(vertx, devices, 24);
      counterQuery(vertx, questDevices, sampleSeconds, rounds);
      revenueAnswer(rounds);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** One day of MTUs for every device, from buckets as the query returns them (one reading a second). */
  private static void calculation(int devices, int mtus, int rounds) {
    List<PriceCurve.Point> prices = prices(mtus);
    List<List<CounterBucket>> fleet = new ArrayList<>();
    for (int d = 0; d < devices; d++) {
      fleet.add(buckets(d, mtus + 1));
    }
    SettlementCalculator calculator = new SettlementCalculator(Duration.ofSeconds(60));
    long[] settleMs = new long[rounds];
    long[] rowsMs = new long[rounds];
    int settled = 0;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      List<MtuSettlement> all = new ArrayList<>(devices * mtus);
      for (int d = 0; d < devices; d++) {
        all.addAll(calculator.settle("dev-" + d, "DE_LU", fleet.get(d), prices));
      }
      long t1 = System.nanoTime();
      List<Tuple> rows = SettlementStore.rows(all);
      long t2 = System.nanoTime();
      settleMs[r] = (t1 - t0) / 1_000_000;
      rowsMs[r] = (t2 - t1) / 1_000_000;
      settled = rows.size();
    }
    System.out.printf("calculation: %d devices x %d MTUs = %d settlements, one thread: settle median %d ms "
        + "(min %d), money and rows median %d ms (min %d)%n", devices, mtus, settled, median(settleMs),
      min(settleMs), median(rowsMs), min(rowsMs));
  }

  /** A look-back window's worth of rows into a fresh database, then the same rows again. */
  private static void upsert(Vertx vertx, int devices, int mtus) throws Exception {
    String database = "nattery_bench_" + UUID.randomUUID().toString().substring(0, 8);
    Pool admin = Database.pool(vertx, LocalServices.postgres("postgres"));
    await(admin.query("CREATE DATABASE " + database).execute());
    try {
      JsonObject config = LocalServices.postgres(database).put("pool_size", 4);
      await(CloudNode.migrate(vertx, config));
      Pool pool = Database.pool(vertx, config);
      SettlementCalculator calculator = new SettlementCalculator(Duration.ofSeconds(60));
      List<PriceCurve.Point> prices = prices(mtus);
      List<MtuSettlement> all = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        all.addAll(calculator.settle("dev-" + d, "DE_LU", buckets(d, mtus + 1), prices));
      }
      List<Tuple> rows = SettlementStore.rows(all);
      SettlementStore store = new SettlementStore(pool);
      long t0 = System.nanoTime();
      int written = await(store.upsert(rows, 500));
      long t1 = System.nanoTime();
      int rewritten = await(store.upsert(rows, 500));
      long t2 = System.nanoTime();
      System.out.printf("postgres upsert, batches of 500: %d rows (%d devices x %d MTUs) first write %d ms "
          + "(%d changed), unchanged re-run %d ms (%d changed)%n", rows.size(), devices, mtus,
        (t1 - t0) / 1_000_000, written, (t2 - t1) / 1_000_000, rewritten);
      await(pool.close());
    } finally {
      await(admin.query("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)").execute().eventually(admin::close));
    }
  }

  /** Six hours of counters for the devices, written over ILP, then the settlement query over them. */
  private static void counterQuery(Vertx vertx, int devices, int sampleSeconds, int rounds) throws Exception {
    try (EmbeddedQuestDb questDb = new EmbeddedQuestDb()) {
      JsonObject history = questDb.historyConfig();
      Instant from = DAY;
      Instant to = DAY.plus(Duration.ofHours(6));
      long samples = 0;
      long t0 = System.nanoTime();
      try (InfluxDBClient client = InfluxDBClientFactory.create(InfluxDBClientOptions.builder()
        .url(history.getString("url")).org("nattery").bucket("nattery").build())) {
        WriteApiBlocking writes = client.getWriteApiBlocking();
        List<Point> batch = new ArrayList<>();
        for (Instant t = from.minus(MTU); t.isBefore(to.plus(MTU)); t = t.plusSeconds(sampleSeconds)) {
          long s = Duration.between(from.minus(MTU), t).toSeconds();
          for (int d = 0; d < devices; d++) {
            batch.add(Point.measurement(TelemetryPoints.MEASUREMENT).addTag("device_id", "dev-" + d)
              .time(t.toEpochMilli(), WritePrecision.MS)
              .addField("energy_charged_wh", 1000 + s).addField("energy_discharged_wh", 2000 + s)
              .addField("energy_import_wh", 3000 + 2 * s).addField("energy_export_wh", 4000 + s / 2));
            samples++;
          }
          if (batch.size() >= 50_000) {
            writes.writePoints(batch);
            batch.clear();
          }
        }
        writes.writePoints(batch);
      }
      long written = (System.nanoTime() - t0) / 1_000_000;
      Pool pool = HistoryReads.pool(vertx, history.getJsonObject("pg"));
      long expected = samples;
      long deadline = System.currentTimeMillis() + 120_000;
      while (await(pool.query("SELECT count() AS n FROM " + TelemetryPoints.MEASUREMENT).execute()
        .map(r -> r.iterator().next().getLong("n")).otherwise(0L)) < expected) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("QuestDB did not show all " + expected + " samples in 120 s");
        }
        Thread.sleep(200);
      }
      CounterHistory reader = new CounterHistory(vertx, pool);
      long[] ms = new long[rounds];
      int buckets = 0;
      for (int r = 0; r < rounds; r++) {
        long q0 = System.nanoTime();
        CounterHistory.Buckets read = await(reader.buckets(from.minus(MTU), to.plus(MTU)));
        ms[r] = (System.nanoTime() - q0) / 1_000_000;
        buckets = read.byDevice().values().stream().mapToInt(List::size).sum();
      }
      System.out.printf("questdb counter query: %d samples (%d devices, 6.5 h every %d s) written in %d ms; one "
          + "query for 6.5 h returns %d buckets, median %d ms (min %d)%n", samples, devices, sampleSeconds, written,
        buckets, median(ms), min(ms));
      await(pool.close());
    }
  }

  /** A year of one device's MTUs as JSON and as CSV. */
  private static void revenueAnswer(int rounds) {
    int mtus = 366 * 96;
    List<RevenueReport.MtuTotals> year = new ArrayList<>(mtus);
    for (int i = 0; i < mtus; i++) {
      Instant start = DAY.plus(MTU.multipliedBy(i));
      year.add(new RevenueReport.MtuTotals(start, start.plus(MTU), 80.0 + i % 50, 1, 0, 0, 500L, 400L, 300L, 200L,
        new BigDecimal("0.008000"), new BigDecimal("-0.000000"), new BigDecimal("-0.008000")));
    }
    long[] jsonMs = new long[rounds];
    long[] csvMs = new long[rounds];
    int jsonBytes = 0;
    int csvBytes = 0;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      jsonBytes = RevenueReport.json("dev-1", DAY, DAY.plus(Duration.ofDays(366)), year, List.of()).encode().length();
      long t1 = System.nanoTime();
      csvBytes = RevenueReport.csv(year).length();
      long t2 = System.nanoTime();
      jsonMs[r] = (t1 - t0) / 1_000_000;
      csvMs[r] = (t2 - t1) / 1_000_000;
    }
    System.out.printf("revenue answer for 366 days (%d MTUs): JSON %d KiB median %d ms (min %d), CSV %d KiB "
        + "median %d ms (min %d)%n", mtus, jsonBytes >> 10, median(jsonMs), min(jsonMs), csvBytes >> 10,
      median(csvMs), min(csvMs));
  }

  /** Quarter-hour buckets of one reading a second from 23:45 the day before, counters rising steadily. */
  private static List<CounterBucket> buckets(int device, int count) {
    List<CounterBucket> buckets = new ArrayList<>(count);
    long base = 1_000_000L + device;
    for (int b = 0; b < count; b++) {
      Instant start = DAY.minus(MTU).plus(MTU.multipliedBy(b));
      long first = base + 900L * b;
      long last = first + 899;
      buckets.add(new CounterBucket(start, start, new EnergyCounters(first, first / 2, first * 2, first / 3),
        start.plusSeconds(899), new EnergyCounters(last, last / 2, last * 2, last / 3), true));
    }
    return buckets;
  }

  private static List<PriceCurve.Point> prices(int mtus) {
    List<PriceCurve.Point> points = new ArrayList<>(mtus);
    for (int i = 0; i < mtus; i++) {
      Instant start = DAY.plus(MTU.multipliedBy(i));
      points.add(new PriceCurve.Point(start, start.plus(MTU), 50.0 + (i * 37) % 120 - 20));
    }
    return points;
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static long min(long[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
  }
}
