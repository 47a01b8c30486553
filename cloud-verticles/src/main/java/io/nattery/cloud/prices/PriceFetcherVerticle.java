package io.nattery.cloud.prices;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.cluster.ClusterSingleton;
import io.nattery.cloud.db.Database;
import io.nattery.protocol.PriceCurve;
import io.nattery.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Keeps today's and tomorrow's day-ahead prices of the configured zones in PostgreSQL, on one node of the cluster
 * at a time ({@link ClusterSingleton}). At start it fetches today and tomorrow when missing; every day after
 * {@code publish_after} (Europe/Brussels) plus a random jitter it fetches tomorrow, retrying with exponential backoff
 * (at least what a Retry-After asks) until tomorrow is complete. A day whose prices are missing when they should be
 * there (today at any time, tomorrow from {@code stale_deadline} on) makes the zone's prices stale and raises an
 * alert for that day ({@link StaleDays}), cleared when that day's prices are stored or, if they never come, once the
 * day has passed. The zone's status row keeps the earliest stale day, so another node taking over knows it.
 * Every curve that changed what was stored is published on {@link Addresses#PRICES_UPDATED} and, retained, on
 * {@code prices/{zone}/day-ahead} (retried until the broker took it).
 *
 * <p>Configuration (the node's {@code prices} block, plus {@code postgres}): {@code source} ({@code entsoe}, or
 * {@code synthetic} for the demo: generated curves, fetched at midnight for the next day), {@code zones},
 * {@code publish_after} ("13:00"), {@code jitter_s} (600), {@code backoff_min_s} (30), {@code backoff_max_s} (900),
 * {@code stale_deadline} ("15:30"), {@code singleton_retry_s} (10), and the client's {@code base_url},
 * {@code token_env}/{@code token_file}, {@code request_timeout_s}, {@code connect_timeout_s}.
 */
public class PriceFetcherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PriceFetcherVerticle.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);

  private final Clock clock;
  private final Random random = new Random();
  private final Map<String, ZoneJob> jobs = new LinkedHashMap<>();
  private final Map<String, Long> failures = new TreeMap<>();
  private long fetches;
  private long retries;
  private long notPublished;
  private long incompleteAnswers;
  private long storedCurves;
  private long parseErrors;
  private long storeFailures;
  private long mqttPublishFailures;

  private Settings settings;
  private PriceSource source;
  private Pool pool;
  private PriceStore store;
  private ClusterSingleton singleton;
  private boolean stopped;

  public PriceFetcherVerticle() {
    this(Clock.systemUTC());
  }

  /** @param clock what "now" is, so tests can place the fetcher at any time of day */
  public PriceFetcherVerticle(Clock clock) {
    this.clock = clock;
  }

  /** The {@code prices} configuration, checked. */
  record Settings(String source, List<String> zones, LocalTime publishAfter, Duration jitter, Duration backoffMin,
                  Duration backoffMax, LocalTime staleDeadline, Duration singletonRetry) {

    boolean synthetic() {
      return source.equals(SyntheticPrices.SOURCE);
    }

    static Settings from(JsonObject config) {
      String source = config.getString("source", "entsoe");
      if (!source.equals("entsoe") && !source.equals(SyntheticPrices.SOURCE)) {
        throw new IllegalArgumentException("source must be entsoe or synthetic, not " + source);
      }
      boolean synthetic = source.equals(SyntheticPrices.SOURCE);
      JsonArray zoneList = config.getJsonArray("zones", new JsonArray());
      List<String> zones = new ArrayList<>();
      for (Object zone : zoneList) {
        if (!(zone instanceof String code) || !BiddingZones.isKnown(code)) {
          throw new IllegalArgumentException("zones: unknown bidding zone " + zone + " (known: "
            + String.join(" ", BiddingZones.zones()) + ")");
        }
        zones.add(code);
      }
      if (zones.isEmpty()) {
        throw new IllegalArgumentException("zones: name at least one bidding zone, e.g. [\"DE_LU\"]");
      }
      Duration backoffMin = seconds(config, "backoff_min_s", 30);
      Duration backoffMax = seconds(config, "backoff_max_s", 900);
      if (backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
        throw new IllegalArgumentException("backoff_min_s must be above 0 and at most backoff_max_s");
      }
      return new Settings(source, List.copyOf(zones), time(config, "publish_after", synthetic ? "00:00" : "13:00"),
        seconds(config, "jitter_s", synthetic ? 0 : 600), backoffMin, backoffMax,
        time(config, "stale_deadline", "15:30"), seconds(config, "singleton_retry_s", 10));
    }

    private static LocalTime time(JsonObject config, String key, String fallback) {
      String text = config.getString(key, fallback);
      try {
        return LocalTime.parse(text);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(key + " must be a time of day, HH:mm (Europe/Brussels), not " + text);
      }
    }

    private static Duration seconds(JsonObject config, String key, double fallback) {
      Object value = config.getValue(key, fallback);
      if (!(value instanceof Number number) || number.doubleValue() < 0) {
        throw new IllegalArgumentException(key + " must be a number of seconds, not " + value);
      }
      return Duration.ofMillis(Math.round(number.doubleValue() * 1000));
    }
  }

  @Override
  public Future<?> start() {
    try {
      settings = Settings.from(config());
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture(new IllegalArgumentException("prices: " + e.getMessage()));
    }
    pool = Database.pool(vertx, config().getJsonObject("postgres", new JsonObject()));
    store = new PriceStore(pool);
    source = settings.synthetic() ? new SyntheticPrices(clock) : new EntsoeClient(vertx, config(), clock);
    settings.zones().forEach(zone -> jobs.put(zone, new ZoneJob(zone)));
    singleton = new ClusterSingleton(vertx, "price-fetcher", settings.singletonRetry().toMillis(), this::lead);
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.PRICES_STATS, message -> message.reply(stats()))
      .completion()
      .onSuccess(registered -> singleton.start());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    jobs.values().forEach(ZoneJob::cancel);
    if (singleton != null) {
      singleton.stop();
    }
    if (source != null) {
      source.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  /** Runs once this node holds the cluster-wide lock. */
  private void lead() {
    LOG.info("fetching day-ahead prices [source: {}, zones: {}]", settings.source(), settings.zones());
    for (ZoneJob job : jobs.values()) {
      store.staleness(job.zone)
        .onSuccess(staleness -> staleness.ifPresent(s -> job.stale.restore(s.missingDay())))
        .onFailure(e -> LOG.warn("cannot read whether prices are stale [zone: {}]: {}", job.zone, e.getMessage()))
        .onComplete(read -> {
          job.run();
          job.scheduleCheck();
        });
    }
  }

  private JsonObject stats() {
    JsonObject stale = new JsonObject();
    JsonObject next = new JsonObject();
    jobs.values().forEach(job -> {
      if (!job.stale.isEmpty()) {
        stale.put(job.zone, new JsonArray(job.stale.days().stream().map(LocalDate::toString).toList()));
      }
      if (job.nextAttempt != null) {
        next.put(job.zone, text(job.nextAttempt));
      }
    });
    JsonObject failed = new JsonObject();
    failures.forEach(failed::put);
    return new JsonObject()
      .put("leader", singleton != null && singleton.isLeader())
      .put("source", settings.source())
      .put("zones", new JsonArray(settings.zones()))
      .put("fetches", fetches)
      .put("retries", retries)
      .put("not_published", notPublished)
      .put("incomplete_answers", incompleteAnswers)
      .put("stored_curves", storedCurves)
      .put("parse_errors", parseErrors)
      .put("store_failures", storeFailures)
      .put("mqtt_publish_failures", mqttPublishFailures)
      .put("failures", failed)
      .put("stale", stale)
      .put("next_attempt", next);
  }

  private LocalDate today() {
    return EntsoeDocumentParser.deliveryDay(clock.instant());
  }

  private static Instant at(LocalDate day, LocalTime time) {
    return ZonedDateTime.of(day, time, EntsoeDocumentParser.DELIVERY_TIME_ZONE).toInstant();
  }

  private long later(Duration wait, Runnable action) {
    return vertx.setTimer(Math.max(1, wait.toMillis()), id -> action.run());
  }

  private static String text(Instant instant) {
    return instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /** How one attempt ended: all wanted days stored, or not, with the wait the server asked for. */
  private record Attempt(boolean complete, Duration askedWait) {
  }

  /** The fetch loop, deadline and retained publication of one zone; runs on the verticle's event loop only. */
  private final class ZoneJob {
    final String zone;
    Duration backoff = settings.backoffMin();
    Duration mqttBackoff = settings.backoffMin();
    long fetchTimer = -1;
    long checkTimer = -1;
    long mqttTimer = -1;
    boolean running;
    Instant nextAttempt;
    final StaleDays stale = new StaleDays(settings.staleDeadline());
    /** A staleness check is reading the store; another one asked for meanwhile runs after it. */
    boolean checking;
    boolean checkAgain;
    /** Days stored while a check was reading the store: present, whatever the check read. */
    final Set<LocalDate> storedDuringCheck = new HashSet<>();
    /** The status row may not say what {@link #stale} holds: a write failed. */
    boolean statusUnsaved;
    String mqttPending;
    boolean mqttInFlight;

    ZoneJob(String zone) {
      this.zone = zone;
    }

    void run() {
      fetchTimer = -1;
      nextAttempt = null;
      if (stopped || running) {
        return;
      }
      running = true;
      LocalDate today = today();
      LocalDate tomorrow = today.plusDays(1);
      boolean tomorrowDue = !clock.instant().isBefore(at(today, settings.publishAfter()));
      Future<Boolean> haveToday = store.hasDay(zone, today);
      Future<Boolean> haveTomorrow = store.hasDay(zone, tomorrow);
      Future.all(haveToday, haveTomorrow)
        .compose(read -> {
          boolean needToday = !haveToday.result();
          boolean needTomorrow = tomorrowDue && !haveTomorrow.result();
          if (!needToday && !needTomorrow) {
            return Future.succeededFuture(new Attempt(true, null));
          }
          LocalDate first = needToday ? today : tomorrow;
          LocalDate last = needTomorrow ? tomorrow : today;
          fetches++;
          return source.dayAhead(zone, first, last).compose(outcome -> handle(outcome, first, last));
        })
        .onComplete(done -> {
          running = false;
          if (stopped) {
            return;
          }
          if (done.failed()) {
            storeFailures++;
            LOG.warn("cannot read or write stored prices [zone: {}]: {}", zone, done.cause().getMessage());
            retry(null);
          } else if (done.result().complete()) {
            backoff = settings.backoffMin();
            sleepUntilPublication();
          } else {
            retry(done.result().askedWait());
          }
          checkStale();
        });
    }

    private Future<Attempt> handle(FetchOutcome outcome, LocalDate first, LocalDate last) {
      if (outcome instanceof FetchOutcome.Published published) {
        List<PriceCurve> days = published.prices().days();
        boolean complete = first.datesUntil(last.plusDays(1))
          .allMatch(day -> days.stream().anyMatch(curve -> curve.deliveryDay().equals(day)));
        if (!complete) {
          incompleteAnswers++;
          LOG.info("prices incomplete [zone: {}, days: {}..{}, incomplete: {}]", zone, first, last,
            published.prices().incompleteDays().stream().map(EntsoeDocument.IncompleteDay::describe).toList());
        }
        return storeAll(days).map(v -> new Attempt(complete, null));
      }
      if (outcome instanceof FetchOutcome.NotPublished none) {
        notPublished++;
        LOG.info("prices not published yet [zone: {}, days: {}..{}]: {}", zone, first, last, none.reason());
        return Future.succeededFuture(new Attempt(false, null));
      }
      FetchOutcome.Failed failed = (FetchOutcome.Failed) outcome;
      failures.merge(failed.kind().wire(), 1L, Long::sum);
      if (failed.kind() == FetchOutcome.Failure.MALFORMED_DOCUMENT) {
        parseErrors++;
      }
      if (failed.retryable()) {
        LOG.warn("price fetch failed, will retry [zone: {}, kind: {}]: {}", zone, failed.kind().wire(),
          failed.detail());
        return Future.succeededFuture(new Attempt(false, failed.retryAfter()));
      }
      LOG.error("price fetch failed until fixed [zone: {}, kind: {}]: {}; trying again every {} ms", zone,
        failed.kind().wire(), failed.detail(), settings.backoffMax().toMillis());
      return Future.succeededFuture(new Attempt(false, settings.backoffMax()));
    }

    private Future<Void> storeAll(List<PriceCurve> curves) {
      Future<Void> chain = Future.succeededFuture();
      for (PriceCurve curve : curves) {
        chain = chain.compose(v -> store.store(curve)).compose(stored -> afterStore(curve, stored));
      }
      return chain;
    }

    private Future<Void> afterStore(PriceCurve curve, PriceStore.Stored stored) {
      if (checking) {
        storedDuringCheck.add(curve.deliveryDay());
      }
      Future<Void> cleared = stale.arrived(curve.deliveryDay())
        .map(change -> {
          tell(change);
          return saveStatus();
        })
        .orElse(Future.succeededFuture());
      return cleared.map(v -> {
        if (stored.changed()) {
          storedCurves++;
          LOG.info("stored day-ahead prices [zone: {}, day: {}, source: {}, mtus: {}, new: {}, revised: {}, "
              + "removed: {}]", zone, curve.deliveryDay(), curve.source(), curve.points().size(), stored.inserted(),
            stored.revised(), stored.removed());
          vertx.eventBus().publish(Addresses.PRICES_UPDATED, new JsonObject()
            .put("zone", zone)
            .put("delivery_day", curve.deliveryDay().toString())
            .put("stale", !stale.isEmpty())
            .put("curve", curve.toJson()));
          mqttPending = curve.toJson().encode();
          publishRetained();
        }
        return null;
      });
    }

    private void retry(Duration asked) {
      Duration wait = asked != null && asked.compareTo(backoff) > 0 ? asked : backoff;
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : doubled;
      retries++;
      schedule(wait);
    }

    private void sleepUntilPublication() {
      Instant now = clock.instant();
      LocalDate today = today();
      Instant next = at(today, settings.publishAfter());
      if (!now.isBefore(next)) {
        next = at(today.plusDays(1), settings.publishAfter());
      }
      next = next.plusMillis((long) (random.nextDouble() * settings.jitter().toMillis()));
      schedule(Duration.between(now, next));
    }

    private void schedule(Duration wait) {
      if (stopped) {
        return;
      }
      if (fetchTimer >= 0) {
        vertx.cancelTimer(fetchTimer);
      }
      nextAttempt = clock.instant().plus(wait);
      fetchTimer = later(wait, this::run);
    }

    /** Checks again at the next deadline or midnight (Europe/Brussels), whichever comes first. */
    void scheduleCheck() {
      if (stopped) {
        return;
      }
      Instant now = clock.instant();
      Instant deadline = at(today(), settings.staleDeadline());
      Instant midnight = EntsoeDocumentParser.dayStart(today().plusDays(1));
      Instant next = now.isBefore(deadline) && deadline.isBefore(midnight) ? deadline : midnight;
      checkTimer = later(Duration.between(now, next), () -> {
        checkStale();
        scheduleCheck();
      });
    }

    /** Raises every missing day not raised yet, clears every stale day stored or passed (one check at a time). */
    void checkStale() {
      if (stopped) {
        return;
      }
      if (checking) {
        checkAgain = true;
        return;
      }
      checking = true;
      storedDuringCheck.clear();
      LocalDate today = today();
      boolean pastDeadline = !clock.instant().isBefore(at(today, settings.staleDeadline()));
      Future<Boolean> haveToday = store.hasDay(zone, today);
      Future<Boolean> haveTomorrow = store.hasDay(zone, today.plusDays(1));
      Future.all(haveToday, haveTomorrow)
        .compose(read -> {
          List<StaleDays.Change> changes = stale.check(today, pastDeadline,
            haveToday.result() || storedDuringCheck.contains(today),
            haveTomorrow.result() || storedDuringCheck.contains(today.plusDays(1)));
          if (stopped) {
            return Future.succeededFuture();
          }
          changes.forEach(this::tell);
          return changes.isEmpty() && !statusUnsaved ? Future.succeededFuture() : saveStatus();
        })
        .onFailure(e -> LOG.warn("cannot check whether prices are stale [zone: {}]: {}", zone, e.getMessage()))
        .onComplete(done -> {
          checking = false;
          if (checkAgain) {
            checkAgain = false;
            checkStale();
          }
        });
    }

    /** Writes the zone's status row: stale since its earliest missing day, or not stale. */
    private Future<Void> saveStatus() {
      Future<?> written = stale.isEmpty() ? store.clearStale(zone)
        : store.markMissing(zone, stale.days().first(), clock.instant());
      return written.transform(done -> {
        statusUnsaved = done.failed();
        if (done.failed()) {
          LOG.warn("cannot record whether prices are stale [zone: {}]: {}", zone, done.cause().getMessage());
        }
        return Future.succeededFuture();
      });
    }

    private void tell(StaleDays.Change change) {
      if (change.raised()) {
        LOG.warn("prices stale [zone: {}]: {}", zone, change.detail());
      } else {
        LOG.info("prices no longer stale for {} [zone: {}]: {}", change.day(), zone, change.detail());
      }
      alert(change.raised() ? "raised" : "cleared", change.day(), change.detail());
      if (change.state() != StaleDays.State.ARRIVED) {
        // no curve comes with this: say so without one (a stored curve carries the flag itself)
        vertx.eventBus().publish(Addresses.PRICES_UPDATED, new JsonObject()
          .put("zone", zone).put("delivery_day", change.day().toString()).put("stale", !stale.isEmpty())
          .putNull("curve"));
      }
    }

    private void alert(String state, LocalDate missingDay, String detail) {
      vertx.eventBus().publish(Addresses.ALERTS, new JsonObject()
        .put("alert_id", "prices_stale/" + zone + "/" + missingDay)
        .put("type", "prices_stale")
        .put("severity", "warning")
        .put("state", state)
        .put("zone", zone)
        .put("detail", detail)
        .put("ts", text(clock.instant())));
    }

    /** Sends the newest curve to the retained topic; a failed send is retried, an older pending one dropped. */
    private void publishRetained() {
      mqttTimer = -1;
      if (stopped || mqttInFlight || mqttPending == null) {
        return;
      }
      String payload = mqttPending;
      mqttInFlight = true;
      JsonObject publish = new JsonObject().put("topic", Topics.prices(zone)).put("payload", payload)
        .put("qos", 1).put("retain", true);
      vertx.eventBus().request(Addresses.MQTT_PUBLISH, publish, LOCAL).onComplete(sent -> {
        mqttInFlight = false;
        if (sent.succeeded()) {
          mqttBackoff = settings.backoffMin();
          if (payload.equals(mqttPending)) {
            mqttPending = null;
          } else {
            publishRetained();
          }
          return;
        }
        mqttPublishFailures++;
        LOG.warn("cannot publish the retained price topic, will retry in {} ms [zone: {}]: {}", mqttBackoff.toMillis(),
          zone, sent.cause().getMessage());
        if (!stopped) {
          mqttTimer = later(mqttBackoff, this::publishRetained);
          Duration doubled = mqttBackoff.multipliedBy(2);
          mqttBackoff = doubled.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : doubled;
        }
      });
    }

    void cancel() {
      for (long timer : new long[] {fetchTimer, checkTimer, mqttTimer}) {
        if (timer >= 0) {
          vertx.cancelTimer(timer);
        }
      }
    }
  }
}
