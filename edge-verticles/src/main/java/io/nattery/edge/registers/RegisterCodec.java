package io.nattery.edge.registers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Conversion between 16-bit words (as ints 0..65535) and typed values. Big-endian throughout:
 * the high word of a 32-bit value comes first, and a string holds two ASCII characters per word,
 * the first in the high byte, padded with NULs (SunSpec).
 */
public final class RegisterCodec {
  /** SunSpec allows scale factors in -10..10. */
  public static final int MAX_SCALE = 10;
  /** SunSpec's "not implemented" value of an s16 (also used for an unusable scale factor). */
  public static final int S16_NOT_IMPLEMENTED = -32768;

  private static final long[] POW10 = new long[MAX_SCALE + 1];

  static {
    POW10[0] = 1;
    for (int i = 1; i <= MAX_SCALE; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  private RegisterCodec() {
  }

  /** The integer a numeric register holds, sign applied. */
  public static long raw(RegisterType type, int[] words, int offset) {
    checkWords(words, offset, type.words());
    return switch (type) {
      case U16 -> words[offset] & 0xFFFF;
      case S16 -> (short) words[offset];
      case U32 -> ((long) (words[offset] & 0xFFFF) << 16) | (words[offset + 1] & 0xFFFF);
      case S32 -> (int) (((words[offset] & 0xFFFF) << 16) | (words[offset + 1] & 0xFFFF));
      case STRING -> throw new IllegalArgumentException("a string has no raw integer value");
    };
  }

  /** The words of an integer, refused when the type cannot hold it. */
  public static int[] words(RegisterType type, long raw) {
    if (!type.numeric()) {
      throw new IllegalArgumentException("a string has no raw integer value");
    }
    if (raw < type.minRaw() || raw > type.maxRaw()) {
      throw new RegisterWriteException("raw value " + raw + " does not fit " + type.wire()
          + " (" + type.minRaw() + ".." + type.maxRaw() + ")");
    }
    return type.words() == 1
        ? new int[] {(int) (raw & 0xFFFF)}
        : new int[] {(int) ((raw >>> 16) & 0xFFFF), (int) (raw & 0xFFFF)};
  }

  /** raw * 10^sf, exact for the decimal values registers carry (575 with sf -1 is 57.5, not 57.50000000000001). */
  public static double scale(long raw, int sf) {
    checkScale(sf);
    return sf >= 0 ? (double) raw * POW10[sf] : raw / (double) POW10[-sf];
  }

  /** The raw integer that best represents {@code value} under the exponent (rounded half away from zero). */
  public static long unscale(double value, int sf) {
    checkScale(sf);
    if (!Double.isFinite(value)) {
      throw new RegisterWriteException("value " + value + " is not a finite number");
    }
    double scaled = sf >= 0 ? value / POW10[sf] : value * POW10[-sf];
    return Math.round(Math.abs(scaled)) * (scaled < 0 ? -1 : 1);
  }

  public static void checkScale(int sf) {
    if (sf < -MAX_SCALE || sf > MAX_SCALE) {
      throw new RegisterDecodingException("scale factor " + sf + " outside -" + MAX_SCALE + ".." + MAX_SCALE);
    }
  }

  /** Text of a string register, without its NUL (and trailing blank) padding. */
  public static String string(int[] words, int offset, int length) {
    checkWords(words, offset, length);
    byte[] bytes = new byte[length * 2];
    for (int i = 0; i < length; i++) {
      bytes[2 * i] = (byte) (words[offset + i] >> 8);
      bytes[2 * i + 1] = (byte) words[offset + i];
    }
    int end = 0;
    while (end < bytes.length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, 0, end, StandardCharsets.US_ASCII).stripTrailing();
  }

  /** Words of a string register: ASCII only, at most two characters per word, NUL padded. */
  public static int[] string(String text, int length) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        throw new RegisterWriteException("string holds a character outside printable ASCII at index " + i);
      }
    }
    if (text.length() > length * 2) {
      throw new RegisterWriteException("string of " + text.length() + " characters does not fit "
          + length + " registers (" + length * 2 + " characters)");
    }
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    int[] words = new int[length];
    for (int i = 0; i < bytes.length; i++) {
      words[i / 2] |= (bytes[i] & 0xFF) << (i % 2 == 0 ? 8 : 0);
    }
    return words;
  }

  /** Alarm codes of the set bits, lowest bit first; a set bit the table does not name becomes {@code <register>_bit_<n>}. */
  public static List<String> bitCodes(Register register, long raw) {
    List<String> codes = new ArrayList<>();
    int width = register.length() * 16;
    for (int bit = 0; bit < width; bit++) {
      if ((raw >>> bit & 1L) != 0) {
        String code = register.bits().get(bit);
        codes.add(code != null ? code : register.name() + "_bit_" + bit);
      }
    }
    return codes;
  }

  /** The raw value with the given alarm codes set; a code the table does not know is refused. */
  public static long bitValue(Register register, List<String> codes) {
    long raw = 0;
    for (String code : codes) {
      int bit = register.bits().entrySet().stream()
          .filter(e -> e.getValue().equals(code))
          .mapToInt(Map.Entry::getKey)
          .findFirst()
          .orElseThrow(() -> new RegisterWriteException("register '" + register.name() + "' has no bit for '" + code + "'"));
      raw |= 1L << bit;
    }
    return raw;
  }

  /**
   * Words for a value as the device holds it: a String for strings and enumerations (the wire value),
   * a Number in engineering units otherwise, scaled by {@code sf}. Checks only what the type can hold:
   * access and the map's limits are {@link RegisterMap#encodeWrite}'s business.
   */
  public static int[] encode(Register register, Object value, int sf) {
    if (register.type() == RegisterType.STRING) {
      if (!(value instanceof String text)) {
        throw new RegisterWriteException("register '" + register.name() + "' takes a string, got " + describe(value));
      }
      return string(text, register.length());
    }
    if (register.isEnum() && value instanceof String wire) {
      OptionalInt code = register.codeOf(wire);
      if (code.isEmpty()) {
        throw new RegisterWriteException("register '" + register.name() + "' has no code for '" + wire
            + "' (allowed: " + String.join(", ", register.enumCodes().values().stream().distinct().sorted().toList()) + ")");
      }
      return words(register.type(), code.getAsInt());
    }
    if (!(value instanceof Number number)) {
      throw new RegisterWriteException("register '" + register.name() + "' takes a number, got " + describe(value));
    }
    if (register.isEnum() && !register.enumCodes().containsKey(number.intValue())) {
      throw new RegisterWriteException("register '" + register.name() + "' has no enumeration code " + number);
    }
    return words(register.type(), unscale(number.doubleValue(), sf));
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
  }

  private static void checkWords(int[] words, int offset, int count) {
    if (offset < 0 || offset + count > words.length) {
      throw new IllegalArgumentException("need " + count + " words at offset " + offset + ", have " + words.length);
    }
  }
}
