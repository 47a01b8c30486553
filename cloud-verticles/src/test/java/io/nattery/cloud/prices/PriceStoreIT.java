package io.nattery.cloud.prices;

import io.nattery.cloud.CloudNode;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.db.Database;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The price store against the real PostgreSQL, in a database of its own. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PriceStoreIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String DATABASE = "nattery_prices_it_" + RUN;
  private static final Instant FETCHED = Instant.parse("2026-03-28T12:10:00Z");

  private static Vertx vertx;
  private static Pool pool;
  private static PriceStore store;

  @BeforeAll
  static void createDatabase() throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    vertx = Vertx.vertx();
    await(LocalServices.createDatabase(vertx, DATABASE));
    await(CloudNode.migrate(vertx, LocalServices.postgres(DATABASE)));
    pool = Database.pool(vertx, LocalServices.postgres(DATABASE));
    store = new PriceStore(pool);
  }

  @AfterAll
  static void dropDatabase() throws Exception {
    if (vertx == null) {
      return;
    }
    await(pool.close());
    await(LocalServices.dropDatabase(vertx, DATABASE));
    await(vertx.close());
  }

  @Test
  void aCurveIsStoredOnceAndReadBackAsItWas() throws Exception {
    PriceCurve curve = curve("NL", LocalDate.parse("2026-03-29"), 15, q -> 40 + q * 0.5 - (q == 50 ? 100 : 0));

    PriceStore.Stored first = await(store.store(curve));
    PriceStore.Stored again = await(store.store(curve));
    PriceStore.Stored laterFetch = await(store.store(withFetchedAt(curve, FETCHED.plusSeconds(3600))));

    assertEquals(new PriceStore.Stored(92, 0, 0), first);
    assertEquals(new PriceStore.Stored(0, 0, 0), again);
    assertFalse(laterFetch.changed(), "the same prices fetched later change nothing");
    assertEquals(Optional.of(curve), await(store.curve("NL", curve.deliveryDay())));
    assertEquals(92, count("SELECT count(*) FROM prices WHERE zone = 'NL' AND revision = 1"));
    assertEquals(0, count("SELECT count(*) FROM price_revisions WHERE zone = 'NL'"));
  }

  @Test
  void changedPricesGetTheNextRevisionAndTheOldValueIsKept() throws Exception {
    LocalDate day = LocalDate.parse("2026-06-15");
    PriceCurve original = curve("FR", day, 15, q -> 50.0);
    PriceCurve corrected = curve("FR", day, 15, q -> q == 10 || q == 11 ? 75.5 : 50.0);
    await(store.store(original));

    PriceStore.Stored stored = await(store.store(withFetchedAt(corrected, FETCHED.plusSeconds(60))));

    assertEquals(new PriceStore.Stored(0, 2, 0), stored);
    Instant tenth = corrected.points().get(10).start();
    Row row = row("SELECT price_eur_mwh, revision FROM prices WHERE zone = 'FR' AND mtu_start = $1", tenth);
    assertEquals(75.5, row.getDouble("price_eur_mwh"));
    assertEquals(2, row.getInteger("revision"));
    Row old = row("SELECT price_eur_mwh, revision FROM price_revisions WHERE zone = 'FR' AND mtu_start = $1", tenth);
    assertEquals(50.0, old.getDouble("price_eur_mwh"));
    assertEquals(1, old.getInteger("revision"));
    assertEquals(Optional.of(withFetchedAt(corrected, FETCHED.plusSeconds(60))), await(store.curve("FR", day)));
  }

  @Test
  void aDayThatChangesResolutionReplacesItsMtusAndKeepsTheOldOnesAsRevisions() throws Exception {
    LocalDate day = LocalDate.parse("2026-10-25");
    PriceCurve hourly = curve("AT", day, 60, h -> 80.0 + h);
    PriceCurve quarterly = curve("AT", day, 15, q -> 80.0 + q / 4);

    PriceStore.Stored first = await(store.store(hourly));
    PriceStore.Stored toQuarters = await(store.store(quarterly));
    PriceStore.Stored backToHours = await(store.store(hourly));
    PriceStore.Stored quartersAgain = await(store.store(quarterly));

    assertEquals(new PriceStore.Stored(25, 0, 0), first);
    // each hour's first quarter keeps its price but not its length: a revision; the other 75 are new
    assertEquals(new PriceStore.Stored(75, 25, 0), toQuarters);
    assertEquals(new PriceStore.Stored(0, 25, 75), backToHours);
    assertEquals(new PriceStore.Stored(75, 25, 0), quartersAgain);
    assertEquals(Optional.of(quarterly), await(store.curve("AT", day)));
    assertEquals(100, count("SELECT count(*) FROM prices WHERE zone = 'AT' AND delivery_day = '2026-10-25'"));
    // the quarter-hours that came back continue their own revision numbers
    Instant second = quarterly.points().get(1).start();
    assertEquals(2, row("SELECT revision FROM prices WHERE zone = 'AT' AND mtu_start = $1", second)
      .getInteger("revision"));
    assertEquals(25 + 100 + 25, count("SELECT count(*) FROM price_revisions WHERE zone = 'AT'"));
  }

  @Test
  void twoWritersOfTheSameCurveAtOnceInsertItOnce() throws Exception {
    PriceCurve curve = curve("BE", LocalDate.parse("2026-01-15"), 15, q -> q);

    List<PriceStore.Stored> both = await(Future.all(store.store(curve), store.store(curve))).list();

    assertEquals(96, both.get(0).inserted() + both.get(1).inserted());
    assertEquals(96, count("SELECT count(*) FROM prices WHERE zone = 'BE'"));
  }

  @Test
  void hasDayTellsWhetherADayIsStored() throws Exception {
    PriceCurve curve = curve("PL", LocalDate.parse("2026-02-01"), 15, q -> 10);
    await(store.store(curve));

    assertTrue(await(store.hasDay("PL", curve.deliveryDay())));
    assertFalse(await(store.hasDay("PL", curve.deliveryDay().plusDays(1))));
  }

  @Test
  void staleIsMarkedOnceAndClearedOnce() throws Exception {
    LocalDate missing = LocalDate.parse("2026-03-30");
    Instant since = Instant.parse("2026-03-29T13:30:00Z");

    assertEquals(Optional.empty(), await(store.staleness("SE_3")));
    assertTrue(await(store.markStale("SE_3", missing, since)));
    assertFalse(await(store.markStale("SE_3", missing, since.plusSeconds(60))), "already stale");
    assertFalse(await(store.markStale("SE_3", missing.plusDays(1), since.plusSeconds(86_400))),
      "still stale for the first missing day");
    assertEquals(Optional.of(new PriceStore.Staleness(missing, since)), await(store.staleness("SE_3")));
    assertEquals(Optional.of(missing), await(store.clearStale("SE_3")));
    assertEquals(Optional.empty(), await(store.clearStale("SE_3")));
    assertEquals(Optional.empty(), await(store.staleness("SE_3")));
  }

  @Test
  void theEarliestMissingDayMovesOnWhileStaleSinceStaysUntilCleared() throws Exception {
    LocalDate missing = LocalDate.parse("2026-03-30");
    Instant since = Instant.parse("2026-03-29T13:30:00Z");

    await(store.markMissing("SE_4", missing, since));
    await(store.markMissing("SE_4", missing.plusDays(1), since.plusSeconds(86_400)));
    assertEquals(Optional.of(new PriceStore.Staleness(missing.plusDays(1), since)), await(store.staleness("SE_4")));
    assertEquals(Optional.of(missing.plusDays(1)), await(store.clearStale("SE_4")));
    await(store.markMissing("SE_4", missing.plusDays(2), since.plusSeconds(2 * 86_400)));
    assertEquals(Optional.of(new PriceStore.Staleness(missing.plusDays(2), since.plusSeconds(2 * 86_400))),
      await(store.staleness("SE_4")));
  }

  /** A complete day of the given MTU length (in minutes), MTU i priced by the function. */
  static PriceCurve curve(String zone, LocalDate day, int minutes, IntToDoubleFunction price) {
    Duration mtu = Duration.ofMinutes(minutes);
    List<PriceCurve.Point> points = new ArrayList<>();
    Instant end = EntsoeDocumentParser.dayStart(day.plusDays(1));
    int i = 0;
    for (Instant t = EntsoeDocumentParser.dayStart(day); t.isBefore(end); t = t.plus(mtu)) {
      points.add(new PriceCurve.Point(t, t.plus(mtu), price.applyAsDouble(i++)));
    }
    return new PriceCurve(zone, "EUR", "MWh", mtu, day, FETCHED, "entsoe", points);
  }

  private static PriceCurve withFetchedAt(PriceCurve curve, Instant fetchedAt) {
    return new PriceCurve(curve.zone(), curve.currency(), curve.unit(), curve.resolution(), curve.deliveryDay(),
      fetchedAt, curve.source(), curve.points());
  }

  private static long count(String sql) throws Exception {
    return await(pool.query(sql).execute()).iterator().next().getLong(0);
  }

  private static Row row(String sql, Instant mtuStart) throws Exception {
    return await(pool.preparedQuery(sql).execute(Tuple.of(PriceStore.utc(mtuStart)))).iterator().next();
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
