package io.nattery.cloud.dispatch;

import io.nattery.protocol.FieldError;
import io.nattery.protocol.Schedule;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Schedules in PostgreSQL ({@code V6}): versions taken atomically per device, idempotence by
 * {@code schedule_id}, supersession, delivery attempts and the acks and executions the devices reported.
 */
public final class ScheduleStore {

  /** What became of a submitted schedule. */
  public sealed interface Submission {
  }

  /** Stored with its version: to be delivered. */
  public record Created(Schedule schedule) implements Submission {
  }

  /** The same id with the same content was submitted before: nothing is delivered again. */
  public record Repeated(JsonObject schedule) implements Submission {
  }

  /** The same id with other content. */
  public record Conflict() implements Submission {
  }

  public record UnknownDevice() implements Submission {
  }

  /** Broke a rule that needs the device (its rated power): nothing stored, no version taken. */
  public record Invalid(List<FieldError> errors) implements Submission {
  }

  private static final String SELECT = "SELECT schedule_id, device_id, version, body, content_hash, status, reason, "
    + "status_at, delivered_at, attempts, flagged_at, superseded_from, created_at, created_by FROM schedules ";

  /** The longest wait for an ack before the next attempt. */
  static final int MAX_BACKOFF_S = 600;

  static final int MAX_SUBMIT_BATCH = 128;
  /** Half the default pool: the posts of a burst never take every connection (345 posts/s at 4, 289 at 2). */
  static final int SUBMIT_BATCHES = 4;
  /** Submissions waiting for a batch; used from the owner's context only, as the fields below. */
  private final List<PendingSubmit> submissions = new ArrayList<>();
  private int submitting;
  /** Schedules the broker took, waiting to be marked delivered. */
  private final List<DeliveryMark> deliveries = new ArrayList<>();
  private boolean marking;
  private final Pool pool;

  /** A store for one verticle's context (it batches delivery marks without locks). */
  public ScheduleStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Takes a device's next schedule version ({@code V8}): followed by a SELECT of {@code (device_id, 1)} rows and
   * {@link #NEXT_VERSION_CONFLICT}, it returns the version as {@code schedule_version}, one row per device taken.
   */
  public static final String NEXT_VERSION = "INSERT INTO schedule_versions AS sv (device_id, version)";
  public static final String NEXT_VERSION_CONFLICT = "ON CONFLICT (device_id) DO UPDATE SET version = sv.version + 1 "
    + "RETURNING sv.version AS schedule_version";

  private static final String SUBMIT = "WITH existing AS (SELECT content_hash, body FROM schedules WHERE schedule_id = $1), "
    + "dev AS (SELECT rated_power_kw FROM devices WHERE device_id = $2), "
    + "v AS (" + NEXT_VERSION + " SELECT $2, 1 FROM dev WHERE NOT EXISTS (SELECT 1 FROM existing) "
    + "AND (rated_power_kw IS NULL OR rated_power_kw >= $3) " + NEXT_VERSION_CONFLICT + "), "
    + "ins AS (INSERT INTO schedules (schedule_id, device_id, version, source, body, content_hash, first_start, "
    + "last_end, created_by) SELECT $1, $2, schedule_version, $4, jsonb_set($5::jsonb, '{version}', "
    + "to_jsonb(schedule_version)), $6, $7, $8, $9 FROM v RETURNING version), "
    + "sup AS (UPDATE schedules SET superseded_from = LEAST(COALESCE(superseded_from, $7), $7) "
    + "WHERE device_id = $2 AND version < (SELECT version FROM ins) AND last_end > $7), "
    + "aud AS (INSERT INTO audit_log (actor, action, target, outcome, remote_addr, detail) "
    + "SELECT $9, 'schedule.create', $2, 'accepted', $10, $11 FROM ins) "
    + "SELECT (SELECT version FROM ins) AS version, (SELECT content_hash FROM existing) AS existing_hash, "
    + "(SELECT body FROM existing) AS existing_body, (SELECT rated_power_kw FROM dev) AS rated, "
    + "EXISTS (SELECT 1 FROM dev) AS known";

  /**
   * Stores a schedule that passed every rule but the device's rated power, in one statement: the id checked for
   * a repeat or a conflict, the device's next version taken unless a slot is above its rated power, the row
   * written with that version, older schedules of the device marked superseded from its first slot, and the
   * audit entry written. {@code schedule} carries any version; the stored one has the device's.
   */
  public Future<Submission> submit(Schedule schedule, String contentHash, String createdBy, String from,
                                   JsonObject auditDetail, Function<Double, List<FieldError>> powerErrors) {
    List<Schedule.Slot> slots = schedule.slots();
    double maxRate = slots.stream().mapToDouble(Schedule.Slot::rateKw).max().orElse(0);
    Tuple args = Tuple.from(new Object[] {schedule.scheduleId(), schedule.deviceId(), maxRate, schedule.source(),
      schedule.toJson(), contentHash, utc(slots.get(0).start()), utc(slots.get(slots.size() - 1).end()), createdBy,
      from, auditDetail});
    Promise<Row> stored = Promise.promise();
    submissions.add(new PendingSubmit(args, stored));
    submitNext();
    return stored.future()
      .map(row -> {
        Long version = row.getLong("version");
        if (version != null) {
          return new Created(new Schedule(schedule.scheduleId(), schedule.deviceId(), version, schedule.issuedAt(),
            schedule.source(), schedule.traceId(), schedule.resolution(), slots));
        }
        String existing = row.getString("existing_hash");
        if (existing != null) {
          return existing.equals(contentHash) ? new Repeated((JsonObject) row.getValue("existing_body")) : new Conflict();
        }
        if (!row.getBoolean("known")) {
          return new UnknownDevice();
        }
        return new Invalid(powerErrors.apply(row.getDouble("rated")));
      });
  }

  /**
   * Group commit: the submissions waiting are sent as one batch, which PostgreSQL runs as one transaction with
   * one commit (a commit per schedule made the write-ahead log's flushes the limit at about 200 posts a second).
   * At most {@link #SUBMIT_BATCHES} batches are in flight, so one fills while another commits. A batch the
   * server refuses as a whole (one new id in two batches at once, a deadlock) is run again one submission at a
   * time, so each gets its own answer; nothing of a refused batch was stored. One id twice in the same batch
   * needs nothing: the second statement sees the first one's row and answers as a repeat.
   */
  private void submitNext() {
    while (submitting < SUBMIT_BATCHES && !submissions.isEmpty()) {
      List<PendingSubmit> batch = new ArrayList<>(submissions.subList(0, Math.min(MAX_SUBMIT_BATCH, submissions.size())));
      submissions.subList(0, batch.size()).clear();
      // rows locked in device order, so two batches never wait for each other in a circle; the sort is stable,
      // so one device's submissions keep their order (and their versions)
      batch.sort(java.util.Comparator.comparing(pending -> pending.args().getString(1)));
      submitting++;
      Future<List<Row>> stored = batch.size() == 1
        ? submitOne(batch.get(0).args()).map(List::of)
        : pool.preparedQuery(SUBMIT).executeBatch(batch.stream().map(PendingSubmit::args).toList()).map(first -> {
          List<Row> rows = new ArrayList<>(batch.size());
          for (RowSet<Row> set = first; set != null; set = set.next()) {
            rows.add(set.iterator().next());
          }
          return rows;
        });
      stored.onComplete(done -> {
        submitting--;
        if (done.succeeded()) {
          for (int i = 0; i < batch.size(); i++) {
            batch.get(i).stored().complete(done.result().get(i));
          }
        } else if (batch.size() > 1) {
          batch.forEach(pending -> submitOne(pending.args()).onComplete(pending.stored()));
        } else {
          batch.get(0).stored().fail(done.cause());
        }
        submitNext();
      });
    }
  }

  private Future<Row> submitOne(Tuple args) {
    return pool.preparedQuery(SUBMIT).execute(args)
      // two requests with one new id at once: the loser meets the winner's row on its second try
      .recover(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState())
        ? pool.preparedQuery(SUBMIT).execute(args) : Future.failedFuture(e))
      .map(rows -> rows.iterator().next());
  }

  private record PendingSubmit(Tuple args, Promise<Row> stored) {
  }

  /**
   * Writes a schedule whose version the caller took in this transaction (the trading run does so), and marks
   * the device's older schedules superseded from its first slot on.
   */
  public static Future<Void> insert(SqlConnection conn, Schedule schedule, String contentHash, String createdBy) {
    List<Schedule.Slot> slots = schedule.slots();
    OffsetDateTime first = utc(slots.get(0).start());
    OffsetDateTime last = utc(slots.get(slots.size() - 1).end());
    return conn.preparedQuery("INSERT INTO schedules (schedule_id, device_id, version, source, body, content_hash, "
        + "first_start, last_end, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
      .execute(Tuple.from(new Object[] {schedule.scheduleId(), schedule.deviceId(), schedule.version(),
        schedule.source(), schedule.toJson(), contentHash, first, last, createdBy}))
      .compose(r -> conn.preparedQuery("UPDATE schedules SET superseded_from = "
          + "LEAST(COALESCE(superseded_from, $3), $3) WHERE device_id = $1 AND version < $2 AND last_end > $3")
        .execute(Tuple.of(schedule.deviceId(), schedule.version(), first)))
      .mapEmpty();
  }

  /**
   * The broker took the schedule: the next attempt waits for its ack {@code ackTimeoutMs}, doubled with each
   * attempt already made, at most {@link #MAX_BACKOFF_S}.
   */
  public Future<Void> delivered(String scheduleId, long ackTimeoutMs) {
    Promise<Void> marked = Promise.promise();
    deliveries.add(new DeliveryMark(scheduleId, ackTimeoutMs, marked));
    markDelivered();
    return marked.future();
  }

  /**
   * One UPDATE in flight at a time; what arrives meanwhile goes in the next, so a burst of posts costs a commit
   * per batch rather than per schedule (the commits were half of the write-ahead log's flushes). Rows are
   * updated in id order, as the report recorder locks them.
   */
  private void markDelivered() {
    if (marking || deliveries.isEmpty()) {
      return;
    }
    marking = true;
    List<DeliveryMark> batch = new ArrayList<>(deliveries);
    deliveries.clear();
    batch.sort(java.util.Comparator.comparing(DeliveryMark::scheduleId));
    // the join alone would lock in whatever order the plan scans; the locking SELECT takes them in id order
    pool.preparedQuery("WITH locked AS (SELECT schedule_id FROM schedules WHERE schedule_id = ANY($1) "
        + "ORDER BY schedule_id FOR NO KEY UPDATE) "
        + "UPDATE schedules s SET delivered_at = now(), attempts = s.attempts + 1, "
        + "next_attempt_at = now() + make_interval(secs => LEAST(d.timeout_ms / 1000.0 * power(2, s.attempts), $3)) "
        + "FROM unnest($1::text[], $2::bigint[]) AS d(id, timeout_ms) "
        + "WHERE s.schedule_id = d.id AND s.schedule_id IN (SELECT schedule_id FROM locked)")
      .execute(Tuple.tuple().addValue(batch.stream().map(DeliveryMark::scheduleId).toArray(String[]::new))
        .addValue(batch.stream().map(DeliveryMark::ackTimeoutMs).toArray(Long[]::new)).addValue(MAX_BACKOFF_S))
      .onComplete(done -> {
        marking = false;
        batch.forEach(mark -> mark.marked().handle(done.mapEmpty()));
        markDelivered();
      });
  }

  private record DeliveryMark(String scheduleId, long ackTimeoutMs, Promise<Void> marked) {
  }

  /**
   * Schedules due for another delivery: without a final ack (none at all, or RECEIVED but neither APPLIED nor
   * FAILED: a broker may drop an ack on its way to the cloud, and a device acks a repeated id again), not given up, the newest of their device (an
   * older one is replaced by the retained newer one anyway), and not just created (its first delivery may
   * still be under way).
   */
  public Future<List<Due>> due(int limit) {
    return pool.preparedQuery("SELECT schedule_id, device_id, body, attempts FROM schedules s "
        + "WHERE status IN ('pending', 'RECEIVED') "
        + "AND flagged_at IS NULL AND next_attempt_at <= now() AND created_at < now() - interval '5 seconds' "
        + "AND NOT EXISTS (SELECT 1 FROM schedules n WHERE n.device_id = s.device_id AND n.version > s.version) "
        + "ORDER BY next_attempt_at LIMIT $1")
      .execute(Tuple.of(limit))
      .map(rows -> {
        List<Due> due = new ArrayList<>();
        rows.forEach(row -> due.add(new Due(row.getString("schedule_id"), row.getString("device_id"),
          (JsonObject) row.getValue("body"), row.getInteger("attempts"))));
        return due;
      });
  }

  /** A schedule to deliver again. */
  public record Due(String scheduleId, String deviceId, JsonObject body, int attempts) {
  }

  /** Redelivery gave up on it: not acknowledged after every attempt. */
  public Future<Void> flag(String scheduleId) {
    return pool.preparedQuery("UPDATE schedules SET flagged_at = now() WHERE schedule_id = $1")
      .execute(Tuple.of(scheduleId)).mapEmpty();
  }

  public Future<Optional<JsonObject>> status(String scheduleId) {
    return pool.preparedQuery(SELECT + "WHERE schedule_id = $1").execute(Tuple.of(scheduleId))
      .compose(rows -> {
        if (rows.size() == 0) {
          return Future.succeededFuture(Optional.empty());
        }
        JsonObject status = statusView(rows.iterator().next());
        return pool.preparedQuery("SELECT status, reason, device_ts, recorded_at FROM schedule_acks "
            + "WHERE schedule_id = $1 ORDER BY recorded_at, status").execute(Tuple.of(scheduleId))
          .map(acks -> {
            JsonArray list = new JsonArray();
            acks.forEach(ack -> list.add(new JsonObject()
              .put("status", ack.getString("status"))
              .put("reason", ack.getString("reason"))
              .put("ts", text(ack.getOffsetDateTime("device_ts")))
              .put("recorded_at", text(ack.getOffsetDateTime("recorded_at")))));
            return Optional.of(status.put("acks", list));
          });
      });
  }

  /** The schedule as sent, its status, and each slot with its execution report (null until one came). */
  public Future<Optional<JsonObject>> withExecutions(String scheduleId) {
    return pool.preparedQuery(SELECT + "WHERE schedule_id = $1").execute(Tuple.of(scheduleId))
      .compose(rows -> {
        if (rows.size() == 0) {
          return Future.succeededFuture(Optional.empty());
        }
        Row row = rows.iterator().next();
        JsonObject body = (JsonObject) row.getValue("body");
        OffsetDateTime supersededFrom = row.getOffsetDateTime("superseded_from");
        return pool.preparedQuery("SELECT slot_start, mode, requested_kw, actual_kw, status, reason, device_ts "
            + "FROM schedule_executions WHERE schedule_id = $1").execute(Tuple.of(scheduleId))
          .map(executions -> {
            java.util.Map<String, JsonObject> bySlot = new java.util.HashMap<>();
            executions.forEach(e -> bySlot.put(text(e.getOffsetDateTime("slot_start")), new JsonObject()
              .put("status", e.getString("status"))
              .put("mode", e.getString("mode"))
              .put("requested_kw", e.getDouble("requested_kw"))
              .put("actual_kw", e.getDouble("actual_kw"))
              .put("reason", e.getString("reason"))
              .put("ts", text(e.getOffsetDateTime("device_ts")))));
            JsonArray slots = new JsonArray();
            for (Object o : body.getJsonArray("slots", new JsonArray())) {
              JsonObject slot = ((JsonObject) o).copy();
              java.time.Instant slotStart = java.time.Instant.parse(slot.getString("start"));
              String start = slotStart.toString();
              boolean superseded = supersededFrom != null
                && !slotStart.isBefore(supersededFrom.toInstant());
              slots.add(slot.put("superseded", superseded).put("execution", bySlot.get(start)));
            }
            return Optional.of(new JsonObject()
              .put("schedule", body)
              .put("status", statusView(row))
              .put("slots", slots));
          });
      });
  }

  private static JsonObject statusView(Row row) {
    return new JsonObject()
      .put("schedule_id", row.getString("schedule_id"))
      .put("device_id", row.getString("device_id"))
      .put("version", row.getLong("version"))
      .put("status", row.getString("status"))
      .put("reason", row.getString("reason"))
      .put("status_at", text(row.getOffsetDateTime("status_at")))
      .put("delivered_at", text(row.getOffsetDateTime("delivered_at")))
      .put("delivery_attempts", row.getInteger("attempts"))
      .put("flagged", row.getOffsetDateTime("flagged_at") != null)
      .put("superseded_from", text(row.getOffsetDateTime("superseded_from")))
      .put("created_at", text(row.getOffsetDateTime("created_at")))
      .put("created_by", row.getString("created_by"));
  }

  static String text(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }

  static OffsetDateTime utc(java.time.Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
