package io.nattery.protocol;

import java.util.Locale;

/** State the inverter reports in telemetry. Lower case on the wire. */
public enum InverterState {
  RUNNING, STANDBY, FAULT, OFF;

  private final String wire = name().toLowerCase(Locale.ROOT);

  public String wire() {
    return wire;
  }

  public static InverterState fromWire(String value) {
    for (InverterState candidate : values()) {
      if (candidate.wire.equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown inverter_state: " + value);
  }
}
