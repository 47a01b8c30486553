package io.nattery.edge.control;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
import io.nattery.edge.registers.Register;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.registers.RegisterWrite;
import io.nattery.edge.registers.RegisterWriteException;
import io.nattery.edge.registers.TelemetryField;
import io.nattery.protocol.Mode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The only writer of the battery's mode and setpoint. Keeps what was asked last (by the schedule or a
 * command), applies {@link SafetyLimits} to it with the latest SOC and temperature, and writes the result
 * through the Modbus worker at command priority, both when asked and whenever a new sample makes the
 * limits bite (a battery charging into its SOC ceiling is stopped within one poll). An emergency stop
 * latches idle until {@code resume}. Every write goes through the register map, so only writable registers
 * are written and values outside the map's min/max never leave the Pi.
 * Config: {@code device_id}, {@code rated_power_kw} (5), {@code limits} (see {@link SafetyLimits#fromConfig}).
 */
public final class ControlVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ControlVerticle.class);

  private final RegisterMap map;
  private String deviceId;
  private SafetyLimits limits;
  private double ratedPowerW;
  private Register modeRegister;
  private Register setpointRegister;
  private DeliveryOptions modbusOptions;
  private String modbusAddress;
  private Mode wishMode = Mode.SELF_CONSUMPTION;
  private double wishPowerW;
  private Double slotSocMin;
  private Double slotSocMax;
  private Double socPct;
  private Double tempC;
  private boolean stopped;
  private SafetyLimits.Target written;
  private boolean writing;

  public ControlVerticle(RegisterMap map) {
    this.map = map;
  }

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
    ratedPowerW = config().getDouble("rated_power_kw", 5.0) * 1000;
    try {
      limits = SafetyLimits.fromConfig(config().getJsonObject("limits", new JsonObject()), ratedPowerW);
      modeRegister = writableFeeding(TelemetryField.MODE);
      setpointRegister = writableFeeding(TelemetryField.SETPOINT_W);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    modbusAddress = Addresses.modbusRequest(deviceId);
    modbusOptions = new DeliveryOptions().setLocalOnly(true)
        .setSendTimeout(config().getLong("control_request_timeout_ms", 10_000L));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.telemetry(deviceId), m -> onSample(m.body()));
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.control(deviceId), this::handle).completion();
  }

  private Register writableFeeding(TelemetryField field) {
    return map.feeding(field).stream().filter(Register::writable).findFirst().orElseThrow(() ->
        new IllegalArgumentException("register map " + map.name() + " has no writable register feeding " + field.wire()));
  }

  private void handle(Message<JsonObject> message) {
    JsonObject request = message.body();
    String op = request.getString("op", "");
    switch (op) {
      case "apply" -> {
        if (stopped) {
          message.fail(409, "emergency_stop is active: send resume first");
          return;
        }
        Mode mode;
        try {
          mode = Mode.fromWire(request.getString("mode"));
        } catch (RuntimeException e) {
          message.fail(400, "unknown mode: " + request.getValue("mode"));
          return;
        }
        // set_mode without a power keeps the magnitude asked last, in the new mode's direction
        Object power = request.containsKey("power_w") ? request.getValue("power_w") : Math.abs(wishPowerW);
        if (!(power instanceof Number number) || !Double.isFinite(number.doubleValue())) {
          message.fail(400, "power_w must be a number");
          return;
        }
        if (Math.abs(number.doubleValue()) > ratedPowerW) {
          message.fail(422, "power_w " + number + " W is above the rated power " + ratedPowerW + " W");
          return;
        }
        wishMode = mode;
        wishPowerW = number.doubleValue();
        slotSocMin = request.getDouble("soc_min_pct");
        slotSocMax = request.getDouble("soc_max_pct");
        reply(message, write(currentTarget(), expiresAt(request)));
      }
      case "emergency_stop" -> {
        stopped = true;
        LOG.warn("[device: {}] emergency stop", deviceId);
        reply(message, write(new SafetyLimits.Target(Mode.IDLE, 0, "emergency_stop"), null));
      }
      case "resume" -> {
        stopped = false;
        LOG.info("[device: {}] resumed after emergency stop", deviceId);
        reply(message, write(currentTarget(), expiresAt(request)));
      }
      case "state" -> message.reply(state(written));
      default -> message.fail(400, "unknown op '" + op + "'");
    }
  }

  private void reply(Message<JsonObject> message, Future<SafetyLimits.Target> written) {
    written.onComplete(r -> {
      if (r.succeeded()) {
        message.reply(state(r.result()));
      } else if (r.cause() instanceof ReplyException failure) {
        message.fail(failure.failureCode(), failure.getMessage());
      } else {
        message.fail(500, String.valueOf(r.cause().getMessage()));
      }
    });
  }

  private JsonObject state(SafetyLimits.Target target) {
    return new JsonObject()
        .put("mode", target == null ? null : target.mode().wire())
        .put("setpoint_w", target == null ? null : target.powerW())
        .put("limited_by", target == null ? null : target.limitedBy())
        .put("stopped", stopped);
  }

  private SafetyLimits.Target currentTarget() {
    return limits.apply(wishMode, wishPowerW, socPct, tempC, slotSocMin, slotSocMax);
  }

  /** A new sample: if the limits now give another target than the one written, write it. */
  private void onSample(JsonObject telemetry) {
    socPct = telemetry.getDouble("soc_pct");
    tempC = telemetry.getDouble("battery_temp_c");
    if (stopped || written == null || writing) {
      return;
    }
    SafetyLimits.Target target = currentTarget();
    if (target.mode() != written.mode() || target.powerW() != written.powerW()) {
      LOG.info("[device: {}] limits changed the setpoint to {} {} W: {}", deviceId, target.mode().wire(), target.powerW(), target.limitedBy());
      write(target, null);
    }
  }

  private static Long expiresAt(JsonObject request) {
    return request.getValue("expires_at_ms") instanceof Number n ? n.longValue() : null;
  }

  /** Mode and setpoint in one request when the map puts them side by side (it does in the shipped map). */
  private Future<SafetyLimits.Target> write(SafetyLimits.Target target, Long expiresAtMs) {
    List<RegisterWrite> writes = new ArrayList<>();
    try {
      RegisterWrite mode = map.encodeWrite(modeRegister.name(), target.mode().wire());
      RegisterWrite setpoint = map.encodeWrite(setpointRegister.name(), Math.round(target.powerW()));
      if (mode.address() + mode.values().size() == setpoint.address()) {
        List<Integer> words = new ArrayList<>(mode.values());
        words.addAll(setpoint.values());
        writes.add(new RegisterWrite(mode.address(), words));
      } else {
        writes.add(mode);
        writes.add(setpoint);
      }
    } catch (RegisterWriteException e) {
      return Future.failedFuture(new ReplyException(io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE, 422, e.getMessage()));
    }
    writing = true;
    Future<Void> chain = Future.succeededFuture();
    for (RegisterWrite w : writes) {
      JsonObject request = new JsonObject().put("op", "write").put("priority", "command")
          .put("address", w.address()).put("values", new JsonArray(new ArrayList<>(w.values())));
      if (expiresAtMs != null) {
        request.put("expires_at_ms", expiresAtMs);
      }
      chain = chain.compose(v -> vertx.eventBus().request(modbusAddress, request, modbusOptions).mapEmpty());
    }
    return chain.map(v -> {
      written = target;
      return target;
    }).eventually(() -> {
      writing = false;
      return Future.succeededFuture();
    });
  }
}
