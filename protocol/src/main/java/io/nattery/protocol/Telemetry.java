package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One sample of a device ({@code devices/{id}/telemetry}). Powers in W: battery > 0 discharging,
 * grid > 0 importing. {@code bootId} is null until the edge service restarted.
 */
public record Telemetry(
    String deviceId,
    Instant ts,
    long seq,
    String bootId,
    double socPct,
    double batteryPowerW,
    double batteryVoltageV,
    double batteryCurrentA,
    double batteryTempC,
    double pvPowerW,
    double gridPowerW,
    double loadPowerW,
    InverterState inverterState,
    Mode mode,
    double setpointW,
    List<String> alarms,
    Energy energy) {

  public Telemetry {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(inverterState, "inverterState");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(energy, "energy");
    alarms = List.copyOf(alarms);
  }

  /** The inverter's cumulative counters. */
  public record Energy(long chargedWh, long dischargedWh, long importWh, long exportWh, long pvWh) {

    public JsonObject toJson() {
      return new JsonObject()
          .put("charged_wh", chargedWh)
          .put("discharged_wh", dischargedWh)
          .put("import_wh", importWh)
          .put("export_wh", exportWh)
          .put("pv_wh", pvWh);
    }

    public static Energy fromJson(JsonObject json) {
      return new Energy(
          json.getLong("charged_wh"),
          json.getLong("discharged_wh"),
          json.getLong("import_wh"),
          json.getLong("export_wh"),
          json.getLong("pv_wh"));
    }
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("v", Contract.VERSION)
        .put("device_id", deviceId)
        .put("ts", Wire.text(ts))
        .put("seq", seq);
    if (bootId != null) {
      json.put("boot_id", bootId);
    }
    return json
        .put("soc_pct", socPct)
        .put("battery_power_w", batteryPowerW)
        .put("battery_voltage_v", batteryVoltageV)
        .put("battery_current_a", batteryCurrentA)
        .put("battery_temp_c", batteryTempC)
        .put("pv_power_w", pvPowerW)
        .put("grid_power_w", gridPowerW)
        .put("load_power_w", loadPowerW)
        .put("inverter_state", inverterState.wire())
        .put("mode", mode.wire())
        .put("setpoint_w", setpointW)
        .put("alarms", Wire.strings(alarms))
        .put("energy", energy.toJson());
  }

  /** Expects a payload that passed {@link MessageValidator}. */
  public static Telemetry fromJson(JsonObject json) {
    return new Telemetry(
        json.getString("device_id"),
        Wire.instant(json, "ts"),
        json.getLong("seq"),
        json.getString("boot_id"),
        json.getDouble("soc_pct"),
        json.getDouble("battery_power_w"),
        json.getDouble("battery_voltage_v"),
        json.getDouble("battery_current_a"),
        json.getDouble("battery_temp_c"),
        json.getDouble("pv_power_w"),
        json.getDouble("grid_power_w"),
        json.getDouble("load_power_w"),
        InverterState.fromWire(json.getString("inverter_state")),
        Mode.fromWire(json.getString("mode")),
        json.getDouble("setpoint_w"),
        Wire.strings(json.getJsonArray("alarms")),
        Energy.fromJson(json.getJsonObject("energy")));
  }
}
