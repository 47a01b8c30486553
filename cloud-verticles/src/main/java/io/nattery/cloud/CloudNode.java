package io.nattery.cloud;

import io.nattery.cloud.alerts.AlertRoutes;
import io.nattery.cloud.alerts.AlertVerticle;
import io.nattery.cloud.api.ApiVerticle;
import io.nattery.cloud.api.OpenApiRoutes;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.bridge.DeviceFeedVerticle;
import io.nattery.cloud.bridge.EventBusBridge;
import io.nattery.cloud.bridge.FleetSummaryVerticle;
import io.nattery.cloud.cluster.OrphanSessions;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.dispatch.CommandRoutes;
import io.nattery.cloud.dispatch.RedeliveryVerticle;
import io.nattery.cloud.dispatch.ScheduleRoutes;
import io.nattery.cloud.reports.ReportQueueVerticle;
import io.nattery.cloud.db.Migrations;
import io.nattery.cloud.history.TelemetryHistoryVerticle;
import io.nattery.cloud.history.TelemetryRoutes;
import io.nattery.cloud.ingest.MqttIngestVerticle;
import io.nattery.cloud.metrics.FleetMetricsVerticle;
import io.nattery.cloud.registry.DeviceRoutes;
import io.nattery.cloud.settlement.RevenueRoutes;
import io.nattery.cloud.settlement.SettlementVerticle;
import io.nattery.cloud.prices.PriceFetcherVerticle;
import io.nattery.cloud.prices.PriceRoutes;
import io.nattery.cloud.state.DeviceStateVerticle;
import io.nattery.cloud.trading.StrategyRoutes;
import io.nattery.cloud.trading.TradingVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One cloud node: applies the schema migrations, then deploys its verticles in order, each reading its part
 * of the node's configuration ({@code http}, {@code mqtt}, {@code postgres}, {@code jwt}, {@code state},
 * {@code redis}, {@code alerts}, ...); the device state in Redis when {@code redis} is set, else in this process;
 * the telemetry history writer, and settlement (which reads that history), only when {@code history} is set,
 * the price fetcher only when {@code prices} is, the trading run only when {@code trading} is.
 */
public final class CloudNode {

  private CloudNode() {
  }

  /** Applies the schema migrations to the {@code postgres} database; the number applied. */
  public static Future<Integer> migrate(Vertx vertx, JsonObject postgres) {
    Pool pool = Database.pool(vertx, postgres);
    return Migrations.apply(pool).eventually(pool::close);
  }

  /** The node's features' REST routes. */
  static List<RouteGroup> routeGroups() {
    return List.of(new PriceRoutes(), new StrategyRoutes(), new RevenueRoutes(), new DeviceRoutes(),
      new TelemetryRoutes(), new AlertRoutes(), new ScheduleRoutes(), new CommandRoutes(), new OpenApiRoutes(),
      new EventBusBridge());
  }

  public static Future<List<String>> deploy(Vertx vertx, JsonObject config) {
    JsonObject postgres = config.getJsonObject("postgres", new JsonObject());
    List<Step> steps = new ArrayList<>();
    JsonObject state = config.getJsonObject("state", new JsonObject()).copy().put("postgres", postgres);
    if (config.containsKey("redis")) {
      // without it (the demo) the state is kept in this process
      state.put("redis", config.getJsonObject("redis"));
    }
    steps.add(new Step(DeviceStateVerticle::new, state));
    steps.add(new Step(AlertVerticle::new,
      config.getJsonObject("alerts", new JsonObject()).copy().put("postgres", postgres)));
    if (config.containsKey("history")) {
      steps.add(new Step(TelemetryHistoryVerticle::new, config.getJsonObject("history")));
      JsonObject settlement = config.getJsonObject("settlement", new JsonObject()).copy()
        .put("postgres", postgres).put("history", config.getJsonObject("history"));
      // a device without a strategy is settled in the zone it is traded in
      String tradingZone = config.getJsonObject("trading", new JsonObject()).getString("default_zone");
      if (tradingZone != null && !settlement.containsKey("default_zone")) {
        settlement.put("default_zone", tradingZone);
      }
      steps.add(new Step(SettlementVerticle::new, settlement));
    }
    JsonObject reports = new JsonObject().put("postgres", postgres);
    if (config.containsKey("rabbitmq")) {
      reports.put("rabbitmq", config.getJsonObject("rabbitmq"));
    }
    steps.add(new Step(ReportQueueVerticle::new, reports));
    steps.add(new Step(MqttIngestVerticle::new, config));
    steps.add(new Step(RedeliveryVerticle::new, new JsonObject().put("postgres", postgres)
      .put("dispatch", config.getJsonObject("dispatch", new JsonObject()))));
    if (vertx.isClustered() && config.getJsonObject("mqtt", new JsonObject()).getBoolean("shared_subscription", true)) {
      steps.add(new Step(OrphanSessions::new, config));
    }
    if (config.containsKey("prices")) {
      // after the broker link, which carries its retained topic
      steps.add(new Step(PriceFetcherVerticle::new,
        config.getJsonObject("prices").copy().put("postgres", postgres)));
    }
    steps.add(new Step(() -> new ApiVerticle(routeGroups()), config));
    // the live feeds of the SockJS bridge (mounted by the API at /eventbus)
    steps.add(new Step(DeviceFeedVerticle::new, new JsonObject()));
    steps.add(new Step(FleetSummaryVerticle::new, config.getJsonObject("fleet_summary", new JsonObject())));
    steps.add(new Step(FleetMetricsVerticle::new, config.getJsonObject("metrics", new JsonObject())));
    if (config.containsKey("trading")) {
      steps.add(new Step(TradingVerticle::new, TradingVerticle.options(config).getConfig()));
    }
    return migrate(vertx, postgres).compose(applied -> deployInOrder(vertx, steps));
  }

  /** One verticle to deploy, with its configuration. */
  private record Step(Supplier<Deployable> verticle, JsonObject config) {
  }

  private static Future<List<String>> deployInOrder(Vertx vertx, List<Step> steps) {
    List<String> ids = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Step step : steps) {
      chain = chain.compose(v -> vertx.deployVerticle(step.verticle().get(), new DeploymentOptions().setConfig(step.config()))
        .map(id -> {
          ids.add(id);
          return null;
        }));
    }
    return chain.map(v -> List.copyOf(ids));
  }
}
