package io.nattery.edge.registers;

import java.util.Locale;

/** Whether the edge may read and/or write a register. */
public enum Access {
  READ(true, false),
  WRITE(false, true),
  READWRITE(true, true);

  private final boolean readable;
  private final boolean writable;

  Access(boolean readable, boolean writable) {
    this.readable = readable;
    this.writable = writable;
  }

  public boolean readable() {
    return readable;
  }

  public boolean writable() {
    return writable;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the unknown access */
  public static Access fromWire(String text) {
    for (Access access : values()) {
      if (access.wire().equals(text)) {
        return access;
      }
    }
    throw new IllegalArgumentException("unknown access '" + text + "' (expected read, write or readwrite)");
  }
}
