package io.nattery.cloud.trading;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Pattern;

/** A price history for the backtest: consecutive slots of one MTU from {@code start}, EUR/MWh. */
public record PriceHistory(Instant start, Duration mtu, double[] pricesEurPerMwh) {

  /** The MTUs of PROTOCOL.md. */
  public static final Set<Duration> MTUS = Set.of(Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofMinutes(60));

  private static final String HEADER = "start,price";
  /** A plain decimal number; Double.parseDouble alone would also take "NaN", "Infinity", hex and "1d". */
  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");

  public int slots() {
    return pricesEurPerMwh.length;
  }

  public Instant slotStart(int slot) {
    return start.plus(mtu.multipliedBy(slot));
  }

  public double slotHours() {
    return mtu.toMinutes() / 60.0;
  }

  /** Bad input: what is wrong, and on which line of the file (1 is the header). */
  public static final class Malformed extends Exception {
    private final int line;

    Malformed(int line, String message) {
      super("line " + line + ": " + message);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }

  /**
   * Reads PROTOCOL.md's backtest CSV: the header {@code start,price}, then one row per MTU with
   * {@code start} in ISO-8601 UTC ({@code Z}) and the price in EUR/MWh; rows consecutive, of one MTU
   * (read off the first two rows). Blank lines are skipped.
   */
  public static PriceHistory parseCsv(Reader reader) throws IOException, Malformed {
    BufferedReader lines = new BufferedReader(reader);
    String header = lines.readLine();
    if (header == null) {
      throw new Malformed(1, "empty file, expected the header " + HEADER);
    }
    if (header.startsWith("\uFEFF")) {
      header = header.substring(1);
    }
    if (!header.strip().equals(HEADER)) {
      throw new Malformed(1, "expected the header " + HEADER + ", found " + abbreviate(header));
    }
    double[] prices = new double[1024];
    int count = 0;
    Instant first = null;
    Instant previous = null;
    Duration mtu = null;
    int lineNumber = 1;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      String[] fields = line.strip().split(",", -1);
      if (fields.length != 2) {
        throw new Malformed(lineNumber, "expected 2 fields start,price, found " + fields.length);
      }
      Instant start = instant(fields[0].strip(), lineNumber);
      double price = price(fields[1].strip(), lineNumber);
      if (previous != null) {
        Duration step = Duration.between(previous, start);
        if (mtu == null) {
          if (!MTUS.contains(step)) {
            throw new Malformed(lineNumber, "rows are " + step.toMinutes()
                + " minutes apart; the MTU must be 15, 30 or 60 minutes");
          }
          mtu = step;
        } else if (!step.equals(mtu)) {
          throw new Malformed(lineNumber, "expected the slot starting " + previous.plus(mtu) + " (MTU "
              + mtu.toMinutes() + " minutes), found " + start);
        }
      } else {
        first = start;
      }
      if (count == prices.length) {
        prices = Arrays.copyOf(prices, count * 2);
      }
      prices[count++] = price;
      previous = start;
    }
    if (count < 2) {
      throw new Malformed(lineNumber, "need at least two rows to read the MTU off them, found " + count);
    }
    return new PriceHistory(first, mtu, Arrays.copyOf(prices, count));
  }

  private static Instant instant(String text, int line) throws Malformed {
    if (!text.endsWith("Z")) {
      throw new Malformed(line, "start must be ISO-8601 UTC ending in Z: " + abbreviate(text));
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new Malformed(line, "start is not an ISO-8601 UTC time: " + abbreviate(text));
    }
  }

  private static double price(String text, int line) throws Malformed {
    if (!NUMBER.matcher(text).matches()) {
      throw new Malformed(line, "price is not a number: " + abbreviate(text));
    }
    double price = Double.parseDouble(text);
    if (!Double.isFinite(price)) {
      throw new Malformed(line, "price out of range: " + abbreviate(text));
    }
    return price;
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? "'" + text + "'" : "'" + text.substring(0, 40) + "...'";
  }
}
