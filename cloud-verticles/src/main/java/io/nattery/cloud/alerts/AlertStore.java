package io.nattery.cloud.alerts;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code alerts} table: one row per episode, at most one open per key (a unique index), so that nodes raising or
 * clearing the same alert at once store and announce it once.
 */
public final class AlertStore {

  private static final String COLUMNS = "id, alert_id, type, severity, device_id, zone, detail, raised_at, cleared_at, "
    + "cleared_detail";

  private final Pool pool;

  public AlertStore(Pool pool) {
    this.pool = pool;
  }

  /** A page of alerts, newest first; {@code next} is the id to continue before, null on the last page. */
  public record Page(List<JsonObject> items, Long next) {
  }

  /**
   * The condition behind {@code alert} holds: raises it unless one with its key is open (then marks that one's
   * condition as holding again). Answers the alert's JSON when this call raised it.
   */
  public Future<Optional<JsonObject>> raise(Alert alert) {
    return pool.preparedQuery("WITH held AS ("
        + " UPDATE alerts SET condition_active = true, condition_changed_at = $8"
        + " WHERE alert_key = $2 AND cleared_at IS NULL AND condition_changed_at <= $8 RETURNING id)"
        + " INSERT INTO alerts (alert_id, alert_key, type, severity, device_id, zone, detail, raised_at,"
        + " condition_changed_at)"
        + " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8"
        + " WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE alert_key = $2 AND cleared_at IS NULL)"
        + " ON CONFLICT DO NOTHING RETURNING " + COLUMNS)
      .execute(Tuple.of(alert.alertId(), alert.key(), alert.type(), alert.severity(), alert.deviceId(), alert.zone(),
        alert.detail(), utc(alert.at())))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toJson(rows.iterator().next())));
  }

  /** The condition behind the open alert of {@code key} ended at {@code at}; it clears once that lasted the hold-down. */
  public Future<Void> conditionEnded(String key, Instant at) {
    return pool.preparedQuery("UPDATE alerts SET condition_active = false, condition_changed_at = $2"
        + " WHERE alert_key = $1 AND cleared_at IS NULL AND condition_changed_at <= $2")
      .execute(Tuple.of(key, utc(at))).mapEmpty();
  }

  /** Clears the open alert of {@code key} now (for alerts whose source decides the clearing itself). */
  public Future<Optional<JsonObject>> clear(String key, Instant at, String detail) {
    return pool.preparedQuery("UPDATE alerts SET cleared_at = $2, cleared_detail = $3, condition_active = false,"
        + " condition_changed_at = $2 WHERE alert_key = $1 AND cleared_at IS NULL RETURNING " + COLUMNS)
      .execute(Tuple.of(key, utc(at), detail))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toJson(rows.iterator().next())));
  }

  /** Clears the open alerts whose condition has been gone for {@code holdDown}; answers them, cleared. */
  public Future<List<JsonObject>> clearSettled(Instant now, Duration holdDown) {
    return pool.preparedQuery("UPDATE alerts SET cleared_at = $1,"
        + " cleared_detail = 'condition gone since ' || to_char(condition_changed_at AT TIME ZONE 'UTC',"
        + " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        + " WHERE cleared_at IS NULL AND NOT condition_active AND condition_changed_at <= $2 RETURNING " + COLUMNS)
      .execute(Tuple.of(utc(now), utc(now.minus(holdDown))))
      .map(rows -> {
        List<JsonObject> cleared = new ArrayList<>();
        rows.forEach(row -> cleared.add(toJson(row)));
        return cleared;
      });
  }

  /**
   * Up to {@code limit} alerts before the id {@code before} (exclusive, null from the newest), newest first;
   * {@code state} raised (still open) or cleared, {@code severity}: null for any.
   */
  public Future<Page> list(String state, String severity, Long before, int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM alerts"
        + " WHERE ($1::text IS NULL OR ($1 = 'raised') = (cleared_at IS NULL))"
        + " AND ($2::text IS NULL OR severity = $2) AND ($3::bigint IS NULL OR id < $3)"
        + " ORDER BY id DESC LIMIT $4")
      .execute(Tuple.of(state, severity, before, limit + 1))
      .map(rows -> {
        List<JsonObject> items = new ArrayList<>();
        Long last = null;
        boolean more = false;
        for (Row row : rows) {
          if (items.size() == limit) {
            more = true;
            break;
          }
          items.add(toJson(row));
          last = row.getLong("id");
        }
        return new Page(items, more ? last : null);
      });
  }

  /** The alert as published and listed: PROTOCOL's alert shape, with when it was raised and cleared. */
  private static JsonObject toJson(Row row) {
    OffsetDateTime raised = row.getOffsetDateTime("raised_at");
    OffsetDateTime cleared = row.getOffsetDateTime("cleared_at");
    JsonObject json = new JsonObject()
      .put("alert_id", row.getString("alert_id"))
      .put("type", row.getString("type"))
      .put("severity", row.getString("severity"))
      .put("state", cleared == null ? "raised" : "cleared");
    if (row.getString("device_id") != null) {
      json.put("device_id", row.getString("device_id"));
    } else {
      json.put("zone", row.getString("zone"));
    }
    return json
      .put("detail", cleared == null ? row.getString("detail") : row.getString("cleared_detail"))
      .put("ts", text((cleared == null ? raised : cleared).toInstant()))
      .put("raised_at", text(raised.toInstant()))
      .put("raised_detail", row.getString("detail"))
      .put("cleared_at", cleared == null ? null : text(cleared.toInstant()));
  }

  private static OffsetDateTime utc(Instant at) {
    return at.atOffset(ZoneOffset.UTC);
  }

  /** ISO-8601 UTC with Z and at most milliseconds, as the contract writes time. */
  static String text(java.time.Instant at) {
    return at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
  }
}
