package io.nattery.cloud.dispatch;

import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.audit.AuditLog;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Contract;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.FieldError;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Schedule;
import io.nattery.protocol.ScheduleRules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /api/v1/schedules} (trader), {@code GET /api/v1/schedules/{id}} and {@code .../status} (viewer).
 * A posted schedule is checked against the contract's schema and rules (the device's rated power included),
 * stored with the device's next version and an audit entry in one transaction, answered 201, then delivered
 * retained at QoS 1; the redelivery job ({@link RedeliveryVerticle}) takes over from there. The same
 * {@code schedule_id} with the same content answers 200 and delivers nothing; with other content, 409.
 */
public final class ScheduleRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(ScheduleRoutes.class);

  private final ScheduleRules rules = new ScheduleRules();
  private Future<MessageValidator> validator;
  private ScheduleStore store;
  private Delivery delivery;
  private AuditLog audit;

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    // compiling the schemas takes a moment: not on the event loop
    validator = vertx.executeBlocking(MessageValidator::new);
    store = new ScheduleStore(pool);
    audit = new AuditLog(pool);
    delivery = new Delivery(vertx, RedeliveryVerticle.ackTimeoutMs(config));
    router.post("/api/v1/schedules").handler(Http.requires(Role.TRADER)).handler(this::submit);
    router.get("/api/v1/schedules/:schedule_id").handler(Http.requires(Role.VIEWER)).handler(this::get);
    router.get("/api/v1/schedules/:schedule_id/status").handler(Http.requires(Role.VIEWER)).handler(this::status);
  }

  private void submit(RoutingContext ctx) {
    JsonObject body = Http.jsonBody(ctx);
    if (body == null) {
      Problems.notAnObject(ctx, "the body must be a JSON Schedule object");
      return;
    }
    Instant now = Instant.now();
    // the server fills what only it can know; a version or issued_at sent along is replaced
    JsonObject filled = body.copy();
    filled.put("v", body.getValue("v", Contract.VERSION));
    if (!filled.containsKey("schedule_id")) {
      filled.put("schedule_id", UUID.randomUUID().toString());
    }
    filled.put("version", 1);
    filled.put("issued_at", now.toString());
    if (!filled.containsKey("source")) {
      filled.put("source", "api");
    }
    validator.onFailure(ctx::fail).onSuccess(v -> {
      Decoded<Schedule> decoded = v.decode(MessageType.SCHEDULE, Buffer.buffer(filled.encode()));
      if (!decoded.isAccepted()) {
        Problems.send(ctx, 400, "invalid schedule: " + decoded.rejection().reason().code(),
          problems(decoded.rejection().errors()));
        return;
      }
      Schedule requested = decoded.value();
      // every rule but the rated power, which the store checks as it takes the version
      List<FieldError> errors = rules.check(requested, now, Double.MAX_VALUE);
      if (!errors.isEmpty()) {
        audit.record(ctx, "schedule.create", requested.deviceId(), "refused", auditDetail(requested));
        Problems.send(ctx, 400, "invalid schedule", problems(errors));
        return;
      }
      store.submit(requested, contentHash(requested), Http.subject(ctx), AuditLog.remoteAddress(ctx),
          auditDetail(requested), rated -> rules.check(requested, now, rated))
        .onSuccess(submission -> answer(ctx, requested, submission))
        .onFailure(ctx::fail);
    });
  }

  private void answer(RoutingContext ctx, Schedule requested, ScheduleStore.Submission submission) {
    if (submission instanceof ScheduleStore.Created created) {
      JsonObject schedule = created.schedule().toJson();
      ctx.response().putHeader("Location", "/api/v1/schedules/" + requested.scheduleId());
      Http.json(ctx, 201, schedule);
      delivery.schedule(store, schedule)
        .onFailure(e -> LOG.info("schedule stored, delivery left to the redelivery job [schedule: {}, device: {}]: {}",
          requested.scheduleId(), requested.deviceId(), e.getMessage()));
    } else if (submission instanceof ScheduleStore.Repeated repeated) {
      Http.json(ctx, 200, repeated.schedule());
    } else if (submission instanceof ScheduleStore.Conflict) {
      audit.record(ctx, "schedule.create", requested.deviceId(), "conflict", auditDetail(requested));
      Problems.send(ctx, 409, "schedule " + requested.scheduleId() + " exists with other content");
    } else if (submission instanceof ScheduleStore.UnknownDevice) {
      audit.record(ctx, "schedule.create", requested.deviceId(), "unknown_device", auditDetail(requested));
      Problems.send(ctx, 404, "no device " + requested.deviceId(),
        List.of(new Problems.FieldProblem("device_id", "is not a provisioned device")));
    } else if (submission instanceof ScheduleStore.Invalid invalid) {
      audit.record(ctx, "schedule.create", requested.deviceId(), "refused", auditDetail(requested));
      Problems.send(ctx, 400, "invalid schedule", problems(invalid.errors()));
    }
  }

  private void get(RoutingContext ctx) {
    String id = pathId(ctx, "schedule_id");
    if (id != null) {
      store.withExecutions(id).onFailure(ctx::fail).onSuccess(found -> found.ifPresentOrElse(
        view -> Http.json(ctx, 200, view), () -> Problems.send(ctx, 404, "no schedule " + id)));
    }
  }

  private void status(RoutingContext ctx) {
    String id = pathId(ctx, "schedule_id");
    if (id != null) {
      store.status(id).onFailure(ctx::fail).onSuccess(found -> found.ifPresentOrElse(
        view -> Http.json(ctx, 200, view), () -> Problems.send(ctx, 404, "no schedule " + id)));
    }
  }

  /**
   * The path parameter {@code name} ({@code schedule_id}, {@code command_id}) when it could be such an id (the
   * contract's 1 to 128 printable characters), else answers 400 and returns null.
   */
  static String pathId(RoutingContext ctx, String name) {
    String id = ctx.pathParam(name);
    if (id == null || id.isEmpty() || id.length() > 128 || id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      Problems.send(ctx, 400, "invalid " + name.replace('_', ' '),
        List.of(new Problems.FieldProblem(name, "must be 1 to 128 printable characters")));
      return null;
    }
    return id;
  }

  static List<Problems.FieldProblem> problems(List<FieldError> errors) {
    return errors.stream().map(e -> new Problems.FieldProblem(e.field(), e.message())).toList();
  }

  /** What the sender asked for: its device, source, resolution and slots; not what the server filled in. */
  static String contentHash(Schedule schedule) {
    JsonObject content = schedule.toJson();
    content.remove("schedule_id");
    content.remove("version");
    content.remove("issued_at");
    content.remove("trace_id");
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static JsonObject auditDetail(Schedule schedule) {
    List<Schedule.Slot> slots = schedule.slots();
    return new JsonObject()
      .put("schedule_id", schedule.scheduleId())
      .put("source", schedule.source())
      .put("slots", slots.size())
      .put("from", slots.isEmpty() ? null : slots.get(0).start().toString())
      .put("to", slots.isEmpty() ? null : slots.get(slots.size() - 1).end().toString());
  }
}
