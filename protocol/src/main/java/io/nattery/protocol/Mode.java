package io.nattery.protocol;

import java.util.Locale;

/** What the battery does: in telemetry, schedule slots, execution acks and set_mode. Lower case on the wire. */
public enum Mode {
  CHARGE, DISCHARGE, IDLE, SELF_CONSUMPTION;

  private final String wire = name().toLowerCase(Locale.ROOT);

  public String wire() {
    return wire;
  }

  public static Mode fromWire(String value) {
    for (Mode candidate : values()) {
      if (candidate.wire.equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown mode: " + value);
  }
}
