package io.nattery.cloud.dispatch;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Commands in PostgreSQL ({@code V6}): what was sent, to whom, by whom, and what the device answered. */
public final class CommandStore {

  private final Pool pool;

  public CommandStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores a command for a registry device with its audit entry, in one statement; false when the device is not
   * in the registry.
   */
  public Future<Boolean> insert(JsonObject command, String createdBy, String createdFrom, JsonObject auditDetail) {
    return pool.preparedQuery("WITH ins AS (INSERT INTO commands (command_id, device_id, type, body, issued_at, "
          + "expires_at, created_by, created_from) SELECT $1, device_id, $3, $4, $5, $6, $7, $8 FROM devices "
          + "WHERE device_id = $2 RETURNING device_id), "
          + "aud AS (INSERT INTO audit_log (actor, action, target, outcome, remote_addr, detail) "
          + "SELECT $7, 'command.' || $3, device_id, 'accepted', $8, $9 FROM ins) "
          + "SELECT count(*) AS stored FROM ins")
      .execute(Tuple.from(new Object[] {command.getString("command_id"), command.getString("device_id"),
        command.getString("type"), command, utcOf(command, "issued_at"), utcOf(command, "expires_at"), createdBy,
        createdFrom, auditDetail}))
      .map(rows -> rows.iterator().next().getLong("stored") > 0);
  }

  public Future<Void> delivered(String commandId) {
    return pool.preparedQuery("UPDATE commands SET delivered_at = now(), attempts = attempts + 1 "
        + "WHERE command_id = $1").execute(Tuple.of(commandId)).mapEmpty();
  }

  /** Commands the broker never took that have expired: marked EXPIRED, never sent late; their ids. */
  public Future<List<String>> expireUndelivered() {
    return pool.query("UPDATE commands SET status = 'EXPIRED', reason = 'not delivered before expires_at', "
        + "status_at = now() WHERE status = 'pending' AND delivered_at IS NULL AND expires_at <= now() "
        + "RETURNING command_id").execute()
      .map(rows -> {
        List<String> ids = new ArrayList<>();
        rows.forEach(row -> ids.add(row.getString("command_id")));
        return ids;
      });
  }

  /** Commands the broker has not taken yet, still valid, and not just created (their first delivery may be under way). */
  public Future<List<JsonObject>> undelivered(int limit) {
    return pool.preparedQuery("SELECT body FROM commands WHERE status = 'pending' AND delivered_at IS NULL "
        + "AND expires_at > now() AND issued_at < now() - interval '5 seconds' ORDER BY issued_at LIMIT $1")
      .execute(Tuple.of(limit))
      .map(rows -> {
        List<JsonObject> commands = new ArrayList<>();
        rows.forEach(row -> commands.add((JsonObject) row.getValue("body")));
        return commands;
      });
  }

  /** The command as sent with where it stands and every result the device sent, oldest first. */
  public Future<Optional<JsonObject>> find(String commandId) {
    return pool.preparedQuery("SELECT body, status, reason, result, status_at, delivered_at, attempts, created_by "
        + "FROM commands WHERE command_id = $1").execute(Tuple.of(commandId))
      .compose(rows -> {
        if (rows.size() == 0) {
          return Future.succeededFuture(Optional.empty());
        }
        Row row = rows.iterator().next();
        JsonObject view = new JsonObject()
          .put("command", row.getValue("body"))
          .put("status", row.getString("status"))
          .put("reason", row.getString("reason"))
          .put("result", row.getValue("result"))
          .put("status_at", ScheduleStore.text(row.getOffsetDateTime("status_at")))
          .put("delivered_at", ScheduleStore.text(row.getOffsetDateTime("delivered_at")))
          .put("delivery_attempts", row.getInteger("attempts"))
          .put("created_by", row.getString("created_by"));
        return pool.preparedQuery("SELECT status, reason, device_ts, recorded_at FROM command_results "
            + "WHERE command_id = $1 ORDER BY device_ts, recorded_at").execute(Tuple.of(commandId))
          .map(results -> {
            JsonArray history = new JsonArray();
            results.forEach(r -> history.add(new JsonObject()
              .put("status", r.getString("status"))
              .put("reason", r.getString("reason"))
              .put("ts", ScheduleStore.text(r.getOffsetDateTime("device_ts")))
              .put("recorded_at", ScheduleStore.text(r.getOffsetDateTime("recorded_at")))));
            return Optional.of(view.put("results", history));
          });
      });
  }

  private static java.time.OffsetDateTime utcOf(JsonObject json, String field) {
    return Instant.parse(json.getString(field)).atOffset(ZoneOffset.UTC);
  }
}
