package io.nattery.cloud.settlement;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.CloudNode;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.api.ApiVerticle;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.demo.EmbeddedQuestDb;
import io.nattery.cloud.history.HistoryReads;
import io.nattery.cloud.history.TelemetryHistoryVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Settlement end to end against the real PostgreSQL and an in-process QuestDB: telemetry of two devices goes
 * through the history writer, prices and a strategy's zone sit in PostgreSQL, the settlement verticle settles,
 * and the revenue route answers. Device A reports cleanly for four MTUs in zone DE_LU; device B (zone NL)
 * misses twenty minutes of samples, which it replays later, and has an inverter reset in its last MTU.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SettlementIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String DATABASE = "nattery_settle_" + RUN;
  private static final String PASSWORD = "it-password-" + RUN;
  private static final String A = "it-a-" + RUN;
  private static final String B = "it-b-" + RUN;
  /** A Pi that was offline for longer than the look-back: its MTU at OLD is replayed twelve hours late. */
  private static final String C = "it-c-" + RUN;
  /** Four MTUs that ended more than two hours ago: inside the default look-back, past the grace delay. */
  private static final Instant T = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
  private static final Duration MTU = Duration.ofMinutes(15);
  private static final Instant OLD = T.minus(Duration.ofHours(9));
  private static final double[] PRICES_DE = {80, -10, 150, 200};
  private static final double[] PRICES_NL = {100, 50, 60, 70};
  /** Device A's energy per MTU, Wh: charged, discharged, import, export. */
  private static final long[][] A_ENERGY = {{1200, 0, 1500, 0}, {600, 0, 750, 0}, {0, 900, 60, 690},
    {0, 600, 0, 420}};

  private static final List<String> blocked = new CopyOnWriteArrayList<>();
  private static volatile boolean armed;
  private static Vertx vertx;
  private static EmbeddedQuestDb questDb;
  private static Pool pg;
  private static Pool quest;
  private static WebClient http;
  private static String token;
  private static long seq;

  @BeforeAll
  static void start() throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    vertx = Vertx.vertx(new VertxOptions()
      .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    // armed once the clients have warmed up: their first use loads classes (Jackson, Netty) on the event loop
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> {
      if (armed) {
        blocked.add(event.thread().getName() + " blocked for " + event.duration() / 1_000_000 + " ms at "
          + java.util.Arrays.toString(java.util.Arrays.copyOf(event.thread().getStackTrace(), 12)));
      }
    });
    await(LocalServices.createDatabase(vertx, DATABASE));
    JsonObject postgres = LocalServices.postgres(DATABASE);
    await(CloudNode.migrate(vertx, postgres));
    pg = Database.pool(vertx, postgres);
    // the trading run's published_at comes with V3 on main; until this branch is merged there, added here
    await(pg.query("ALTER TABLE trading_plans ADD COLUMN IF NOT EXISTS published_at timestamptz").execute());
    questDb = new EmbeddedQuestDb();
    JsonObject history = questDb.historyConfig().put("flush_interval_ms", 50);
    quest = HistoryReads.pool(vertx, history.getJsonObject("pg"));

    // given prices for both zones, the devices, B's strategy in zone NL, a viewer
    for (int k = 0; k < 4; k++) {
      await(price("DE_LU", k, PRICES_DE[k]));
      await(price("NL", k, PRICES_NL[k]));
    }
    await(pg.preparedQuery("INSERT INTO devices (device_id, site) VALUES ($1, 'site-a'), ($2, 'site-b')")
      .execute(Tuple.of(A, B)));
    await(pg.preparedQuery("INSERT INTO strategies (device_id, strategy) VALUES ($1, $2)")
      .execute(Tuple.of(B, new JsonObject().put("zone", "NL").put("kind", "arbitrage"))));
    await(new UserStore(pg).save("viewer", new PasswordHasher().hash(PASSWORD), Role.VIEWER));

    // and telemetry through the history writer: A every 30 s from T - 1 min to T + 1 h; B the same but silent
    // from T + 20 min to T + 40 min and reset to small counters at T + 50 min
    await(vertx.deployVerticle(new TelemetryHistoryVerticle(), new DeploymentOptions().setConfig(history)));
    List<Future<?>> writes = new ArrayList<>();
    int expectedB = 0;
    for (Instant t = T.minusSeconds(60); !t.isAfter(T.plus(Duration.ofHours(1))); t = t.plusSeconds(30)) {
      writes.add(store(A, t, counterA(t)));
      if (!inBsGap(t)) {
        writes.add(store(B, t, counterB(t)));
        expectedB++;
      }
    }
    // and one sample of an id outside the contract, which no ingestion would pass but another writer might
    writes.add(store("not a device id", T.plusSeconds(60), new long[] {1, 1, 1, 1}));
    await(Future.all(writes));
    await(rowsVisible(A, 123));
    await(rowsVisible(B, expectedB));

    int port = LocalServices.freePort();
    await(vertx.deployVerticle(new ApiVerticle(List.of(new RevenueRoutes())), new DeploymentOptions().setConfig(
      new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("postgres", postgres).put("revenue", new JsonObject().put("statement_timeout_ms", 1000)).put("jwt", new JsonObject().put("secret", "it-secret-of-at-least-32-bytes-" + RUN)))));
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    HttpResponse<Buffer> login = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", "viewer").put("password", PASSWORD)));
    armed = true;
    await(vertx.deployVerticle(new SettlementVerticle(), new DeploymentOptions().setConfig(new JsonObject()
      .put("interval_s", 3600).put("chunk_h", 1).put("postgres", postgres).put("history", history))));
    token = login.bodyAsJsonObject().getString("access_token");
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      assertEquals(List.of(), blocked, "an event loop was blocked");
      await(vertx.close());
    }
    if (questDb != null) {
      questDb.close();
    }
    Vertx cleanup = Vertx.vertx();
    await(LocalServices.dropDatabase(cleanup, DATABASE));
    await(cleanup.close());
  }

  @Test
  @Order(1)
  void everyMtuIsSettledToTheCentAndGapsAndResetsAreFlagged() throws Exception {
    JsonObject summary = run(new JsonObject());
    Map<String, Row> rows = settlements();

    assertEquals(2, summary.getInteger("devices"), "the id outside the contract is skipped, the others settled");
    assertEquals(new JsonArray().add(B), summary.getJsonArray("counter_reset_devices"));
    for (int k = 0; k < 4; k++) {
      Row a = rows.get(A + "@" + k);
      assertEquals("settled", a.getString("status"));
      assertEquals("DE_LU", a.getString("zone"));
      assertEquals(PRICES_DE[k], a.getDouble("price_eur_mwh"));
      assertEquals(A_ENERGY[k][0], a.getLong("charged_wh"));
      assertEquals(A_ENERGY[k][1], a.getLong("discharged_wh"));
      assertEquals(A_ENERGY[k][2], a.getLong("import_wh"));
      assertEquals(A_ENERGY[k][3], a.getLong("export_wh"));
    }
    // 80 EUR/MWh * -1200 Wh; 150 EUR/MWh * (60 - 690) Wh; 200 EUR/MWh * (0 - 420 + 600 - 0) Wh
    assertEquals(new BigDecimal("-0.096000"), rows.get(A + "@0").getBigDecimal("battery_value_eur"));
    assertEquals(new BigDecimal("0.006000"), rows.get(A + "@1").getBigDecimal("battery_value_eur"));
    assertEquals(new BigDecimal("-0.094500"), rows.get(A + "@2").getBigDecimal("grid_cost_eur"));
    assertEquals(new BigDecimal("0.036000"), rows.get(A + "@3").getBigDecimal("grid_cost_without_battery_eur"));

    assertEquals("settled", rows.get(B + "@0").getString("status"));
    assertEquals("NL", rows.get(B + "@0").getString("zone"));
    assertEquals(new BigDecimal("0.030000"), rows.get(B + "@0").getBigDecimal("battery_value_eur"));
    assertEquals("gap", rows.get(B + "@1").getString("status"));
    assertEquals("gap", rows.get(B + "@2").getString("status"));
    assertNull(rows.get(B + "@1").getValue("charged_wh"));
    assertEquals("counter_reset", rows.get(B + "@3").getString("status"));
    assertNull(rows.get(B + "@3").getValue("battery_value_eur"));
  }

  @Test
  @Order(2)
  void aSecondRunChangesNothing() throws Exception {
    Map<String, Object> before = settledAt();

    JsonObject summary = run(new JsonObject());
    JsonObject explicit = run(new JsonObject().put("from", T.toString())
      .put("to", T.plus(MTU.multipliedBy(4)).toString()));

    assertEquals(0, summary.getInteger("changed"));
    assertEquals(0, explicit.getInteger("changed"));
    assertEquals(5, explicit.getInteger("settled"), "an explicit window settles just its MTUs");
    assertEquals(2, explicit.getInteger("gap"));
    assertEquals(before, settledAt());
  }

  @Test
  @Order(3)
  void theRevenueRouteAnswersPerMtuPerDayInTotalAndPerSchedule() throws Exception {
    // given two published schedules of A: v1 for all four MTUs, v2 replacing it from the third; a v3 for the
    // fourth that never reached the broker; and A's cycle cost of 0.05 EUR/kWh
    String v1 = UUID.randomUUID().toString();
    String v2 = UUID.randomUUID().toString();
    await(plan(v1, 1, 0, 4, 0.20, true).compose(v -> plan(v2, 2, 2, 4, 0.30, true))
      .compose(v -> plan(UUID.randomUUID().toString(), 3, 3, 4, 0.10, false)));
    await(pg.preparedQuery("INSERT INTO strategies (device_id, strategy) VALUES ($1, $2)").execute(Tuple.of(A,
      new JsonObject().put("zone", "DE_LU").put("kind", "arbitrage")
        .put("battery", new JsonObject().put("cycle_cost_eur_per_kwh", 0.05)))));

    HttpResponse<Buffer> response = get("/api/v1/analytics/revenue?device_id=" + A + "&from=" + T + "&to="
      + T.plus(MTU.multipliedBy(4)), "application/json");
    JsonObject device = response.bodyAsJsonObject();
    JsonObject fleet = get("/api/v1/analytics/revenue?from=" + T + "&to=" + T.plus(MTU.multipliedBy(4)), null)
      .bodyAsJsonObject();

    JsonArray mtus = device.getJsonArray("mtus");
    assertEquals(4, mtus.size());
    assertEquals(T.toString(), mtus.getJsonObject(0).getString("start"));
    assertEquals(80.0, mtus.getJsonObject(0).getDouble("price_eur_mwh"));
    assertEquals(-0.096, mtus.getJsonObject(0).getDouble("battery_revenue_eur"), 1e-9);
    assertEquals(0.135, mtus.getJsonObject(2).getDouble("battery_revenue_eur"), 1e-9);
    JsonObject total = device.getJsonObject("total");
    // -0.096 + 0.006 + 0.135 + 0.120; grid 0.120 - 0.0075 - 0.0945 - 0.084; without 0.024 - 0.0015 + 0.0405 + 0.036
    assertEquals(0.165, total.getDouble("battery_revenue_eur"), 1e-9);
    assertTrue(response.bodyAsString().contains("\"battery_revenue_eur\":0.165000"), "money to the micro-euro");
    assertEquals(-0.066, total.getDouble("grid_cost_eur"), 1e-9);
    assertEquals(0.099, total.getDouble("grid_cost_without_battery_eur"), 1e-9);
    assertEquals(1800L, total.getLong("charged_wh"));
    assertEquals(1500L, total.getLong("discharged_wh"));
    assertEquals(4, total.getInteger("settled"));
    assertEquals(expectedDays(), device.getJsonArray("days").size());
    assertEquals(0.165, sumOfDays(device), 1e-9);

    // the unpublished v3 is neither listed nor replaces v2; realised is net of cycle cost, as planned is
    JsonArray schedules = device.getJsonArray("schedules");
    assertEquals(2, schedules.size());
    JsonObject first = schedules.getJsonObject(0);
    assertEquals(v1, first.getString("schedule_id"));
    assertEquals(0.20, first.getDouble("planned_net_value_eur"));
    assertEquals(T.plus(MTU.multipliedBy(2)).toString(), Instant.parse(first.getString("superseded_from")).toString());
    assertEquals(2, first.getInteger("mtus_settled"));
    assertEquals(-0.090, first.getDouble("realised_net_value_eur"), 1e-9);
    JsonObject second = schedules.getJsonObject(1);
    assertEquals(v2, second.getString("schedule_id"));
    assertNull(second.getString("superseded_from"));
    assertEquals(2, second.getInteger("mtus_settled"));
    assertEquals(0.255, second.getDouble("realised_gross_value_eur"), 1e-9);
    assertEquals(1500L, second.getLong("realised_discharged_wh"));
    // 0.255 EUR - 0.05 EUR/kWh * 1.5 kWh
    assertEquals(0.075, second.getDouble("realised_cycle_cost_eur"), 1e-9);
    assertEquals(0.180, second.getDouble("realised_net_value_eur"), 1e-9);

    // the fleet: both devices summed; MTU 0 mixes zones, so it has no single price
    assertFalse(fleet.containsKey("schedules"));
    assertNull(fleet.getJsonArray("mtus").getJsonObject(0).getValue("price_eur_mwh"));
    assertEquals(0.195, fleet.getJsonObject("total").getDouble("battery_revenue_eur"), 1e-9);
    assertEquals(5, fleet.getJsonObject("total").getInteger("settled"));
    assertEquals(2, fleet.getJsonObject("total").getInteger("gap"));
    assertEquals(1, fleet.getJsonObject("total").getInteger("counter_reset"));
  }

  @Test
  @Order(4)
  void csvHasOneRowPerMtu() throws Exception {
    HttpResponse<Buffer> response = get("/api/v1/analytics/revenue?device_id=" + A + "&from=" + T + "&to="
      + T.plus(MTU.multipliedBy(4)), "text/csv");

    String[] lines = response.bodyAsString().split("\r\n");
    assertEquals(200, response.statusCode());
    assertTrue(response.getHeader("Content-Type").startsWith("text/csv"));
    assertEquals(5, lines.length);
    assertEquals(RevenueReport.CSV_HEADER, lines[0]);
    assertEquals(T + "," + T.plus(MTU) + ",80.0,1,0,0,1200,0,1500,0,0.120000,0.024000,-0.096000", lines[1]);
    assertEquals(T.plus(MTU.multipliedBy(3)) + "," + T.plus(MTU.multipliedBy(4))
      + ",200.0,1,0,0,0,600,0,420,-0.084000,0.036000,0.120000", lines[4]);
  }

  @Test
  @Order(5)
  void badQueriesAreProblemsAndATokenIsRequired() throws Exception {
    HttpResponse<Buffer> noToken = await(http.get("/api/v1/analytics/revenue?from=" + T + "&to=" + T.plus(MTU)).send());
    HttpResponse<Buffer> bad = get("/api/v1/analytics/revenue?device_id=a%20b&from=yesterday&to=" + T, null);
    HttpResponse<Buffer> backwards = get("/api/v1/analytics/revenue?from=" + T + "&to=" + T.minus(MTU), null);
    HttpResponse<Buffer> tooLong = get("/api/v1/analytics/revenue?from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z",
      null);
    HttpResponse<Buffer> fleetTooLong = get("/api/v1/analytics/revenue?from=2026-01-01T00:00:00Z"
      + "&to=2026-02-01T00:00:01Z", null);
    HttpResponse<Buffer> deviceMonthAndMore = get("/api/v1/analytics/revenue?device_id=" + A
      + "&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:01Z", null);

    assertEquals(401, noToken.statusCode());
    assertEquals(400, bad.statusCode());
    assertEquals("application/problem+json", bad.getHeader("Content-Type"));
    assertEquals(List.of("device_id", "from"), fields(bad));
    assertEquals(List.of("to"), fields(backwards));
    assertEquals(List.of("to"), fields(tooLong));
    assertEquals(List.of("to"), fields(fleetTooLong));
    assertEquals(200, deviceMonthAndMore.statusCode());
    ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
      () -> run(new JsonObject().put("from", T.toString()).put("to", "soon")));
    assertEquals(400, ((ReplyException) refused.getCause()).failureCode());
  }

  @Test
  @Order(6)
  void samplesReplayedLateSettleTheGapOnceAndTheResetStays() throws Exception {
    // when B's edge buffer replays the twenty silent minutes
    List<Future<?>> writes = new ArrayList<>();
    int replayed = 0;
    for (Instant t = T.minusSeconds(60); !t.isAfter(T.plus(Duration.ofHours(1))); t = t.plusSeconds(30)) {
      if (inBsGap(t)) {
        writes.add(store(B, t, counterB(t)));
        replayed++;
      }
    }
    await(Future.all(writes));
    await(rowsVisible(B, 123));

    JsonObject summary = run(new JsonObject());
    Map<String, Object> after = settledAt();
    JsonObject again = run(new JsonObject());
    Map<String, Row> rows = settlements();

    assertEquals(39, replayed);
    assertEquals(2, summary.getInteger("changed"));
    assertEquals(0, again.getInteger("changed"));
    assertEquals(after, settledAt());
    assertEquals("settled", rows.get(B + "@1").getString("status"));
    assertEquals(new BigDecimal("0.015000"), rows.get(B + "@1").getBigDecimal("battery_value_eur"));
    assertEquals(new BigDecimal("0.018000"), rows.get(B + "@2").getBigDecimal("battery_value_eur"));
    assertEquals(300L, rows.get(B + "@2").getLong("export_wh"));
    assertEquals("counter_reset", rows.get(B + "@3").getString("status"));
  }

  @Test
  @Order(7)
  void aReplayOlderThanTheLookBackIsSettledByTheLongReSettlement() throws Exception {
    // given a price for an MTU twelve hours ago, whose samples C's edge buffer replays only now
    await(price("DE_LU", OLD, 120));
    List<Future<?>> writes = new ArrayList<>();
    for (Instant t = OLD.minusSeconds(60); !t.isAfter(OLD.plus(MTU).plusSeconds(60)); t = t.plusSeconds(30)) {
      long moved = (long) Math.floor(400 * Math.max(0, Math.min(1,
        Duration.between(OLD, t).toSeconds() / (double) MTU.toSeconds())));
      writes.add(store(C, t, new long[] {5_000, 10_000 + moved, 20_000, 30_000 + moved}));
    }
    await(Future.all(writes));
    await(rowsVisible(C, writes.size()));

    // when the frequent run and then the long re-settlement run
    JsonObject recent = run(new JsonObject());
    boolean settledByRecent = await(pg.preparedQuery("SELECT 1 FROM settlements WHERE device_id = $1")
      .execute(Tuple.of(C))).size() > 0;
    JsonObject resettled = run(new JsonObject().put("resettle", true));
    Row row = await(pg.preparedQuery("SELECT * FROM settlements WHERE device_id = $1").execute(Tuple.of(C)))
      .iterator().next();

    // then only the long run reaches back to C's MTU, and settles it to the cent
    assertFalse(settledByRecent, "the look-back run does not reach twelve hours back");
    assertEquals(0, recent.getInteger("changed"));
    assertEquals(1, resettled.getInteger("changed"));
    assertEquals(OLD, row.getOffsetDateTime("mtu_start").toInstant());
    assertEquals("settled", row.getString("status"));
    assertEquals(400L, row.getLong("discharged_wh"));
    assertEquals(400L, row.getLong("export_wh"));
    assertEquals(new BigDecimal("0.048000"), row.getBigDecimal("battery_value_eur"));
  }

  @Test
  @Order(8)
  void aRevenueQueryPastItsStatementTimeoutIsA503() throws Exception {
    // given a transaction holding the settlements table, so any read of it waits past the 1 s timeout
    io.vertx.sqlclient.SqlConnection holder = await(pg.getConnection());
    io.vertx.sqlclient.Transaction tx = await(holder.begin());
    await(holder.query("LOCK TABLE settlements IN ACCESS EXCLUSIVE MODE").execute());
    HttpResponse<Buffer> waited;
    long started = System.nanoTime();
    try {
      waited = get("/api/v1/analytics/revenue?from=" + T + "&to=" + T.plus(MTU.multipliedBy(4)), null);
    } finally {
      await(tx.rollback().eventually(holder::close));
    }
    long ms = (System.nanoTime() - started) / 1_000_000;
    HttpResponse<Buffer> after = get("/api/v1/analytics/revenue?from=" + T + "&to=" + T.plus(MTU.multipliedBy(4)),
      null);

    assertEquals(503, waited.statusCode(), waited.bodyAsString());
    assertEquals("application/problem+json", waited.getHeader("Content-Type"));
    assertTrue(ms >= 1000 && ms < 10_000, "answered after the timeout, not after the lock: " + ms + " ms");
    assertEquals(200, after.statusCode(), "the timeout was the request's own, not the pool's");
  }

  /** A's counters at t: each MTU's energy spread evenly over it, exact at every boundary. */
  private static long[] counterA(Instant t) {
    long[] c = {500_000, 400_000, 2_000_000, 1_000_000};
    for (int k = 0; k < 4; k++) {
      double share = fraction(t, k);
      for (int i = 0; i < 4; i++) {
        c[i] += (long) Math.floor(A_ENERGY[k][i] * share);
      }
    }
    return c;
  }

  /** B discharges and exports 300 Wh per MTU; its inverter restarts its counters from 7 Wh at T + 50 min. */
  private static long[] counterB(Instant t) {
    if (!t.isBefore(T.plus(Duration.ofMinutes(50)))) {
      long since = Duration.between(T.plus(Duration.ofMinutes(50)), t).toSeconds() / 3;
      return new long[] {7, 7 + since, 7, 7 + since};
    }
    long moved = (long) Math.floor(300 * (fraction(t, 0) + fraction(t, 1) + fraction(t, 2) + fraction(t, 3)));
    return new long[] {80_000, 90_000 + moved, 70_000, 60_000 + moved};
  }

  private static boolean inBsGap(Instant t) {
    return t.isAfter(T.plus(Duration.ofMinutes(20))) && t.isBefore(T.plus(Duration.ofMinutes(40)));
  }

  private static double fraction(Instant t, int mtu) {
    double seconds = Duration.between(T.plus(MTU.multipliedBy(mtu)), t).toSeconds();
    return Math.max(0, Math.min(1, seconds / MTU.toSeconds()));
  }

  private static Future<?> store(String device, Instant t, long[] c) {
    JsonObject sample = Samples.telemetry(device, seq, 50).toJson().put("ts", t.toString()).put("seq", seq++);
    sample.getJsonObject("energy").put("charged_wh", c[0]).put("discharged_wh", c[1]).put("import_wh", c[2])
      .put("export_wh", c[3]);
    return vertx.eventBus().request(Addresses.TELEMETRY_STORE, sample);
  }

  private static Future<?> price(String zone, int k, double price) {
    return price(zone, T.plus(MTU.multipliedBy(k)), price);
  }

  private static Future<?> price(String zone, Instant start, double price) {
    return pg.preparedQuery("INSERT INTO prices (zone, mtu_start, mtu_end, delivery_day, price_eur_mwh, source, "
        + "fetched_at) VALUES ($1, $2, $3, $4, $5, 'it', now())")
      .execute(Tuple.of(zone, start.atOffset(ZoneOffset.UTC), start.plus(MTU).atOffset(ZoneOffset.UTC),
        LocalDate.ofInstant(start, RevenueReport.MARKET_DAY), price));
  }

  private static Future<?> plan(String id, int version, int fromMtu, int toMtu, double planned, boolean published) {
    JsonArray slots = new JsonArray();
    for (int k = fromMtu; k < toMtu; k++) {
      slots.add(new JsonObject().put("start", T.plus(MTU.multipliedBy(k)).toString())
        .put("end", T.plus(MTU.multipliedBy(k + 1)).toString()).put("mode", "idle").put("rate_kw", 0)
        .put("price", PRICES_DE[k]).put("soc_pct", 50));
    }
    return pg.preparedQuery("INSERT INTO trading_plans (schedule_id, device_id, zone, delivery_day, version, strategy, "
        + "planned_value_eur, optimal, slots, published_at) VALUES ($1::uuid, $2, 'DE_LU', $3, $4, 'arbitrage', $5, "
        + "true, $6, CASE WHEN $7 THEN now() END)")
      .execute(Tuple.of(id, A, LocalDate.ofInstant(T, RevenueReport.MARKET_DAY), version, planned, slots, published));
  }

  /** Until QuestDB shows the device's rows (its writes become visible shortly after they are acknowledged). */
  private static Future<?> rowsVisible(String device, long expected) {
    long deadline = System.currentTimeMillis() + 20_000;
    return poll(device, expected, deadline);
  }

  private static Future<?> poll(String device, long expected, long deadline) {
    return quest.preparedQuery("SELECT count() AS n FROM telemetry WHERE device_id = $1").execute(Tuple.of(device))
      .map(rows -> rows.iterator().next().getLong("n"))
      .otherwise(0L)
      .compose(n -> {
        if (n == expected) {
          return Future.succeededFuture();
        }
        if (System.currentTimeMillis() > deadline) {
          return Future.failedFuture(new AssertionError(device + ": " + n + " rows in QuestDB, " + expected + " expected"));
        }
        return vertx.timer(100).compose(x -> poll(device, expected, deadline));
      });
  }

  private static JsonObject run(JsonObject request) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.SETTLEMENT_RUN, request,
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(60_000))).body();
  }

  /** The settlement rows by "device@mtu index". */
  private static Map<String, Row> settlements() throws Exception {
    Map<String, Row> rows = new HashMap<>();
    for (Row row : await(pg.query("SELECT * FROM settlements").execute())) {
      int k = (int) Duration.between(T, row.getOffsetDateTime("mtu_start").toInstant()).dividedBy(MTU);
      rows.put(row.getString("device_id") + "@" + k, row);
    }
    return rows;
  }

  private static Map<String, Object> settledAt() throws Exception {
    Map<String, Object> times = new HashMap<>();
    for (Row row : await(pg.query("SELECT device_id, mtu_start, settled_at FROM settlements").execute())) {
      times.put(row.getString("device_id") + "@" + row.getValue("mtu_start"), row.getValue("settled_at"));
    }
    return times;
  }

  private static HttpResponse<Buffer> get(String uri, String accept) throws Exception {
    var request = http.get(uri).bearerTokenAuthentication(token);
    if (accept != null) {
      request.putHeader("Accept", accept);
    }
    return await(request.send());
  }

  private static List<String> fields(HttpResponse<Buffer> response) {
    assertEquals(400, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("errors").stream()
      .map(e -> ((JsonObject) e).getString("field")).toList();
  }

  private static int expectedDays() {
    return LocalDate.ofInstant(T, RevenueReport.MARKET_DAY)
      .equals(LocalDate.ofInstant(T.plus(MTU.multipliedBy(3)), RevenueReport.MARKET_DAY)) ? 1 : 2;
  }

  private static double sumOfDays(JsonObject report) {
    double sum = 0;
    for (Object day : report.getJsonArray("days")) {
      sum += ((JsonObject) day).getDouble("battery_revenue_eur");
    }
    return sum;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

}
