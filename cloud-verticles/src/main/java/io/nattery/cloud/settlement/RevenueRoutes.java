package io.nattery.cloud.settlement;

import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Contract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/analytics/revenue?device_id&from&to} (role viewer): the settled MTUs starting in
 * {@code [from, to)}, per MTU, per day and in total, as JSON or, with {@code Accept: text/csv}, one CSV row per MTU.
 * With {@code device_id} the answer is that device's (at most {@link #MAX_RANGE}), with its published schedules'
 * planned against realised value, both net of cycle cost; without it, the fleet's (at most
 * {@link #MAX_FLEET_RANGE}): every MTU summed over all devices (its price only when all devices had the same), no
 * schedules. A device without settlements in the range gets an empty answer, not a 404: settlement rows outlive
 * the registry. The queries run under {@code revenue.statement_timeout_ms} (10000); past it the answer is 503.
 */
public final class RevenueRoutes implements RouteGroup {

  /** The longest range one request may ask for. */
  public static final Duration MAX_RANGE = Duration.ofDays(366);
  /** The longest range over the whole fleet: a month of every device's MTUs. */
  public static final Duration MAX_FLEET_RANGE = Duration.ofDays(31);
  private static final String QUERY_CANCELED = "57014";

  private static final String MTU_COLUMNS = "SELECT mtu_start, mtu_end, "
    + "CASE WHEN min(price_eur_mwh) = max(price_eur_mwh) THEN min(price_eur_mwh) END AS price, "
    + "count(*) FILTER (WHERE status = 'settled') AS settled, "
    + "count(*) FILTER (WHERE status = 'counter_reset') AS counter_reset, "
    + "count(*) FILTER (WHERE status = 'gap') AS gap, "
    + "sum(charged_wh)::bigint AS charged_wh, sum(discharged_wh)::bigint AS discharged_wh, "
    + "sum(import_wh)::bigint AS import_wh, sum(export_wh)::bigint AS export_wh, "
    + "sum(grid_cost_eur) AS grid_cost_eur, sum(grid_cost_without_battery_eur) AS grid_cost_without_battery_eur, "
    + "sum(battery_value_eur) AS battery_revenue_eur FROM settlements ";
  private static final String GROUPED = " GROUP BY mtu_start, mtu_end ORDER BY mtu_start, mtu_end";
  private static final String DEVICE_MTUS = MTU_COLUMNS
    + "WHERE device_id = $1 AND mtu_start >= $2 AND mtu_start < $3" + GROUPED;
  private static final String FLEET_MTUS = MTU_COLUMNS + "WHERE mtu_start >= $1 AND mtu_start < $2" + GROUPED;
  /**
   * Published schedules only (a plan that never reached the broker was never in force): each is in force from its
   * first slot until its last slot's end or a newer published schedule's first slot. The realised value comes
   * with the discharged energy and the device's cycle cost (0 without a strategy), to be made net as planned is.
   */
  private static final String SCHEDULES = "SELECT p.schedule_id::text AS schedule_id, p.version, p.delivery_day, "
    + "p.strategy, p.planned_value_eur, p.optimal, jsonb_array_length(p.slots) AS slots, "
    + "w.in_force_from, w.in_force_to, w.superseded_from, r.settled, r.unsettled, r.realised_gross_value_eur, "
    + "r.discharged_wh, c.cycle_cost_eur_per_kwh "
    + "FROM trading_plans p "
    + "CROSS JOIN LATERAL (SELECT (p.slots->0->>'start')::timestamptz AS in_force_from, "
    + "  least((p.slots->-1->>'end')::timestamptz, n.first_start) AS in_force_to, n.first_start AS superseded_from "
    + "  FROM (SELECT min((q.slots->0->>'start')::timestamptz) AS first_start FROM trading_plans q "
    + "    WHERE q.device_id = p.device_id AND q.version > p.version AND q.published_at IS NOT NULL) n) w "
    + "CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE s.status = 'settled') AS settled, "
    + "  count(*) FILTER (WHERE s.status <> 'settled') AS unsettled, "
    + "  sum(s.battery_value_eur) AS realised_gross_value_eur, sum(s.discharged_wh)::bigint AS discharged_wh "
    + "  FROM settlements s WHERE s.device_id = p.device_id "
    + "  AND s.mtu_start >= w.in_force_from AND s.mtu_end <= w.in_force_to) r "
    + "CROSS JOIN LATERAL (SELECT coalesce((SELECT (st.strategy->'battery'->>'cycle_cost_eur_per_kwh')::numeric "
    + "  FROM strategies st WHERE st.device_id = p.device_id), 0) AS cycle_cost_eur_per_kwh) c "
    + "WHERE p.device_id = $1 AND p.published_at IS NOT NULL AND p.delivery_day >= $2 AND p.delivery_day <= $3 "
    + "ORDER BY p.delivery_day, p.version";

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    long timeoutMs = config.getJsonObject("revenue", new JsonObject()).getLong("statement_timeout_ms", 10_000L);
    if (timeoutMs < 1) {
      throw new IllegalArgumentException("revenue.statement_timeout_ms must be at least 1");
    }
    router.get("/api/v1/analytics/revenue").handler(Http.requires(Role.VIEWER))
      .handler(ctx -> revenue(vertx, ctx, pool, timeoutMs));
  }

  /** The request's validated parameters. */
  record Query(String deviceId, Instant from, Instant to) {
  }

  /** What the database answered: the MTUs, and the schedules unless they are not asked for. */
  private record Read(RowSet<Row> mtus, RowSet<Row> schedules) {
  }

  private void revenue(Vertx vertx, RoutingContext ctx, Pool pool, long timeoutMs) {
    List<Problems.FieldProblem> errors = new ArrayList<>();
    Query query = query(ctx.request().getParam("device_id"), ctx.request().getParam("from"),
      ctx.request().getParam("to"), errors);
    if (!errors.isEmpty()) {
      Problems.send(ctx, 400, "invalid revenue query", errors);
      return;
    }
    boolean csv = RevenueReport.prefersCsv(ctx.request().getHeader("Accept"));
    boolean withSchedules = query.deviceId() != null && !csv;
    // one transaction so that the statement timeout, set for it alone, bounds both queries
    Future<Read> read = pool.withTransaction(conn -> conn
      .preparedQuery("SELECT set_config('statement_timeout', $1, true)").execute(Tuple.of(timeoutMs + "ms"))
      .compose(set -> query.deviceId() == null
        ? conn.preparedQuery(FLEET_MTUS).execute(Tuple.of(utc(query.from()), utc(query.to())))
        : conn.preparedQuery(DEVICE_MTUS).execute(Tuple.of(query.deviceId(), utc(query.from()), utc(query.to()))))
      .compose(mtus -> !withSchedules ? Future.succeededFuture(new Read(mtus, null))
        : conn.preparedQuery(SCHEDULES).execute(Tuple.of(query.deviceId(),
            LocalDate.ofInstant(query.from(), RevenueReport.MARKET_DAY),
            LocalDate.ofInstant(query.to().minusNanos(1), RevenueReport.MARKET_DAY)))
          .map(schedules -> new Read(mtus, schedules))));
    // a year of MTUs is tens of thousands of rows: rendered off the event loop
    read
      .compose(rows -> vertx.executeBlocking(() -> csv
        ? RevenueReport.csv(mtus(rows.mtus()))
        : RevenueReport.json(query.deviceId(), query.from(), query.to(), mtus(rows.mtus()),
            rows.schedules() == null ? null : schedules(rows.schedules())).encode()))
      .onSuccess(body -> ctx.response()
        .putHeader("Content-Type", csv ? "text/csv; charset=utf-8" : "application/json")
        .end(body))
      .onFailure(e -> {
        if (e instanceof PgException pg && QUERY_CANCELED.equals(pg.getSqlState())) {
          Problems.send(ctx, 503, "the revenue query took longer than " + timeoutMs + " ms; ask for a shorter range");
        } else {
          ctx.fail(e);
        }
      });
  }

  /** The parameters, or the problems with them in {@code errors}. */
  static Query query(String deviceId, String from, String to, List<Problems.FieldProblem> errors) {
    if (deviceId != null && !Contract.isValidDeviceId(deviceId)) {
      errors.add(new Problems.FieldProblem("device_id", "must match [A-Za-z0-9_-]{1,64}"));
    }
    Instant start = instant("from", from, errors);
    Instant end = instant("to", to, errors);
    if (start != null && end != null) {
      if (!end.isAfter(start)) {
        errors.add(new Problems.FieldProblem("to", "must be after from"));
      } else if (Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
        errors.add(new Problems.FieldProblem("to", "must be at most " + MAX_RANGE.toDays() + " days after from"));
      } else if (deviceId == null && Duration.between(start, end).compareTo(MAX_FLEET_RANGE) > 0) {
        errors.add(new Problems.FieldProblem("to", "must be at most " + MAX_FLEET_RANGE.toDays()
          + " days after from for the whole fleet; ask per device_id for longer ranges"));
      }
    }
    return new Query(deviceId, start, end);
  }

  private static Instant instant(String name, String text, List<Problems.FieldProblem> errors) {
    if (text == null || text.isBlank()) {
      errors.add(new Problems.FieldProblem(name, "is required, an ISO-8601 instant such as 2026-11-23T00:00:00Z"));
      return null;
    }
    try {
      // milliseconds at most, as the contract writes instants
      return OffsetDateTime.parse(text).toInstant().truncatedTo(ChronoUnit.MILLIS);
    } catch (DateTimeParseException e) {
      errors.add(new Problems.FieldProblem(name, "must be an ISO-8601 instant such as 2026-11-23T00:00:00Z"));
      return null;
    }
  }

  private static List<RevenueReport.MtuTotals> mtus(Iterable<Row> rows) {
    List<RevenueReport.MtuTotals> mtus = new ArrayList<>();
    for (Row row : rows) {
      mtus.add(new RevenueReport.MtuTotals(row.getOffsetDateTime("mtu_start").toInstant(),
        row.getOffsetDateTime("mtu_end").toInstant(), row.getDouble("price"),
        row.getInteger("settled"), row.getInteger("counter_reset"), row.getInteger("gap"),
        row.getLong("charged_wh"), row.getLong("discharged_wh"), row.getLong("import_wh"), row.getLong("export_wh"),
        row.getBigDecimal("grid_cost_eur"), row.getBigDecimal("grid_cost_without_battery_eur"),
        row.getBigDecimal("battery_revenue_eur")));
    }
    return mtus;
  }

  private static List<RevenueReport.SchedulePlan> schedules(Iterable<Row> rows) {
    List<RevenueReport.SchedulePlan> plans = new ArrayList<>();
    for (Row row : rows) {
      plans.add(new RevenueReport.SchedulePlan(row.getString("schedule_id"), row.getLong("version"),
        row.getLocalDate("delivery_day"), row.getString("strategy"), row.getDouble("planned_value_eur"),
        row.getBoolean("optimal"), row.getInteger("slots"), instant(row.getOffsetDateTime("in_force_from")),
        instant(row.getOffsetDateTime("in_force_to")), instant(row.getOffsetDateTime("superseded_from")),
        row.getInteger("settled"), row.getInteger("unsettled"), row.getBigDecimal("realised_gross_value_eur"),
        row.getLong("discharged_wh"), row.getBigDecimal("cycle_cost_eur_per_kwh")));
    }
    return plans;
  }

  private static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
