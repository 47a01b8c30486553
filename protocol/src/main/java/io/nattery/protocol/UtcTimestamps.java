package io.nattery.protocol;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The contract's timestamps read without {@code Instant.parse}'s generic formatter: a node reads one or more
 * per telemetry sample, 10,000 samples a second. Only the plain form is read here; anything else (an offset,
 * a leap second, a year before 1970) goes to {@code Instant.parse}, which also gives its errors.
 */
public final class UtcTimestamps {

  private UtcTimestamps() {
  }

  /** {@code Instant.parse(text)}, quicker for the contract's usual {@code yyyy-MM-ddTHH:mm:ss[.f]Z}. */
  public static Instant parse(String text) {
    Instant plain = parsePlain(text);
    return plain != null ? plain : Instant.parse(text);
  }

  /**
   * The instant of {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} in ASCII digits, for a real calendar day from 1970 on,
   * hours 00-23, minutes and seconds 00-59; null for any other text. What it reads, both {@code Instant.parse}
   * and the schemas' date-time format and pattern accept, with the same value.
   */
  public static Instant parsePlain(Object value) {
    if (!(value instanceof String s)) {
      return null;
    }
    int length = s.length();
    if (length != 20 && (length < 22 || length > 30)) {
      return null;
    }
    if (s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':' || s.charAt(length - 1) != 'Z' || length > 20 && s.charAt(19) != '.') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    int fraction = length > 20 ? digits(s, 20, length - 21) : 0;
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0) {
      return null;
    }
    int nanos = fraction;
    for (int scale = length - 21; length > 20 && scale < 9; scale++) {
      nanos *= 10;
    }
    long seconds = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second;
    return Instant.ofEpochSecond(seconds, nanos);
  }

  /** The number the ASCII digits at {@code s[from, from + count)} spell, or -1. */
  private static int digits(String s, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private static int daysIn(int year, int month) {
    return switch (month) {
      case 2 -> year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }
}
