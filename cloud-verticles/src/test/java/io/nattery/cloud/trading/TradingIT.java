package io.nattery.cloud.trading;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.demo.EmbeddedQuestDb;
import io.nattery.cloud.history.HistoryReads;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Contract;
import io.nattery.protocol.PriceCurve;
import io.nattery.protocol.battery.BatteryModel;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trading run against the real PostgreSQL and Mosquitto: devices are planned when the node takes the lead,
 * on a new curve and after a strategy change, each under its own strategy, and receive retained schedules.
 */
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class TradingIT {

  private static final ZoneId BRUSSELS = ZoneId.of("Europe/Brussels");
  private static final String ZONE = "DE_LU";
  private static TestNode node;
  private static EmbeddedQuestDb questDb;
  private static MqttClient listener;
  private static String arbitrage;
  private static String selfConsumption;
  private static String untraded;
  private static LocalDate tomorrow;
  private static final Map<String, List<JsonObject>> schedules = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    questDb = new EmbeddedQuestDb();
    node = TestNode.create(config -> config
      .put("history", questDb.historyConfig().put("flush_interval_ms", 50))
      .put("trading", new JsonObject()
        .put("default_zone", ZONE).put("default_strategy", "arbitrage").put("lead_retry_ms", 500)));
    arbitrage = "it-arb-" + node.run;
    selfConsumption = "it-self-" + node.run;
    untraded = "it-none-" + node.run;
    for (String id : List.of(arbitrage, selfConsumption, untraded)) {
      await(node.pool.preparedQuery("INSERT INTO devices (device_id, site, rated_power_kw, capacity_kwh) "
        + "VALUES ($1, 'it-site', 5, 10)").execute(Tuple.of(id)));
    }
    BatteryModel battery = new BatteryModel(10, 5, 0.9, 10, 90, 10, 0);
    for (Map.Entry<String, Strategy.Kind> configured : Map.of(selfConsumption, Strategy.Kind.SELF_CONSUMPTION,
        untraded, Strategy.Kind.NONE).entrySet()) {
      await(node.pool.preparedQuery("INSERT INTO strategies (device_id, strategy) VALUES ($1, $2)").execute(
        Tuple.of(configured.getKey(), new Strategy(ZONE, configured.getValue(), battery, null).toJson())));
    }
    tomorrow = LocalDate.now(BRUSSELS).plusDays(1);
    List<PriceCurve.Point> known = new ArrayList<>(points(tomorrow.minusDays(1)));
    known.addAll(points(tomorrow));
    for (PriceCurve.Point point : known) {
      await(node.pool.preparedQuery("INSERT INTO prices (zone, mtu_start, mtu_end, delivery_day, price_eur_mwh, "
          + "source, fetched_at) VALUES ($1, $2, $3, $4, $5, 'it', now())")
        .execute(Tuple.of(ZONE, point.start().atOffset(java.time.ZoneOffset.UTC),
          point.end().atOffset(java.time.ZoneOffset.UTC), point.start().atZone(BRUSSELS).toLocalDate(), point.price())));
    }

    // a day's schedule is larger than the client's default message limit, as it will be for a device
    listener = MqttClient.create(node.vertx, new MqttClientOptions().setClientId("it-listener-" + node.run)
      .setMaxMessageSize(Contract.MAX_PAYLOAD_BYTES));
    listener.publishHandler(message -> {
      String deviceId = message.topicName().split("/")[1];
      if (deviceId.endsWith(node.run) && message.payload().length() > 0) {
        schedules.computeIfAbsent(deviceId, id -> new CopyOnWriteArrayList<>()).add(message.payload().toJsonObject());
      }
    });
    await(listener.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
    await(listener.subscribe("devices/+/schedule", MqttQoS.AT_LEAST_ONCE.value()));
    node.deploy();
  }

  @AfterAll
  static void stop() throws Exception {
    if (listener != null && listener.isConnected()) {
      for (String id : schedules.keySet()) { // retained: leave nothing behind
        await(listener.publish("devices/" + id + "/schedule", Buffer.buffer(), MqttQoS.AT_LEAST_ONCE, false, true));
      }
    }
    if (node != null) {
      node.close();
    }
    if (questDb != null) {
      questDb.close();
    }
  }

  /** Night cheap, a negative midday dip, evening dear: a day that rewards two cycles. */
  static List<PriceCurve.Point> points(LocalDate day) {
    List<PriceCurve.Point> points = new ArrayList<>();
    ZonedDateTime start = day.atStartOfDay(BRUSSELS);
    ZonedDateTime end = day.plusDays(1).atStartOfDay(BRUSSELS);
    for (ZonedDateTime t = start; t.isBefore(end); t = t.plusMinutes(15)) {
      int hour = t.getHour();
      double price = hour < 5 ? 30 : hour < 11 ? 110 : hour < 15 ? -5 : hour < 17 ? 90 : hour < 21 ? 220 : 80;
      points.add(new PriceCurve.Point(t.toInstant(), t.plusMinutes(15).toInstant(), price));
    }
    return points;
  }

  @Test
  void takingTheLeadPlansEveryTradedDeviceFromNowToTheEndOfTomorrowUnderItsStrategy() throws Exception {
    JsonObject schedule = await(node.waitFor(() -> io.vertx.core.Future.succeededFuture(latest(arbitrage)),
      s -> s != null)).copy();
    Instant issued = Instant.parse(schedule.getString("issued_at"));
    List<PriceCurve.Point> prices = new ArrayList<>(points(tomorrow.minusDays(1)));
    prices.addAll(points(tomorrow));
    prices.removeIf(p -> p.start().isBefore(issued));

    assertEquals("trading", schedule.getString("source"));
    assertEquals("PT15M", schedule.getString("resolution"));
    JsonArray slots = schedule.getJsonArray("slots");
    // one schedule holds today's rest and tomorrow: a newer one replaces an older from its first slot on
    assertEquals(prices.size(), slots.size());
    double chargedCheap = 0;
    double dischargedDear = 0;
    double netBoughtAtNegative = 0;
    for (int i = 0; i < slots.size(); i++) {
      JsonObject slot = slots.getJsonObject(i);
      assertEquals(prices.get(i).start().toString(), Instant.parse(slot.getString("start")).toString());
      assertTrue(slot.getDouble("rate_kw") <= 5.0, "above the rating: " + slot);
      double price = prices.get(i).price();
      if (price <= 30 && slot.getString("mode").equals("charge")) {
        chargedCheap += slot.getDouble("rate_kw");
      }
      if (price >= 220 && slot.getString("mode").equals("discharge")) {
        dischargedDear += slot.getDouble("rate_kw");
      }
      if (price < 0) {
        netBoughtAtNegative += slot.getString("mode").equals("charge") ? slot.getDouble("rate_kw")
          : slot.getString("mode").equals("discharge") ? -slot.getDouble("rate_kw") : 0;
      }
    }
    // paid to take energy: the plan takes more than it gives back (it may still move some to make room, which
    // without a cycle cost earns the paid-for losses)
    assertTrue(netBoughtAtNegative > 0, "did not take energy while paid to: " + netBoughtAtNegative);
    assertTrue(chargedCheap > 0, "never charged in the cheapest hours");
    assertTrue(dischargedDear > 0, "never discharged in the dearest hours");

    Row plan = await(node.pool.preparedQuery("SELECT version, planned_value_eur, strategy FROM trading_plans "
      + "WHERE schedule_id = $1").execute(Tuple.of(java.util.UUID.fromString(schedule.getString("schedule_id")))))
      .iterator().next();
    assertEquals(schedule.getLong("version"), plan.getLong("version"));
    assertEquals("arbitrage", plan.getString("strategy"));
    assertTrue(plan.getDouble("planned_value_eur") > 0, "a day with this spread must be worth something");

    JsonObject own = await(node.waitFor(() -> io.vertx.core.Future.succeededFuture(latest(selfConsumption)),
      s -> s != null));
    own.getJsonArray("slots").forEach(s -> assertEquals("self_consumption", ((JsonObject) s).getString("mode")));
    long untradedPlans = await(node.pool.preparedQuery("SELECT count(*) AS n FROM trading_plans WHERE device_id = $1")
      .execute(Tuple.of(untraded))).iterator().next().getLong("n");
    assertEquals(0, untradedPlans, "a device whose strategy is none is left alone");
  }

  @Test
  void aNewCurvePlansTheZoneAgainWithTheNextVersion() throws Exception {
    long before = await(node.waitFor(() -> io.vertx.core.Future.succeededFuture(latest(arbitrage)),
      s -> s != null)).getLong("version");
    PriceCurve curve = new PriceCurve(ZONE, "EUR", "MWh", Duration.ofMinutes(15), tomorrow, Instant.now(), "it",
      points(tomorrow));

    node.vertx.eventBus().publish(Addresses.PRICES_UPDATED, new JsonObject().put("zone", ZONE)
      .put("delivery_day", tomorrow.toString()).put("stale", false).put("curve", curve.toJson()));

    JsonObject next = await(node.waitFor(() -> io.vertx.core.Future.succeededFuture(latest(arbitrage)),
      s -> s != null && s.getLong("version") > before));
    assertEquals(before + 1, next.getLong("version"), "versions rise by one per device");
  }

  @Test
  void strategiesAreReadByViewersAndChangedByOperatorsWithFieldPreciseErrors() throws Exception {
    String viewer = node.token(Role.VIEWER);
    String operator = node.token(Role.OPERATOR);
    String device = "it-changed-" + node.run;
    await(node.pool.preparedQuery("INSERT INTO devices (device_id, site, rated_power_kw, capacity_kwh) "
      + "VALUES ($1, 'it-site', 5, 10)").execute(Tuple.of(device)));

    HttpResponse<Buffer> shown = await(node.http.get("/api/v1/strategies/" + device)
      .bearerTokenAuthentication(viewer).send());
    assertEquals(200, shown.statusCode(), shown.bodyAsString());
    JsonObject strategy = shown.bodyAsJsonObject();
    assertEquals(false, strategy.getBoolean("configured"));
    assertEquals("arbitrage", strategy.getString("strategy"));
    assertEquals(5.0, strategy.getJsonObject("battery").getDouble("power_kw"));

    JsonObject change = strategy.copy().put("strategy", "peak_shaving").put("import_limit_kw", 3.0);
    change.getJsonObject("battery").put("cycle_cost_eur_per_kwh", 0.02);
    HttpResponse<Buffer> byViewer = await(node.http.put("/api/v1/strategies/" + device)
      .bearerTokenAuthentication(viewer).sendJsonObject(change));
    assertEquals(403, byViewer.statusCode());

    JsonObject last = latest(device);
    long before = last == null ? 0 : last.getLong("version");
    HttpResponse<Buffer> changed = await(node.http.put("/api/v1/strategies/" + device)
      .bearerTokenAuthentication(operator).sendJsonObject(change));
    assertEquals(200, changed.statusCode(), changed.bodyAsString());
    assertEquals(true, changed.bodyAsJsonObject().getBoolean("configured"));
    assertEquals("operator", changed.bodyAsJsonObject().getString("updated_by"));
    assertEquals(3.0, changed.bodyAsJsonObject().getDouble("import_limit_kw"));
    await(node.waitFor(() -> io.vertx.core.Future.succeededFuture(latest(device)),
      s -> s != null && s.getLong("version") > before));

    JsonObject bad = change.copy().put("zone", "no such zone!").put("colour", "blue");
    bad.getJsonObject("battery").put("power_kw", 6.0).put("soc_min_pct", 95);
    HttpResponse<Buffer> refused = await(node.http.put("/api/v1/strategies/" + device)
      .bearerTokenAuthentication(operator).sendJsonObject(bad));
    assertEquals(400, refused.statusCode());
    assertEquals("application/problem+json", refused.getHeader("Content-Type"));
    List<String> fields = refused.bodyAsJsonObject().getJsonArray("errors").stream()
      .map(e -> ((JsonObject) e).getString("field")).sorted().toList();
    assertEquals(List.of("battery.power_kw", "battery.soc_max_pct", "colour", "zone"), fields);

    assertEquals(404, await(node.http.get("/api/v1/strategies/it-nobody-" + node.run)
      .bearerTokenAuthentication(viewer).send()).statusCode());
    assertEquals(400, await(node.http.get("/api/v1/strategies/x'%20OR%201=1--")
      .bearerTokenAuthentication(viewer).send()).statusCode());
    assertEquals(401, await(node.http.get("/api/v1/strategies/" + device).send()).statusCode());
  }

  @Test
  void peakShavingHoldsTheImportLimitAgainstTheSitesOwnLoadHistory() throws Exception {
    String peak = "it-peak-" + node.run;
    await(node.pool.preparedQuery("INSERT INTO devices (device_id, site, rated_power_kw, capacity_kwh) "
      + "VALUES ($1, 'it-site', 5, 10)").execute(Tuple.of(peak)));
    // given two days of history: a 6 kW lunchtime load (12:00-13:00 in Brussels), 0.5 kW otherwise, no PV
    List<io.vertx.core.Future<?>> stored = new ArrayList<>();
    LocalDate today = LocalDate.now(BRUSSELS);
    long seq = 0;
    for (LocalDate day : List.of(today.minusDays(2), today.minusDays(1))) {
      for (ZonedDateTime t = day.atStartOfDay(BRUSSELS); t.isBefore(day.plusDays(1).atStartOfDay(BRUSSELS));
           t = t.plusMinutes(15)) {
        double loadW = t.getHour() == 12 ? 6000 : 500;
        JsonObject sample = Samples.telemetry(peak, seq++, 50).toJson()
          .put("ts", t.plusMinutes(1).toInstant().toString()).put("load_power_w", loadW).put("pv_power_w", 0);
        stored.add(node.vertx.eventBus().request(Addresses.TELEMETRY_STORE, sample));
      }
    }
    await(io.vertx.core.Future.all(stored));
    // a write QuestDB acknowledged becomes visible to SQL a moment later, once its WAL is applied
    io.vertx.sqlclient.Pool history = HistoryReads.pool(node.vertx, questDb.historyConfig().getJsonObject("pg"));
    int expected = stored.size();
    await(node.waitFor(() -> history.preparedQuery("SELECT count() AS n FROM telemetry WHERE device_id = $1")
      .execute(Tuple.of(peak)).map(rows -> rows.iterator().next().getLong("n")), n -> n == expected));
    String operator = node.token(Role.OPERATOR);
    JsonObject strategy = new JsonObject().put("zone", ZONE).put("strategy", "peak_shaving").put("import_limit_kw", 3.0)
      .put("battery", new JsonObject().put("capacity_kwh", 10).put("power_kw", 5).put("round_trip_efficiency", 0.9)
        .put("soc_min_pct", 10).put("soc_max_pct", 90).put("cycle_cost_eur_per_kwh", 0));

    // when the strategy is set, the device is planned at once
    HttpResponse<Buffer> set = await(node.http.put("/api/v1/strategies/" + peak).bearerTokenAuthentication(operator)
      .sendJsonObject(strategy));
    assertEquals(200, set.statusCode(), set.bodyAsString());
    // (an earlier test's run may have planned the new device under the default strategy first: wait for this one)
    JsonObject schedule = await(node.waitFor(() -> {
      JsonObject latest = latest(peak);
      return latest == null ? io.vertx.core.Future.succeededFuture((JsonObject) null)
        : node.pool.preparedQuery("SELECT strategy FROM trading_plans WHERE schedule_id = $1")
          .execute(Tuple.of(java.util.UUID.fromString(latest.getString("schedule_id"))))
          .map(rows -> rows.size() == 1 && "peak_shaving".equals(rows.iterator().next().getString("strategy"))
            ? latest : null);
    }, s -> s != null));

    // then the battery covers what the house draws above 3 kW, even at the negative lunchtime price that would
    // otherwise have it charge at full power, and elsewhere never draws more than the 2.5 kW left under the limit
    JsonArray slots = schedule.getJsonArray("slots");
    for (int i = 0; i < slots.size(); i++) {
      JsonObject slot = slots.getJsonObject(i);
      int hour = Instant.parse(slot.getString("start")).atZone(BRUSSELS).getHour();
      double batteryKw = slot.getString("mode").equals("discharge") ? slot.getDouble("rate_kw")
        : slot.getString("mode").equals("charge") ? -slot.getDouble("rate_kw") : 0;
      double importKw = (hour == 12 ? 6.0 : 0.5) - batteryKw;
      assertTrue(importKw <= 3.0 + 1e-3, "site imports " + importKw + " kW in " + slot);
    }
  }

  private static JsonObject latest(String deviceId) {
    List<JsonObject> received = schedules.get(deviceId);
    return received == null || received.isEmpty() ? null : received.get(received.size() - 1);
  }
}
