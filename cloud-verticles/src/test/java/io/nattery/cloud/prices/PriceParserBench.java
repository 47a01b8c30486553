package io.nattery.cloud.prices;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * How long the ENTSO-E parser takes for one delivery day and for a year of one zone at PT15M, against a baseline
 * in the same run: a bare StAX pass over the same bytes that only counts elements. Not a test: run by
 * bench/prices-parser.sh, which prints the setup with the figures. Arguments: [rounds=7].
 */
public final class PriceParserBench {

  private PriceParserBench() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    String eic = BiddingZones.eic("DE_LU").orElseThrow();
    byte[] day = EntsoeLikeServer.document(eic, EntsoeDocumentParser.dayStart(LocalDate.parse("2026-03-29")),
      EntsoeDocumentParser.dayStart(LocalDate.parse("2026-03-30"))).getBytes(StandardCharsets.UTF_8);
    byte[] year = EntsoeLikeServer.document(eic, EntsoeDocumentParser.dayStart(LocalDate.parse("2026-01-01")),
      EntsoeDocumentParser.dayStart(LocalDate.parse("2027-01-01"))).getBytes(StandardCharsets.UTF_8);
    System.out.printf("JVM %s, args %s, %d rounds (the first is warm-up)%n", System.getProperty("java.version"),
      ManagementFactory.getRuntimeMXBean().getInputArguments(), rounds);
    run("one day (92 quarter-hours)", day, 2_000, rounds, 1);
    run("one year (35,036 quarter-hours)", year, 5, rounds, 365);
  }

  private static void run(String what, byte[] xml, int perRound, int rounds, int expectedDays) throws Exception {
    EntsoeDocumentParser parser = new EntsoeDocumentParser();
    Instant now = Instant.now();
    EntsoeDocument.Prices check = (EntsoeDocument.Prices) parser.parse(xml, null, now);
    if (check.days().size() != expectedDays || !check.incompleteDays().isEmpty()) {
      throw new IllegalStateException(what + ": " + check.days().size() + " days, not " + expectedDays);
    }
    double[] parse = new double[rounds];
    double[] baseline = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long start = System.nanoTime();
      for (int i = 0; i < perRound; i++) {
        parser.parse(xml, null, now);
      }
      parse[r] = (System.nanoTime() - start) / 1e6 / perRound;
      start = System.nanoTime();
      long elements = 0;
      for (int i = 0; i < perRound; i++) {
        elements += countElements(xml);
      }
      baseline[r] = (System.nanoTime() - start) / 1e6 / perRound;
      if (elements == 0) {
        throw new IllegalStateException("no elements");
      }
    }
    double p = median(parse);
    double b = median(baseline);
    System.out.printf("%-32s %,9d bytes: parse %.3f ms (median), bare StAX pass %.3f ms, ratio %.2f, %.0f MB/s%n",
      what, xml.length, p, b, p / b, xml.length / 1e6 / (p / 1000));
  }

  private static long countElements(byte[] xml) throws Exception {
    XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(xml));
    long count = 0;
    while (reader.hasNext()) {
      if (reader.next() == XMLStreamReader.START_ELEMENT) {
        count++;
      }
    }
    reader.close();
    return count;
  }

  private static double median(double[] values) {
    double[] warm = Arrays.copyOfRange(values, 1, values.length);
    Arrays.sort(warm);
    return warm[warm.length / 2];
  }
}
