package io.nattery.cloud.trading;

import io.nattery.cloud.dispatch.RedeliveryVerticle;
import io.nattery.cloud.Addresses;
import io.nattery.cloud.cluster.ClusterSingleton;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.history.HistoryReads;
import io.nattery.cloud.prices.PriceStore;
import io.nattery.protocol.PriceCurve;
import io.nattery.protocol.ScheduleRules;
import io.nattery.protocol.Topics;
import io.nattery.protocol.battery.BatteryModel;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The trading run, once per cluster: on every new price curve ({@code prices.updated}), when it takes over the
 * lead, and on demand ({@link Addresses#TRADING_PLAN}), it plans each device of the curve's zone under its
 * strategy, records the planned value and sends the schedule, retained, to the device. A device holds one
 * retained schedule and a newer one replaces an older from its first slot on, so every schedule covers all
 * that is known: from the next MTU boundary to the end of the last day with prices (today, and tomorrow once
 * published), planned in one piece from the SOC the device last reported.
 */
public class TradingVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TradingVerticle.class);
  private static final ZoneId MARKET_TIME = ZoneId.of("Europe/Brussels");
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setSendTimeout(10_000).setLocalOnly(true);
  private static final int PUBLISH_ATTEMPTS = 3;
  private static final long PUBLISH_RETRY_MS = 1_000;
  private static final double DEFAULT_SOC_PCT = 50;
  private static final int FORECAST_DAYS = 7;

  private final Clock clock;
  private final DispatchOptimiser optimiser = new DispatchOptimiser();
  private final ScheduleRules rules = new ScheduleRules();
  private Pool pool;
  /** The telemetry history, for peak-shaving load forecasts; null when the node keeps none. */
  private Pool historyPool;
  private SiteLoadHistory loadHistory;
  private TradingStore store;
  private PriceStore prices;
  private ClusterSingleton singleton;
  private MessageConsumer<JsonObject> onDemand;
  private long planTimeLimitMs;
  private int batchSize;
  private int sendConcurrency;
  /** One run at a time: a second curve arriving during a run waits for it, so versions follow plan order. */
  private Future<?> running = Future.succeededFuture();

  public TradingVerticle() {
    this(Clock.systemUTC());
  }

  public TradingVerticle(Clock clock) {
    this.clock = clock;
  }

  /** The node's defaults for devices without a strategy, from the {@code trading} configuration. */
  public static TradingStore.Defaults defaults(JsonObject trading) {
    String kind = trading.getString("default_strategy", "arbitrage");
    Strategy.Kind parsed = Strategy.Kind.fromWire(kind);
    if (parsed == null) {
      throw new IllegalArgumentException("trading.default_strategy is not a strategy: " + kind);
    }
    String zone = trading.getString("default_zone", "DE_LU");
    if (!io.nattery.cloud.prices.BiddingZones.isKnown(zone)) {
      throw new IllegalArgumentException("trading.default_zone is not a bidding zone: " + zone);
    }
    return new TradingStore.Defaults(zone, parsed);
  }

  /** Deployment of the trading run from the node's configuration (its {@code trading} and {@code postgres}). */
  public static DeploymentOptions options(JsonObject node) {
    JsonObject config = node.getJsonObject("trading", new JsonObject()).copy()
      .put("postgres", node.getJsonObject("postgres"))
      .put("dispatch", node.getJsonObject("dispatch", new JsonObject()));
    if (node.getJsonObject("history", new JsonObject()).containsKey("pg")) {
      config.put("history_pg", node.getJsonObject("history").getJsonObject("pg"));
    }
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() {
    JsonObject config = config();
    pool = Database.pool(vertx, config.getJsonObject("postgres", new JsonObject()));
    store = new TradingStore(pool, defaults(config));
    prices = new PriceStore(pool);
    if (config.containsKey("history_pg")) {
      historyPool = HistoryReads.pool(vertx, config.getJsonObject("history_pg"));
      loadHistory = new SiteLoadHistory(historyPool);
    }
    planTimeLimitMs = config.getLong("plan_time_limit_ms", 500L);
    batchSize = config.getInteger("batch_size", 250);
    sendConcurrency = config.getInteger("send_concurrency", 16);
    vertx.eventBus().<JsonObject>consumer(Addresses.PRICES_UPDATED, this::onPrices);
    singleton = new ClusterSingleton(vertx, "trading", config.getLong("lead_retry_ms", 5_000L), this::lead);
    singleton.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    singleton.stop();
    return historyPool == null ? pool.close() : Future.join(pool.close(), historyPool.close());
  }

  private void lead() {
    onDemand = vertx.eventBus().consumer(Addresses.TRADING_PLAN, this::onDemand);
    // catch up on what the previous leader (or a stopped node) left unplanned
    serialised(() -> store.all()
      .compose(devices -> {
        Set<String> zones = devices.stream().flatMap(d -> d.strategy().stream()).map(Strategy::zone)
          .collect(Collectors.toCollection(java.util.TreeSet::new));
        Future<JsonObject> chain = Future.succeededFuture();
        for (String zone : zones) {
          chain = chain.compose(r -> run(zone, null, true));
        }
        return chain;
      }));
  }

  private void onPrices(Message<JsonObject> message) {
    if (!singleton.isLeader()) {
      return;
    }
    JsonObject body = message.body();
    String zone = body.getString("zone");
    LocalDate day;
    try {
      day = LocalDate.parse(body.getString("delivery_day"));
    } catch (RuntimeException e) {
      LOG.warn("ignored a prices.updated without a delivery day [zone: {}]", zone);
      return;
    }
    if (body.getJsonObject("curve") == null || day.isBefore(LocalDate.now(clock.withZone(MARKET_TIME)))) {
      return; // a stale marker, or a past day: nothing new to plan
    }
    serialised(() -> run(zone, null, false));
  }

  /** {@code {"device_id"}}: plans that device again; {@code {"zone"}}: every device of the zone. */
  private void onDemand(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String deviceId = body.getString("device_id");
    String zone = body.getString("zone");
    Future<JsonObject> result;
    if (deviceId != null) {
      result = serialised(() -> store.find(deviceId).compose(found -> {
        Optional<Strategy> strategy = found.flatMap(TradingStore.DeviceStrategy::strategy);
        return strategy.isEmpty() ? Future.succeededFuture(counts(0, 1, 0))
          : run(strategy.get().zone(), deviceId, false);
      }));
    } else if (zone != null) {
      result = serialised(() -> run(zone, null, false));
    } else {
      message.fail(400, "need {\"device_id\"} or {\"zone\"}");
      return;
    }
    result.onSuccess(message::reply).onFailure(e -> message.fail(500, e.getMessage()));
  }

  private <T> Future<T> serialised(java.util.function.Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    running = running.eventually(() -> work.get().onComplete(done).otherwiseEmpty());
    return done.future();
  }

  /**
   * Plans the devices of {@code zone} (or just {@code onlyDevice}) from the next MTU boundary to the end of the
   * last day with prices; with {@code onlyMissing}, only those without a sent schedule reaching that day yet.
   */
  private Future<JsonObject> run(String zone, String onlyDevice, boolean onlyMissing) {
    long started = System.nanoTime();
    LocalDate today = LocalDate.now(clock.withZone(MARKET_TIME));
    return Future.all(prices.curve(zone, today), prices.curve(zone, today.plusDays(1))).compose(curves -> {
      Optional<PriceCurve> todays = curves.resultAt(0);
      Optional<PriceCurve> tomorrows = curves.resultAt(1);
      Horizon horizon = Horizon.of(clock.instant(), todays, tomorrows);
      if (horizon == null) {
        return Future.succeededFuture(counts(0, 0, 0));
      }
      return store.all().compose(all -> {
        List<TradingStore.DeviceStrategy> devices = all.stream()
          .filter(d -> onlyDevice == null || d.deviceId().equals(onlyDevice))
          .filter(d -> d.strategy().filter(s -> s.zone().equals(zone) && s.kind() != Strategy.Kind.NONE).isPresent())
          .toList();
        Future<Set<String>> planned = onlyMissing ? store.plannedDevices(horizon.lastDay())
          : Future.succeededFuture(Set.of());
        return planned.compose(skip -> {
          List<TradingStore.DeviceStrategy> todo = devices.stream().filter(d -> !skip.contains(d.deviceId())).toList();
          return startingSoc(todo).compose(socs -> loadForecasts(todo, horizon.points())
            .compose(forecasts -> plan(zone, horizon, todo, socs, forecasts)));
        });
      });
    }).onSuccess(counts -> {
      if (counts.getInteger("planned") + counts.getInteger("failed") > 0) {
        LOG.info("trading run [zone: {}]: {} planned, {} failed in {} ms", zone, counts.getInteger("planned"),
          counts.getInteger("failed"), (System.nanoTime() - started) / 1_000_000);
      }
    });
  }

  /** The SOC each device starts from: its last report, else the default. */
  private Future<Map<String, Double>> startingSoc(List<TradingStore.DeviceStrategy> devices) {
    return reportedSoc().map(reported -> {
      Map<String, Double> socs = new HashMap<>();
      for (TradingStore.DeviceStrategy device : devices) {
        socs.put(device.deviceId(), reported.getOrDefault(device.deviceId(), DEFAULT_SOC_PCT));
      }
      return socs;
    });
  }

  /** The latest reported SOC of every device the device-state service knows, paging through its list. */
  private Future<Map<String, Double>> reportedSoc() {
    Map<String, Double> socs = new HashMap<>();
    return reportedSocPage(null, socs).map(socs);
  }

  private Future<Void> reportedSocPage(String after, Map<String, Double> socs) {
    JsonObject query = new JsonObject().put("op", "list").put("limit", 1000).put("after", after);
    return vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY, query, LOCAL).compose(reply -> {
      JsonArray items = reply.body().getJsonArray("items", new JsonArray());
      for (int i = 0; i < items.size(); i++) {
        JsonObject device = items.getJsonObject(i);
        JsonObject telemetry = device.getJsonObject("telemetry");
        if (telemetry != null && telemetry.getValue("soc_pct") instanceof Number soc) {
          socs.put(device.getString("device_id"), soc.doubleValue());
        }
      }
      String last = reply.body().getString("last");
      return last == null || items.isEmpty() ? Future.succeededFuture() : reportedSocPage(last, socs);
    }).recover(e -> {
      LOG.warn("device state unavailable; plans start from their default SOC: {}", e.getMessage());
      return Future.succeededFuture();
    });
  }

  /**
   * The site-load forecast of each peak-shaving device from its last {@link #FORECAST_DAYS} days of history;
   * a device without one (no history, or the history unreadable) is planned with its own draw limited instead.
   */
  private Future<Map<String, double[]>> loadForecasts(List<TradingStore.DeviceStrategy> devices,
                                                      List<PriceCurve.Point> points) {
    Map<String, double[]> forecasts = new HashMap<>();
    if (loadHistory == null) {
      return Future.succeededFuture(forecasts);
    }
    Instant to = clock.instant();
    Instant from = to.minus(Duration.ofDays(FORECAST_DAYS));
    Future<Void> chain = Future.succeededFuture();
    for (TradingStore.DeviceStrategy device : devices) {
      if (device.strategy().orElseThrow().kind() != Strategy.Kind.PEAK_SHAVING) {
        continue;
      }
      chain = chain.compose(v -> loadHistory.samples(device.deviceId(), from, to)
        .map(samples -> SiteLoadForecast.of(samples, points, MARKET_TIME))
        .onSuccess(forecast -> {
          if (forecast != null) {
            forecasts.put(device.deviceId(), forecast);
          }
        })
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.warn("no load forecast [device: {}]: {}", device.deviceId(), e.getMessage());
          return Future.succeededFuture();
        }));
    }
    return chain.map(forecasts);
  }

  private Future<JsonObject> plan(String zone, Horizon horizon, List<TradingStore.DeviceStrategy> devices,
                                  Map<String, Double> socs, Map<String, double[]> forecasts) {
    LocalDate day = horizon.lastDay();
    double hours = horizon.resolution().toSeconds() / 3600.0;
    double[] priceArray = horizon.points().stream().mapToDouble(PriceCurve.Point::price).toArray();
    List<Future<List<Planned>>> batches = new ArrayList<>();
    AtomicInteger unplannable = new AtomicInteger();
    for (int from = 0; from < devices.size(); from += batchSize) {
      List<TradingStore.DeviceStrategy> batch = devices.subList(from, Math.min(devices.size(), from + batchSize));
      // the optimiser is CPU work: batches on the worker pool, unordered, so that both cores plan
      batches.add(vertx.executeBlocking(() -> {
        List<Planned> plans = new ArrayList<>();
        for (TradingStore.DeviceStrategy device : batch) {
          Strategy strategy = device.strategy().orElseThrow();
          if (strategy.kind() == Strategy.Kind.SELF_CONSUMPTION) {
            plans.add(new Planned(device, strategy, null));
            continue;
          }
          BatteryModel battery = strategy.battery();
          double soc = socs.get(device.deviceId());
          // without a load forecast the site's own load is unknown: the limit then bounds what the battery draws
          double[] siteLoad = strategy.importLimitKw() == null ? null
            : forecasts.getOrDefault(device.deviceId(), new double[priceArray.length]);
          PlanRequest request = new PlanRequest(battery, battery.capacityKwh() * soc / 100, hours, priceArray, siteLoad,
            strategy.importLimitKw() == null ? Double.NaN : strategy.importLimitKw(), planTimeLimitMs);
          try {
            plans.add(new Planned(device, strategy, optimiser.plan(request)));
          } catch (RuntimeException e) {
            // one device's impossible battery, or an optimiser failure on it, must not cost the fleet its plans
            LOG.warn("could not plan [device: {}, day: {}]: {}", device.deviceId(), day, e.getMessage());
            unplannable.incrementAndGet();
          }
        }
        return plans;
      }, false));
    }
    return Future.join(batches).transform(all -> {
      List<Planned> plans = new ArrayList<>();
      for (Future<List<Planned>> batch : batches) {
        if (batch.succeeded()) {
          plans.addAll(batch.result());
        } else {
          LOG.error("a planning batch failed [zone: {}]", zone, batch.cause());
          unplannable.addAndGet(batchSize);
        }
      }
      return send(zone, day, horizon.resolution(), horizon.points(), plans)
        .map(counts -> counts.put("failed", counts.getInteger("failed") + unplannable.get()));
    });
  }

  private record Planned(TradingStore.DeviceStrategy device, Strategy strategy, Plan plan) {
  }

  /** Records and sends the schedules, {@code sendConcurrency} at a time. */
  private Future<JsonObject> send(String zone, LocalDate day, Duration resolution, List<PriceCurve.Point> points,
                                  List<Planned> plans) {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < Math.min(sendConcurrency, plans.size()); lane++) {
      lanes.add(sendNext(zone, day, resolution, points, plans, next, sent, failed));
    }
    return Future.all(lanes).map(v -> counts(sent.get(), 0, failed.get()));
  }

  private Future<Void> sendNext(String zone, LocalDate day, Duration resolution, List<PriceCurve.Point> points,
                                List<Planned> plans, AtomicInteger next, AtomicInteger sent, AtomicInteger failed) {
    int index = next.getAndIncrement();
    if (index >= plans.size()) {
      return Future.succeededFuture();
    }
    Planned planned = plans.get(index);
    String deviceId = planned.device().deviceId();
    String scheduleId = UUID.randomUUID().toString();
    Instant issuedAt = clock.instant();
    return store.record(deviceId, zone, day, planned.strategy().kind(), version -> planned.plan() == null
        ? PlannedSchedule.selfConsumption(scheduleId, deviceId, version, issuedAt, scheduleId, resolution, points)
        : PlannedSchedule.fromPlan(scheduleId, deviceId, version, issuedAt, scheduleId, resolution, points,
          planned.plan(), planned.strategy()))
      .compose(schedule -> {
        Double rated = planned.device().ratedPowerKw();
        var errors = rules.check(schedule.schedule(), clock.instant(),
          rated == null ? planned.strategy().battery().powerKw() : rated);
        if (!errors.isEmpty()) {
          return Future.failedFuture(new IllegalStateException("planned schedule breaks the contract: " + errors));
        }
        return publish(Topics.schedule(deviceId), schedule.schedule().toJson().encode(), 1)
          .compose(v -> store.published(scheduleId, RedeliveryVerticle.ackTimeoutMs(config())));
      })
      .onSuccess(v -> sent.incrementAndGet())
      .recover(e -> {
        failed.incrementAndGet();
        LOG.warn("could not plan or send a schedule [device: {}, schedule: {}, day: {}]: {}", deviceId, scheduleId,
          day, e.getMessage());
        return Future.succeededFuture();
      })
      .compose(v -> sendNext(zone, day, resolution, points, plans, next, sent, failed));
  }

  /** Publishes retained at QoS 1 through the node's broker link, retrying a few times while the link is down. */
  private Future<Void> publish(String topic, String payload, int attempt) {
    JsonObject request = new JsonObject().put("topic", topic).put("payload", payload).put("qos", 1).put("retain", true);
    return vertx.eventBus().request(Addresses.MQTT_PUBLISH, request, LOCAL).<Void>mapEmpty().recover(e -> {
      if (attempt >= PUBLISH_ATTEMPTS) {
        return Future.failedFuture(e);
      }
      Promise<Void> retried = Promise.promise();
      vertx.setTimer(PUBLISH_RETRY_MS, t -> publish(topic, payload, attempt + 1).onComplete(retried));
      return retried.future();
    });
  }

  private static JsonObject counts(int planned, int skipped, int failed) {
    return new JsonObject().put("planned", planned).put("skipped", skipped).put("failed", failed);
  }
}
