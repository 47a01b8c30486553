package io.nattery.protocol;

import java.util.Locale;

/** Whether an alarm starts or ends. Lower case on the wire. */
public enum AlarmState {
  RAISED, CLEARED;

  private final String wire = name().toLowerCase(Locale.ROOT);

  public String wire() {
    return wire;
  }

  public static AlarmState fromWire(String value) {
    for (AlarmState candidate : values()) {
      if (candidate.wire.equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown alarm state: " + value);
  }
}
