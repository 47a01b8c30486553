package io.nattery.edge.registers;

import java.util.Locale;

/** Data types a register map may use; 32-bit values put the high word first (SunSpec). */
public enum RegisterType {
  U16(1, false, 0, 0xFFFFL),
  S16(1, true, Short.MIN_VALUE, Short.MAX_VALUE),
  U32(2, false, 0, 0xFFFF_FFFFL),
  S32(2, true, Integer.MIN_VALUE, Integer.MAX_VALUE),
  STRING(0, false, 0, 0);

  private final int words;
  private final boolean signed;
  private final long minRaw;
  private final long maxRaw;

  RegisterType(int words, boolean signed, long minRaw, long maxRaw) {
    this.words = words;
    this.signed = signed;
    this.minRaw = minRaw;
    this.maxRaw = maxRaw;
  }

  /** Words a numeric value takes; strings declare theirs with {@code length}. */
  public int words() {
    return words;
  }

  public boolean signed() {
    return signed;
  }

  public boolean numeric() {
    return this != STRING;
  }

  public long minRaw() {
    return minRaw;
  }

  public long maxRaw() {
    return maxRaw;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the unknown type */
  public static RegisterType fromWire(String text) {
    for (RegisterType type : values()) {
      if (type.wire().equals(text)) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown register type '" + text + "' (expected u16, s16, u32, s32 or string)");
  }
}
