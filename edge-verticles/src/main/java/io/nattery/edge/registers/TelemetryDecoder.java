package io.nattery.edge.registers;

import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Turns one read of a device's telemetry registers into a Telemetry sample. */
public final class TelemetryDecoder {
  private final RegisterMap map;
  private final ReadPlan plan;

  /** @throws RegisterMapException when the map does not feed every Telemetry field */
  public TelemetryDecoder(RegisterMap map) {
    this.map = map;
    Set<TelemetryField> missing = EnumSet.noneOf(TelemetryField.class);
    for (TelemetryField field : TelemetryField.values()) {
      if (map.feeding(field).isEmpty()) {
        missing.add(field);
      }
    }
    if (!missing.isEmpty()) {
      throw new RegisterMapException(map.source(), List.of("no register feeds Telemetry field(s) "
          + String.join(", ", missing.stream().map(TelemetryField::wire).toList())));
    }
    this.plan = ReadPlan.forTelemetry(map);
  }

  public RegisterMap map() {
    return map;
  }

  /** The reads one sample needs. */
  public ReadPlan plan() {
    return plan;
  }

  /** @param replies the words of each block of {@link #plan()}, in order */
  public Telemetry decode(List<int[]> replies, String deviceId, Instant ts, long seq, String bootId) {
    return decode(plan.snapshot(replies), deviceId, ts, seq, bootId);
  }

  public Telemetry decode(RegisterSnapshot snapshot, String deviceId, Instant ts, long seq, String bootId) {
    List<String> alarms = new ArrayList<>();
    for (Register register : map.feeding(TelemetryField.ALARMS)) {
      alarms.addAll(snapshot.bitCodes(register));
    }
    Telemetry.Energy energy = new Telemetry.Energy(
        counter(snapshot, TelemetryField.ENERGY_CHARGED_WH),
        counter(snapshot, TelemetryField.ENERGY_DISCHARGED_WH),
        counter(snapshot, TelemetryField.ENERGY_IMPORT_WH),
        counter(snapshot, TelemetryField.ENERGY_EXPORT_WH),
        counter(snapshot, TelemetryField.ENERGY_PV_WH));
    // A code the map does not list (a vendor state, 0 at boot) must not cost the whole sample: the state
    // reads as a fault, the mode as idle, and an alarm says which register held what.
    InverterState state = InverterState.FAULT;
    Mode mode = Mode.IDLE;
    try {
      state = InverterState.fromWire(snapshot.enumValue(only(TelemetryField.INVERTER_STATE)));
    } catch (RegisterDecodingException unknown) {
      alarms.add("unknown_inverter_state_code");
    }
    try {
      mode = Mode.fromWire(snapshot.enumValue(only(TelemetryField.MODE)));
    } catch (RegisterDecodingException unknown) {
      alarms.add("unknown_operating_mode_code");
    }
    return new Telemetry(deviceId, ts, seq, bootId,
        number(snapshot, TelemetryField.SOC_PCT),
        number(snapshot, TelemetryField.BATTERY_POWER_W),
        number(snapshot, TelemetryField.BATTERY_VOLTAGE_V),
        number(snapshot, TelemetryField.BATTERY_CURRENT_A),
        number(snapshot, TelemetryField.BATTERY_TEMP_C),
        number(snapshot, TelemetryField.PV_POWER_W),
        number(snapshot, TelemetryField.GRID_POWER_W),
        number(snapshot, TelemetryField.LOAD_POWER_W),
        state,
        mode,
        number(snapshot, TelemetryField.SETPOINT_W),
        List.copyOf(alarms),
        energy);
  }

  private double number(RegisterSnapshot snapshot, TelemetryField field) {
    return snapshot.number(only(field));
  }

  private long counter(RegisterSnapshot snapshot, TelemetryField field) {
    return Math.round(snapshot.number(only(field)));
  }

  private Register only(TelemetryField field) {
    return map.feeding(field).get(0);
  }
}
