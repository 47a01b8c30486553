package io.nattery.protocol;

import java.util.Locale;

/** Severity of an alarm. Lower case on the wire. */
public enum Severity {
  CRITICAL, WARNING, INFO;

  private final String wire = name().toLowerCase(Locale.ROOT);

  public String wire() {
    return wire;
  }

  public static Severity fromWire(String value) {
    for (Severity candidate : values()) {
      if (candidate.wire.equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown severity: " + value);
  }
}
