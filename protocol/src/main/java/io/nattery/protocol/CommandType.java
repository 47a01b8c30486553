package io.nattery.protocol;

import java.util.Locale;

/** What a command asks of the device; its params depend on it. Lower case on the wire. */
public enum CommandType {
  SET_MODE, SET_POWER, READ_REGISTERS, WRITE_REGISTERS, EMERGENCY_STOP, RESUME;

  private final String wire = name().toLowerCase(Locale.ROOT);

  public String wire() {
    return wire;
  }

  public static CommandType fromWire(String value) {
    for (CommandType candidate : values()) {
      if (candidate.wire.equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown command type: " + value);
  }
}
