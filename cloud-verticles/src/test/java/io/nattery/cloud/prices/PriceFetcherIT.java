package io.nattery.cloud.prices;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.CloudNode;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.db.Database;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fetcher against a local server that answers like ENTSO-E and the real PostgreSQL, with its clock placed at
 * the times of day that matter and short backoffs, so that a day's behaviour takes seconds. Every log line of the
 * run is checked for the token, and no event loop may block for more than 100 ms.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PriceFetcherIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String DATABASE = "nattery_fetcher_it_" + RUN;
  private static final String TOKEN = "fetch-" + UUID.randomUUID();
  private static final LocalDate TODAY = LocalDate.parse("2026-03-28");
  private static final LocalDate TOMORROW = TODAY.plusDays(1);

  private static Vertx vertx;
  private static Pool pool;
  private static LogCapture logs;
  private static final List<String> blocked = new CopyOnWriteArrayList<>();

  @TempDir
  static Path dir;

  private EntsoeLikeServer server;
  private String deployment;
  private final List<JsonObject> updates = new CopyOnWriteArrayList<>();
  private final List<JsonObject> alerts = new CopyOnWriteArrayList<>();
  private final List<JsonObject> retained = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  @BeforeAll
  static void createDatabase() throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    logs = new LogCapture();
    vertx = Vertx.vertx(new VertxOptions()
      .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    await(LocalServices.createDatabase(vertx, DATABASE));
    await(CloudNode.migrate(vertx, LocalServices.postgres(DATABASE)));
    pool = Database.pool(vertx, LocalServices.postgres(DATABASE));
    new JsonObject().put("warm", "up").encode();
    // watched from here on: the JVM's one-time start-up of Netty, JFR and Jackson is not the fetcher's doing
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event ->
      blocked.add(event.thread().getName() + " blocked for " + event.duration() / 1_000_000 + " ms at "
        + java.util.Arrays.toString(java.util.Arrays.copyOf(event.thread().getStackTrace(), 12))));
  }

  @AfterAll
  static void dropDatabase() throws Exception {
    try {
      if (vertx != null) {
        await(pool.close());
        await(LocalServices.dropDatabase(vertx, DATABASE));
        await(vertx.close());
      }
      assertEquals(List.of(), blocked, "an event loop was blocked");
      List<String> lines = logs.lines();
      assertTrue(lines.stream().anyMatch(line -> line.contains("price fetch failed")), "the run logged failures");
      for (String line : lines) {
        assertFalse(line.contains(TOKEN), "the token was logged: " + line);
      }
    } finally {
      logs.close();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (deployment != null) {
      await(vertx.undeploy(deployment));
    }
    for (MessageConsumer<?> consumer : consumers) {
      await(consumer.unregister());
    }
    if (server != null) {
      await(server.stop());
    }
  }

  @Test
  void afterPublicationItFetchesTodayAndTomorrowStoresAndPublishesThem() throws Exception {
    // 14:00 CET on 2026-03-28; tomorrow is the spring DST day of 92 quarter-hours
    start("NL", at("2026-03-28T13:00:00Z"));

    eventually(() -> updates.size() == 2 && retained.size() == 2);

    assertEquals(1, server.requests().size());
    MultiMap query = server.requests().get(0);
    assertEquals("202603272300", query.get("periodStart"));
    assertEquals("202603292200", query.get("periodEnd"));
    assertEquals(List.of("2026-03-28", "2026-03-29"), updates.stream().map(u -> u.getString("delivery_day")).toList());
    assertFalse(updates.get(0).getBoolean("stale"));
    PriceCurve tomorrow = PriceCurve.fromJson(updates.get(1).getJsonObject("curve"));
    assertEquals(92, tomorrow.points().size());
    assertEquals(EntsoeLikeServer.price(TOMORROW, 92), tomorrow.points().get(91).price());
    // both days go to the retained topic in day order, so tomorrow's stays
    JsonObject publish = retained.get(1);
    assertEquals("prices/NL/day-ahead", publish.getString("topic"));
    assertTrue(publish.getBoolean("retain"));
    assertEquals(1, publish.getInteger("qos"));
    assertEquals("2026-03-29", new JsonObject(publish.getString("payload")).getString("delivery_day"));
    assertEquals(96 + 92, count("SELECT count(*) FROM prices WHERE zone = 'NL'"));
    JsonObject stats = stats();
    assertTrue(stats.getBoolean("leader"));
    assertEquals(1, stats.getLong("fetches"));
    assertEquals(2, stats.getLong("stored_curves"));
    // both days stored: it sleeps until tomorrow's publication, 13:00 CEST on 2026-03-29
    assertEquals("2026-03-29T11:00:00Z", stats.getJsonObject("next_attempt").getString("NL"));
  }

  @Test
  void beforePublicationOnlyTodayIsFetchedAndTomorrowWaitsFor13h() throws Exception {
    start("BE", Clock.fixed(Instant.parse("2026-03-28T08:00:00Z"), ZoneOffset.UTC));

    eventually(() -> updates.size() == 1 && stats().getJsonObject("next_attempt").containsKey("BE"));

    assertEquals("202603272300", server.requests().get(0).get("periodStart"));
    assertEquals("202603282300", server.requests().get(0).get("periodEnd"));
    assertEquals("2026-03-28", updates.get(0).getString("delivery_day"));
    assertEquals("2026-03-28T12:00:00Z", stats().getJsonObject("next_attempt").getString("BE"));
  }

  @Test
  void retriesThroughNoDataBusyRateLimitedAndSlowAnswersHonouringRetryAfter() throws Exception {
    server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    server.then(
      EntsoeLikeServer.Answer.notPublished(),
      EntsoeLikeServer.Answer.status(503, Map.of(), "Service Unavailable"),
      EntsoeLikeServer.Answer.status(429, Map.of("Retry-After", "1"), "Too many requests"),
      EntsoeLikeServer.Answer.slowPrices(Duration.ofMillis(1500)),
      EntsoeLikeServer.Answer.prices());
    start("FR", at("2026-03-28T13:00:00Z"));

    eventually(() -> curves() == 2);

    List<Instant> times = server.requestTimes();
    assertEquals(5, times.size());
    long afterRateLimit = Duration.between(times.get(2), times.get(3)).toMillis();
    assertTrue(afterRateLimit >= 1000, "waited " + afterRateLimit + " ms after a 429 with Retry-After: 1");
    JsonObject stats = stats();
    assertEquals(5, stats.getLong("fetches"));
    assertEquals(4, stats.getLong("retries"));
    assertEquals(1, stats.getLong("not_published"));
    assertEquals(new JsonObject().put("rate_limited", 1).put("timeout", 1).put("unavailable", 1),
      stats.getJsonObject("failures"));
    assertEquals(96 + 92, count("SELECT count(*) FROM prices WHERE zone = 'FR'"));
  }

  @Test
  void tomorrowMissingAtTheDeadlineMarksStaleAndAlertsUntilItArrives() throws Exception {
    server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    for (int i = 0; i < 8; i++) {
      server.then(EntsoeLikeServer.Answer.notPublished());
    }
    // 15:29:59.4 CET: the deadline (15:30) passes 0.6 s into the run; eight no-data answers take about 2 s
    start("DE_LU", at("2026-03-28T14:29:59.400Z"));

    eventually(() -> alerts.size() == 4);

    // today is missing from the first answer on, tomorrow from the deadline
    JsonObject today = alerts.get(0);
    assertEquals("prices_stale/DE_LU/2026-03-28", today.getString("alert_id"));
    assertEquals("raised", today.getString("state"));
    assertEquals("day-ahead prices for today, 2026-03-28, are missing", today.getString("detail"));
    JsonObject raised = alerts.get(1);
    assertEquals("prices_stale/DE_LU/2026-03-29", raised.getString("alert_id"));
    assertEquals("prices_stale", raised.getString("type"));
    assertEquals("warning", raised.getString("severity"));
    assertEquals("raised", raised.getString("state"));
    assertEquals("DE_LU", raised.getString("zone"));
    assertTrue(raised.getString("detail").contains("2026-03-29 still missing at 15:30"), raised.getString("detail"));
    assertFalse(Instant.parse(raised.getString("ts")).isBefore(Instant.parse("2026-03-28T14:30:00Z")));
    // each is cleared by its own day's prices, in day order
    assertEquals(List.of("prices_stale/DE_LU/2026-03-28 cleared: day-ahead prices for 2026-03-28 arrived",
        "prices_stale/DE_LU/2026-03-29 cleared: day-ahead prices for 2026-03-29 arrived"),
      alerts.subList(2, 4).stream().map(PriceFetcherIT::describe).toList());
    assertEquals(new JsonObject().put("zone", "DE_LU").put("delivery_day", "2026-03-28").put("stale", true)
      .putNull("curve"), updates.get(0));
    assertEquals(new JsonObject().put("zone", "DE_LU").put("delivery_day", "2026-03-29").put("stale", true)
      .putNull("curve"), updates.get(1));
    eventually(() -> updates.size() == 4);
    // today's curve arrives while tomorrow's is still missing, tomorrow's clears the staleness
    assertEquals(List.of("2026-03-28", "2026-03-29"), updates.subList(2, 4).stream()
      .map(u -> u.getString("delivery_day")).toList());
    assertTrue(updates.get(2).getBoolean("stale"));
    assertFalse(updates.get(3).getBoolean("stale"));
    assertEquals(0, count("SELECT count(*) FROM price_zone_status WHERE zone = 'DE_LU' AND stale"));
    assertEquals(8, stats().getLong("not_published"));
  }

  @Test
  void aDayThatNeverArrivesStaysStaleWhenTheNextDayArrivesAndIsClearedOnceItHasPassed() throws Exception {
    server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    server.withhold(TOMORROW);
    MovableClock clock = new MovableClock("2026-03-28T14:29:59.400Z");
    start("CZ", clock);

    eventually(() -> alerts.size() == 1);
    assertEquals("prices_stale/CZ/2026-03-29 raised", describe(alerts.get(0)).split(":")[0]);

    // 13:00 CEST on the missing day: the next day is published and stored, the missing one still is not
    clock.moveTo("2026-03-29T11:00:00Z");
    eventually(() -> updates.stream().anyMatch(u -> "2026-03-30".equals(u.getString("delivery_day"))));
    Thread.sleep(1000);
    assertEquals(1, alerts.size(), "alerts: " + alerts);
    JsonObject nextDay = updates.stream().filter(u -> "2026-03-30".equals(u.getString("delivery_day")))
      .findFirst().orElseThrow();
    assertTrue(nextDay.getBoolean("stale"));
    assertEquals(1, count("SELECT count(*) FROM price_zone_status WHERE zone = 'CZ' AND stale "
      + "AND missing_day = '2026-03-29'"));

    // just after midnight: the missing day has passed without prices
    clock.moveTo("2026-03-29T22:00:30Z");
    eventually(() -> alerts.size() == 2);
    assertEquals("prices_stale/CZ/2026-03-29 cleared: no day-ahead prices for 2026-03-29 arrived; the day has passed",
      describe(alerts.get(1)));
    eventually(() -> count("SELECT count(*) FROM price_zone_status WHERE zone = 'CZ' AND stale") == 0);
    assertEquals(0, count("SELECT count(*) FROM prices WHERE zone = 'CZ' AND delivery_day = '2026-03-29'"));
  }

  @Test
  void everyMissingDayIsRaisedTodayAtAnyTimeAndTomorrowFromTheDeadline() throws Exception {
    server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    LocalDate dayAfter = TOMORROW.plusDays(1);
    server.withhold(TODAY, TOMORROW, dayAfter);
    // 08:00 CET, before publication: today's prices should be there already
    MovableClock clock = new MovableClock("2026-03-28T07:00:00Z");
    start("SK", clock);

    eventually(() -> alerts.size() == 1);
    clock.moveTo("2026-03-28T14:31:00Z");
    eventually(() -> alerts.size() == 2);
    // 15:31 CEST the next day: yesterday has passed, today is still missing, tomorrow is missing at the deadline
    clock.moveTo("2026-03-29T13:31:00Z");
    eventually(() -> alerts.size() == 4);
    server.release(TOMORROW, dayAfter);
    eventually(() -> alerts.size() == 6);

    assertEquals(List.of(
        "prices_stale/SK/2026-03-28 raised: day-ahead prices for today, 2026-03-28, are missing",
        "prices_stale/SK/2026-03-29 raised: day-ahead prices for 2026-03-29 still missing at 15:30 Europe/Brussels",
        "prices_stale/SK/2026-03-28 cleared: no day-ahead prices for 2026-03-28 arrived; the day has passed",
        "prices_stale/SK/2026-03-30 raised: day-ahead prices for 2026-03-30 still missing at 15:30 Europe/Brussels",
        "prices_stale/SK/2026-03-29 cleared: day-ahead prices for 2026-03-29 arrived",
        "prices_stale/SK/2026-03-30 cleared: day-ahead prices for 2026-03-30 arrived"),
      alerts.stream().map(PriceFetcherIT::describe).toList());
    eventually(() -> count("SELECT count(*) FROM price_zone_status WHERE zone = 'SK' AND stale") == 0);
  }

  @Test
  void aWrongTokenIsFatalUntilTheTokenFileIsFixed() throws Exception {
    Path tokenFile = dir.resolve("token-" + UUID.randomUUID());
    Files.writeString(tokenFile, "wrong-" + TOKEN.substring(6));
    server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    deploy("AT", at("2026-03-28T13:00:00Z"), tokenFile);

    eventually(() -> stats().getJsonObject("failures").getLong("unauthorized", 0L) >= 2);
    assertEquals(0, curves(), "only stale markers, no prices");
    List<Instant> times = server.requestTimes();
    assertTrue(Duration.between(times.get(0), times.get(1)).toMillis() >= 400, "a fatal failure waits backoff_max");
    Files.writeString(tokenFile, TOKEN);

    eventually(() -> curves() == 2);
    assertEquals(96 + 92, count("SELECT count(*) FROM prices WHERE zone = 'AT'"));
  }

  @Test
  void theRetainedTopicIsRepublishedUntilTheBrokerTookIt() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.MQTT_PUBLISH, message -> {
      if (attempts.incrementAndGet() <= 2) {
        message.fail(503, "no broker link");
      } else {
        retained.add(message.body());
        message.reply(null);
      }
    }));
    server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    deploy("PL", at("2026-03-28T13:00:00Z"), tokenFile(TOKEN));

    eventually(() -> retained.size() == 1);

    assertEquals("2026-03-29", new JsonObject(retained.get(0).getString("payload")).getString("delivery_day"));
    assertTrue(stats().getLong("mqtt_publish_failures") >= 2);
  }

  // --- helpers

  /** Starts a server, a broker stand-in that takes every publish, and the fetcher for one zone. */
  private void start(String zone, Clock clock) throws Exception {
    if (server == null) {
      server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    }
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.MQTT_PUBLISH, message -> {
      retained.add(message.body());
      message.reply(null);
    }));
    deploy(zone, clock, tokenFile(TOKEN));
  }

  /** The fetcher for one zone with backoffs of 50 to 400 ms and a 0.5 s request timeout. */
  private void deploy(String zone, Clock clock, Path tokenFile) throws Exception {
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.PRICES_UPDATED, message -> {
      if (zone.equals(message.body().getString("zone"))) {
        updates.add(message.body());
      }
    }));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.ALERTS, message -> {
      if (zone.equals(message.body().getString("zone"))) {
        alerts.add(message.body());
      }
    }));
    JsonObject config = new JsonObject()
      .put("zones", new JsonArray().add(zone))
      .put("base_url", server.baseUrl())
      .put("token_file", tokenFile.toString())
      .put("jitter_s", 0)
      .put("backoff_min_s", 0.05)
      .put("backoff_max_s", 0.4)
      .put("request_timeout_s", 0.5)
      .put("singleton_retry_s", 0.2)
      .put("postgres", LocalServices.postgres(DATABASE));
    deployment = await(vertx.deployVerticle(new PriceFetcherVerticle(clock), new DeploymentOptions().setConfig(config)));
  }

  private static Path tokenFile(String token) throws Exception {
    return Files.writeString(dir.resolve("token-" + UUID.randomUUID()), token);
  }

  /** How many updates carried prices (the others mark a missing day stale). */
  private long curves() {
    return updates.stream().filter(u -> u.getValue("curve") != null).count();
  }

  private static String describe(JsonObject alert) {
    return alert.getString("alert_id") + " " + alert.getString("state") + ": " + alert.getString("detail");
  }

  /** A clock that runs at real speed from where it was last moved to. */
  private static final class MovableClock extends Clock {
    private volatile Duration offset;

    MovableClock(String instant) {
      moveTo(instant);
    }

    void moveTo(String instant) {
      offset = Duration.between(Instant.now(), Instant.parse(instant));
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException("UTC only");
    }
  }

  /** A clock that starts at {@code instant} and runs at real speed. */
  private static Clock at(String instant) {
    return Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), Instant.parse(instant)));
  }

  private JsonObject stats() throws Exception {
    return await(vertx.eventBus().<JsonObject>request(Addresses.PRICES_STATS, new JsonObject())).body();
  }

  private static long count(String sql) throws Exception {
    return await(pool.query(sql).execute()).iterator().next().getLong(0);
  }

  /** Polls every 50 ms until the condition holds, failing after 20 s. */
  private static void eventually(Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 20 s");
      }
      Thread.sleep(50);
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
