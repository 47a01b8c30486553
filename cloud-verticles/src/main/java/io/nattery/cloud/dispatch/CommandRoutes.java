package io.nattery.cloud.dispatch;

import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.audit.AuditLog;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Command;
import io.nattery.protocol.Contract;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /api/v1/devices/{id}/commands} (operator): a Command without its ids, answered 202 with the
 * {@code command_id} once stored with its audit entry, then published at QoS 1. {@code expires_at} is optional
 * (default {@code commands.default_ttl_s} ahead, at most {@code commands.max_ttl_s}); a command nobody delivered
 * before it expired is marked EXPIRED by the redelivery job, never sent late. {@code GET /api/v1/commands/{id}}
 * (operator) shows where it stands and every result the device sent.
 */
public final class CommandRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(CommandRoutes.class);

  private Future<MessageValidator> validator;
  private CommandStore store;
  private Delivery delivery;
  private Duration defaultTtl;
  private Duration maxTtl;

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    JsonObject commands = config.getJsonObject("commands", new JsonObject());
    defaultTtl = Duration.ofSeconds(commands.getLong("default_ttl_s", 300L));
    maxTtl = Duration.ofSeconds(commands.getLong("max_ttl_s", 3600L));
    validator = vertx.executeBlocking(MessageValidator::new);
    store = new CommandStore(pool);
    delivery = new Delivery(vertx, RedeliveryVerticle.ackTimeoutMs(config));
    router.post("/api/v1/devices/:id/commands").handler(Http.requires(Role.OPERATOR)).handler(this::submit);
    router.get("/api/v1/commands/:command_id").handler(Http.requires(Role.OPERATOR)).handler(this::get);
  }

  private void submit(RoutingContext ctx) {
    String deviceId = ctx.pathParam("id");
    if (!Contract.isValidDeviceId(deviceId)) {
      Problems.send(ctx, 400, "invalid device id",
        List.of(new Problems.FieldProblem("device_id", "must match [A-Za-z0-9_-]{1,64}")));
      return;
    }
    JsonObject body = Http.jsonBody(ctx);
    if (body == null) {
      Problems.notAnObject(ctx, "the body must be a JSON object {\"type\",\"params\",\"expires_at\"?}");
      return;
    }
    List<Problems.FieldProblem> errors = new ArrayList<>();
    Object named = body.getValue("device_id");
    if (named != null && !deviceId.equals(named)) {
      errors.add(new Problems.FieldProblem("device_id", "must be the device of the path or absent"));
    }
    if (body.containsKey("command_id")) {
      errors.add(new Problems.FieldProblem("command_id", "is chosen by the server"));
    }
    Instant now = Instant.now();
    Instant expiresAt = now.plus(defaultTtl);
    Object expires = body.getValue("expires_at");
    if (expires != null) {
      try {
        expiresAt = Instant.parse(String.valueOf(expires));
        if (!expiresAt.isAfter(now)) {
          errors.add(new Problems.FieldProblem("expires_at", "is not in the future"));
        } else if (expiresAt.isAfter(now.plus(maxTtl))) {
          errors.add(new Problems.FieldProblem("expires_at", "is more than " + maxTtl.toSeconds() + " s ahead"));
        }
      } catch (DateTimeParseException e) {
        errors.add(new Problems.FieldProblem("expires_at", "must be ISO-8601 UTC, e.g. 2026-11-23T00:15:00Z"));
      }
    }
    if (!errors.isEmpty()) {
      Problems.send(ctx, 400, "invalid command", errors);
      return;
    }
    JsonObject filled = body.copy()
      .put("v", body.getValue("v", Contract.VERSION))
      .put("command_id", UUID.randomUUID().toString())
      .put("device_id", deviceId)
      .put("issued_at", now.toString())
      .put("expires_at", expiresAt.toString());
    if (!filled.containsKey("params")) {
      filled.put("params", new JsonObject()); // emergency_stop and resume take none
    }
    validator.onFailure(ctx::fail).onSuccess(v -> {
      Decoded<Command> decoded = v.decode(MessageType.COMMAND, Buffer.buffer(filled.encode()));
      if (!decoded.isAccepted()) {
        Problems.send(ctx, 400, "invalid command: " + decoded.rejection().reason().code(),
          ScheduleRoutes.problems(decoded.rejection().errors()));
        return;
      }
      Command command = decoded.value();
      JsonObject wire = command.toJson();
      JsonObject detail = new JsonObject().put("command_id", command.commandId()).put("type", command.type().wire())
        .put("params", command.params()).put("expires_at", command.expiresAt().toString());
      store.insert(wire, Http.subject(ctx), AuditLog.remoteAddress(ctx), detail)
        .onFailure(ctx::fail)
        .onSuccess(stored -> {
          if (!stored) {
            Problems.send(ctx, 404, "no device " + deviceId);
            return;
          }
          ctx.response().putHeader("Location", "/api/v1/commands/" + command.commandId());
          Http.json(ctx, 202, new JsonObject()
            .put("command_id", command.commandId())
            .put("status", "pending")
            .put("issued_at", command.issuedAt().toString())
            .put("expires_at", command.expiresAt().toString()));
          delivery.command(store, wire).onFailure(e -> LOG.info(
            "command stored, delivery left to the redelivery job [command: {}, device: {}]: {}",
            command.commandId(), deviceId, e.getMessage()));
        });
    });
  }

  private void get(RoutingContext ctx) {
    String id = ScheduleRoutes.pathId(ctx, "command_id");
    if (id == null) {
      return;
    }
    store.find(id).onFailure(ctx::fail).onSuccess(found -> found.ifPresentOrElse(
      view -> Http.json(ctx, 200, view), () -> Problems.send(ctx, 404, "no command " + id)));
  }
}
