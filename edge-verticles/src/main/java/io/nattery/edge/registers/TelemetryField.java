package io.nattery.edge.registers;

/** The Telemetry fields a register may feed, named as on the wire (energy counters with an {@code energy.} prefix). */
public enum TelemetryField {
  SOC_PCT("soc_pct", Kind.NUMBER),
  BATTERY_POWER_W("battery_power_w", Kind.NUMBER),
  BATTERY_VOLTAGE_V("battery_voltage_v", Kind.NUMBER),
  BATTERY_CURRENT_A("battery_current_a", Kind.NUMBER),
  BATTERY_TEMP_C("battery_temp_c", Kind.NUMBER),
  PV_POWER_W("pv_power_w", Kind.NUMBER),
  GRID_POWER_W("grid_power_w", Kind.NUMBER),
  LOAD_POWER_W("load_power_w", Kind.NUMBER),
  INVERTER_STATE("inverter_state", Kind.ENUM),
  MODE("mode", Kind.ENUM),
  SETPOINT_W("setpoint_w", Kind.NUMBER),
  ALARMS("alarms", Kind.BITS),
  ENERGY_CHARGED_WH("energy.charged_wh", Kind.COUNTER),
  ENERGY_DISCHARGED_WH("energy.discharged_wh", Kind.COUNTER),
  ENERGY_IMPORT_WH("energy.import_wh", Kind.COUNTER),
  ENERGY_EXPORT_WH("energy.export_wh", Kind.COUNTER),
  ENERGY_PV_WH("energy.pv_wh", Kind.COUNTER);

  /** What a register feeding the field must decode to. */
  public enum Kind { NUMBER, COUNTER, ENUM, BITS }

  private final String wire;
  private final Kind kind;

  TelemetryField(String wire, Kind kind) {
    this.wire = wire;
    this.kind = kind;
  }

  public String wire() {
    return wire;
  }

  public Kind kind() {
    return kind;
  }

  /** Several bitfield registers may feed {@code alarms}; every other field has exactly one source. */
  public boolean allowsSeveralRegisters() {
    return kind == Kind.BITS;
  }

  /** @throws IllegalArgumentException naming the unknown field */
  public static TelemetryField fromWire(String text) {
    for (TelemetryField field : values()) {
      if (field.wire.equals(text)) {
        return field;
      }
    }
    throw new IllegalArgumentException("unknown Telemetry field '" + text + "'");
  }
}
