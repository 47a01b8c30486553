package io.nattery.cloud.reports;

import io.nattery.cloud.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes what devices report about the cloud's orders into PostgreSQL, each at most once however often it
 * arrives: schedule acks (once per schedule and status), execution reports (once per slot), command results
 * (once per command and status). A schedule's or command's status only moves forward, so acks arriving out of
 * order or again after a redelivery never move it back. A schedule status that moved is published on
 * {@link Addresses#SCHEDULES_STATUS}.
 */
public final class ReportRecorder {

  /** What became of one report. */
  public enum Outcome {
    RECORDED,
    /** Recorded before: nothing changed. */
    DUPLICATE,
    /** About a schedule or command this device was never sent: poison, kept aside for inspection. */
    UNKNOWN
  }

  private static final String RANK_SCHEDULE = "CASE %s WHEN 'pending' THEN 0 WHEN 'RECEIVED' THEN 1 ELSE 2 END";
  private static final String RANK_COMMAND = "CASE %s WHEN 'pending' THEN 0 WHEN 'ACCEPTED' THEN 1 ELSE 2 END";

  private static final String SCHEDULE_ACK = "WITH s AS (SELECT schedule_id FROM schedules "
    + "WHERE schedule_id = $1 AND device_id = $2), "
    + "ins AS (INSERT INTO schedule_acks (schedule_id, status, reason, version, device_ts, trace_id) "
    + "SELECT schedule_id, $3, $4, $5, $6, $7 FROM s ON CONFLICT DO NOTHING RETURNING schedule_id), "
    + "upd AS (UPDATE schedules SET status = $3, reason = $4, status_at = $6 "
    + "WHERE schedule_id IN (SELECT schedule_id FROM ins) AND " + RANK_SCHEDULE.formatted("status") + " < "
    + RANK_SCHEDULE.formatted("$3::text") + " RETURNING version) "
    + "SELECT (SELECT count(*) FROM s) AS known, (SELECT count(*) FROM ins) AS inserted, "
    + "(SELECT version FROM upd) AS advanced";

  private static final String EXECUTION = "WITH s AS (SELECT schedule_id FROM schedules "
    + "WHERE schedule_id = $1 AND device_id = $2), "
    + "ins AS (INSERT INTO schedule_executions (schedule_id, slot_start, mode, requested_kw, actual_kw, status, "
    + "reason, device_ts) SELECT schedule_id, $3, $4, $5, $6, $7, $8, $9 FROM s ON CONFLICT DO NOTHING "
    + "RETURNING schedule_id) "
    + "SELECT (SELECT count(*) FROM s) AS known, (SELECT count(*) FROM ins) AS inserted, NULL::bigint AS advanced";

  private static final String COMMAND_RESULT = "WITH c AS (SELECT command_id FROM commands "
    + "WHERE command_id = $1 AND device_id = $2), "
    + "ins AS (INSERT INTO command_results (command_id, status, reason, result, device_ts) "
    + "SELECT command_id, $3, $4, $5, $6 FROM c ON CONFLICT DO NOTHING RETURNING command_id), "
    + "upd AS (UPDATE commands SET status = $3, reason = $4, result = $5, status_at = $6 "
    + "WHERE command_id IN (SELECT command_id FROM ins) AND " + RANK_COMMAND.formatted("status") + " < "
    + RANK_COMMAND.formatted("$3::text") + " RETURNING 1::bigint AS v) "
    + "SELECT (SELECT count(*) FROM c) AS known, (SELECT count(*) FROM ins) AS inserted, "
    + "(SELECT v FROM upd) AS advanced";

  private final Vertx vertx;
  private final Pool pool;

  public ReportRecorder(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /**
   * Records one report {@code {"kind": "ack" | "command_result", "body": <contract JSON>}}; fails only when the
   * database could not be asked (the caller retries), never for a report it cannot place (UNKNOWN).
   */
  public Future<Outcome> record(JsonObject report) {
    return recordAll(List.of(report)).map(outcomes -> outcomes.get(0));
  }

  /**
   * Records reports in as few round trips as their kinds allow (one batch per kind), in order within a kind;
   * the outcomes in the order of {@code reports}. Fails as a whole when the database could not be asked.
   */
  public Future<List<Outcome>> recordAll(List<JsonObject> reports) {
    Outcome[] outcomes = new Outcome[reports.size()];
    Map<String, List<Integer>> indicesBySql = new LinkedHashMap<>();
    Map<String, List<Tuple>> argsBySql = new LinkedHashMap<>();
    for (int i = 0; i < reports.size(); i++) {
      JsonObject body = reports.get(i).getJsonObject("body");
      String kind = reports.get(i).getString("kind");
      if (body == null || kind == null) {
        outcomes[i] = Outcome.UNKNOWN;
        continue;
      }
      String sql;
      Tuple args;
      if (kind.equals("command_result")) {
        sql = COMMAND_RESULT;
        args = Tuple.from(new Object[] {body.getString("command_id"), body.getString("device_id"),
          body.getString("status"), body.getString("reason"), body.getJsonObject("result"), time(body, "ts")});
      } else if ("execution".equals(body.getString("type"))) {
        sql = EXECUTION;
        args = Tuple.from(new Object[] {body.getString("schedule_id"), body.getString("device_id"),
          time(body, "slot_start"), body.getString("mode"), body.getDouble("requested_kw"),
          body.getDouble("actual_kw"), body.getString("status"), body.getString("reason"), time(body, "ts")});
      } else {
        sql = SCHEDULE_ACK;
        args = Tuple.from(new Object[] {body.getString("schedule_id"), body.getString("device_id"),
          body.getString("status"), body.getString("reason"), body.getLong("version"), time(body, "ts"),
          body.getString("trace_id")});
      }
      indicesBySql.computeIfAbsent(sql, k -> new ArrayList<>()).add(i);
      argsBySql.computeIfAbsent(sql, k -> new ArrayList<>()).add(args);
    }
    // rows are locked in the order of their ids, so that two batches at once never wait for each other in a circle
    indicesBySql.forEach((sql, indices) -> {
      List<Tuple> args = argsBySql.get(sql);
      List<Integer> order = new ArrayList<>();
      for (int k = 0; k < indices.size(); k++) {
        order.add(k);
      }
      order.sort(java.util.Comparator.comparing(k -> args.get(k).getString(0)));
      indicesBySql.put(sql, order.stream().map(indices::get).toList());
      argsBySql.put(sql, order.stream().map(args::get).toList());
    });
    List<Future<Void>> batches = new ArrayList<>();
    indicesBySql.forEach((sql, indices) -> batches.add(pool.preparedQuery(sql).executeBatch(argsBySql.get(sql))
      .map(first -> {
        RowSet<Row> rows = first;
        for (int index : indices) {
          Row row = rows.iterator().next();
          outcomes[index] = outcome(row);
          Long advanced = row.getLong("advanced");
          if (sql.equals(SCHEDULE_ACK) && advanced != null) {
            statusMoved(reports.get(index).getJsonObject("body"), advanced);
          }
          rows = rows.next();
        }
        return null;
      })));
    return Future.all(batches).map(v -> Arrays.asList(outcomes));
  }

  private void statusMoved(JsonObject ack, long version) {
    vertx.eventBus().publish(Addresses.SCHEDULES_STATUS, new JsonObject()
      .put("schedule_id", ack.getString("schedule_id"))
      .put("device_id", ack.getString("device_id"))
      .put("version", version)
      .put("status", ack.getString("status"))
      .put("reason", ack.getString("reason"))
      .put("ts", ack.getString("ts")));
  }

  private static Outcome outcome(Row row) {
    if (row.getLong("known") == 0) {
      return Outcome.UNKNOWN;
    }
    return row.getLong("inserted") == 0 ? Outcome.DUPLICATE : Outcome.RECORDED;
  }

  private static OffsetDateTime time(JsonObject body, String field) {
    String text = body.getString(field);
    return text == null ? null : Instant.parse(text).atOffset(ZoneOffset.UTC);
  }
}
