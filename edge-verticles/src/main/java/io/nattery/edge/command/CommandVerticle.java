package io.nattery.edge.command;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
import io.nattery.edge.modbus.ModbusFailure;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.registers.RegisterWrite;
import io.nattery.edge.registers.RegisterWriteException;
import io.nattery.edge.store.EdgeStore;
import io.nattery.protocol.Command;
import io.nattery.protocol.CommandResult;
import io.nattery.protocol.CommandStatus;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the commands of {@code devices/{id}/commands} and answers each on {@code commands/result}: ACCEPTED,
 * then DONE, REJECTED (invalid, outside the limits, not writable), FAILED (the device said no or did not
 * answer) or EXPIRED. Expiry is checked on arrival and again by the Modbus worker just before the request
 * goes on the wire, so a command is never executed after {@code expires_at}. A command id seen before (a
 * QoS 1 redelivery) is not run twice. Results go through the outbox, so they survive a broker outage.
 */
public final class CommandVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CommandVerticle.class);
  private static final int REMEMBERED_IDS = 1000;

  private final RegisterMap map;
  private final EdgeStore store;
  private final MessageValidator validator = new MessageValidator();
  /** Ids of recent commands, oldest first. */
  private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > REMEMBERED_IDS;
    }
  };
  private String deviceId;
  private String resultTopic;
  private DeliveryOptions local;
  private long invalid;

  public CommandVerticle(RegisterMap map, EdgeStore store) {
    this.map = map;
    this.store = store;
  }

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
    resultTopic = Topics.commandResult(deviceId);
    local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(config().getLong("command_timeout_ms", 15_000L));
    return vertx.eventBus().<Buffer>localConsumer(Addresses.commandIn(deviceId), this::onCommand).completion();
  }

  private void onCommand(Message<Buffer> message) {
    Decoded<Command> decoded = validator.decode(MessageType.COMMAND, message.body());
    if (!decoded.isAccepted()) {
      invalid++;
      JsonObject json = tryJson(message.body());
      String id = json != null && json.getValue("command_id") instanceof String s && !s.isEmpty() && s.length() <= 128 ? s : null;
      String reason = decoded.rejection().ackReason();
      if (id == null) {
        LOG.warn("[device: {}] command without a usable command_id dropped ({} so far): {}", deviceId, invalid, reason);
        return;
      }
      result(id, CommandStatus.REJECTED, reason, null);
      return;
    }
    Command command = decoded.value();
    if (seen.containsKey(command.commandId())) {
      LOG.debug("[device: {}] command {} seen before, not run again", deviceId, command.commandId());
      return;
    }
    seen.put(command.commandId(), Boolean.TRUE);
    if (!deviceId.equals(command.deviceId())) {
      result(command.commandId(), CommandStatus.REJECTED, "semantic_invalid: device_id: command is for " + command.deviceId(), null);
      return;
    }
    if (command.isExpired(Instant.now())) {
      result(command.commandId(), CommandStatus.EXPIRED, "expired at " + command.expiresAt() + " before it arrived", null);
      return;
    }
    LOG.info("[device: {}, command: {}, trace: {}] {} {}", deviceId, command.commandId(), command.traceId(),
        command.type().wire(), command.params().encode());
    result(command.commandId(), CommandStatus.ACCEPTED, null, null)
        .compose(v -> execute(command))
        .onComplete(done -> {
          if (done.succeeded()) {
            result(command.commandId(), CommandStatus.DONE, null, done.result());
          } else {
            Throwable cause = done.cause();
            CommandStatus status = statusOf(cause);
            result(command.commandId(), status, cause.getMessage(), null);
          }
        });
  }

  private static CommandStatus statusOf(Throwable cause) {
    if (cause instanceof RegisterWriteException || cause instanceof IllegalArgumentException) {
      return CommandStatus.REJECTED;
    }
    if (cause instanceof ReplyException reply) {
      int code = reply.failureCode();
      if (code == ModbusFailure.EXPIRED) {
        return CommandStatus.EXPIRED;
      }
      if (code == ModbusFailure.BAD_REQUEST || code == 409 || code == 422) {
        return CommandStatus.REJECTED;
      }
    }
    return CommandStatus.FAILED;
  }

  private Future<JsonObject> execute(Command command) {
    JsonObject params = command.params();
    long expiresAtMs = command.expiresAt().toEpochMilli();
    return switch (command.type()) {
      case SET_MODE -> control(new JsonObject().put("op", "apply").put("mode", params.getString("mode")), expiresAtMs);
      case SET_POWER -> {
        Object value = params.getValue("power_w");
        if (!(value instanceof Number power)) {
          yield Future.failedFuture(new IllegalArgumentException("schema_invalid: params.power_w"));
        }
        double w = power.doubleValue();
        String mode = w < 0 ? "charge" : w > 0 ? "discharge" : "idle";
        yield control(new JsonObject().put("op", "apply").put("mode", mode).put("power_w", w), expiresAtMs);
      }
      case EMERGENCY_STOP -> control(new JsonObject().put("op", "emergency_stop"), null);
      case RESUME -> control(new JsonObject().put("op", "resume"), expiresAtMs);
      case READ_REGISTERS -> {
        JsonObject request = new JsonObject().put("op", "read").put("priority", "command")
            .put("address", params.getValue("address")).put("count", params.getValue("count")).put("expires_at_ms", expiresAtMs);
        yield modbus(request).map(reply -> new JsonObject().put("address", params.getValue("address"))
            .put("registers", reply.getJsonArray("registers")));
      }
      case WRITE_REGISTERS -> {
        RegisterWrite checked;
        try {
          JsonArray values = params.getJsonArray("values");
          int[] words = new int[values.size()];
          for (int i = 0; i < words.length; i++) {
            words[i] = values.getInteger(i);
          }
          checked = map.checkRawWrite(params.getInteger("address"), words);
        } catch (RegisterWriteException e) {
          yield Future.failedFuture(e);
        } catch (RuntimeException e) {
          yield Future.failedFuture(new IllegalArgumentException("schema_invalid: params (" + e.getMessage() + ")"));
        }
        JsonObject request = new JsonObject().put("op", "write").put("priority", "command").put("address", checked.address())
            .put("values", new JsonArray(new java.util.ArrayList<>(checked.values()))).put("expires_at_ms", expiresAtMs);
        yield modbus(request).map(reply -> new JsonObject().put("written", reply.getInteger("written")));
      }
    };
  }

  private Future<JsonObject> control(JsonObject request, Long expiresAtMs) {
    if (expiresAtMs != null) {
      request.put("expires_at_ms", expiresAtMs);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.control(deviceId), request, local).map(Message::body);
  }

  private Future<JsonObject> modbus(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.modbusRequest(deviceId), request, local).map(Message::body);
  }

  private Future<Void> result(String commandId, CommandStatus status, String reason, JsonObject result) {
    String payload = new CommandResult(commandId, deviceId, status, reason, result, Instant.now()).toJson().encode();
    if (status != CommandStatus.ACCEPTED) {
      LOG.info("[device: {}, command: {}] {}{}", deviceId, commandId, status, reason == null ? "" : ": " + reason);
    }
    return vertx.executeBlocking(() -> {
      store.enqueue(resultTopic, 1, payload, false);
      return null;
    }).onSuccess(v -> vertx.eventBus().publish(Addresses.outboxKick(deviceId), null, new DeliveryOptions().setLocalOnly(true)))
        .mapEmpty();
  }

  private static JsonObject tryJson(Buffer payload) {
    try {
      return payload.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
