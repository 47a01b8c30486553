package io.nattery.cloud.prices;

import io.nattery.protocol.Decoded;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.PriceCurve;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parser against the project's own ENTSO-E documents in {@code src/test/resources/entsoe/}. */
class EntsoeDocumentParserTest {

  private static final Instant FETCHED = Instant.parse("2026-03-28T13:05:00Z");
  private static final MessageValidator CONTRACT = new MessageValidator();
  private final EntsoeDocumentParser parser = new EntsoeDocumentParser();

  @Test
  void aSchema70HourlyDayWithNegativeAndZeroPrices() throws Exception {
    EntsoeDocument.Prices prices = prices("nl-2024-10-11-pt60m-a01-v7_0.xml");

    assertEquals("NL", prices.zone());
    assertEquals(List.of(), prices.incompleteDays());
    PriceCurve day = single(prices);
    assertEquals(LocalDate.parse("2024-10-11"), day.deliveryDay());
    assertEquals(Duration.ofMinutes(60), day.resolution());
    assertEquals("entsoe", day.source());
    assertEquals(FETCHED, day.fetchedAt());
    assertContiguous(day, "2024-10-10T22:00:00Z", "2024-10-11T22:00:00Z", 24);
    assertPrices(day, 92.35, 85.10, 80.00, 78.42, 79.99, 88.10, 101.56, 120.03, 98.70, 45.12, 0.00, -0.01, -12.50,
      -35.77, -4.20, 0.00, 40.10, 88.88, 131.40, 155.25, 140.00, 118.60, 104.33, 95.01);
    assertFollowsTheContract(day);
  }

  @Test
  void springDstDayOf92QuarterHoursTakesTheSdacSeriesAndRepeatsOmittedA03Positions() throws Exception {
    EntsoeDocument.Prices prices = prices("de_lu-2026-03-29-dst-92-pt15m-a03-v7_3.xml");

    PriceCurve day = single(prices);
    assertEquals("DE_LU", day.zone());
    assertEquals(LocalDate.parse("2026-03-29"), day.deliveryDay());
    assertEquals(Duration.ofMinutes(15), day.resolution());
    assertContiguous(day, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 92);
    // the whole day, quarter-hour by quarter-hour, as meant by the sparse A03 series (sequence 1)
    assertPrices(day, 88.50, 88.50, 88.50, 88.50, 84.20, 84.20, 84.20, 84.20, 79.90, 79.90, 79.90, 79.90, 77.00,
      77.00, 77.00, 77.00, 81.30, 81.30, 81.30, 81.30, 95.40, 95.40, 95.40, 95.40, 118.20, 118.20, 118.20, 118.20,
      132.00, 136.25, 140.50, 140.50, 110.60, 110.60, 110.60, 110.60, 70.20, 70.20, 70.20, 70.20, 30.50, 30.50, 30.50,
      30.50, -5.00, -5.00, -5.00, -5.00, -18.75, -18.75, -18.75, -18.75, -3.10, -3.10, -3.10, -3.10, 0.00, 0.00, 0.00,
      0.00, 35.40, 35.40, 35.40, 35.40, 82.00, 82.00, 82.00, 82.00, 140.70, 144.95, 149.20, 149.20, 162.30, 162.30,
      162.30, 162.30, 150.00, 150.00, 150.00, 150.00, 121.40, 121.40, 121.40, 121.40, 101.90, 101.90, 101.90, 101.90,
      93.60, 91.00, 91.00, 91.00);
    // 03:00 CEST comes right after 01:45 CET: the ninth quarter-hour starts at 01:00Z
    assertEquals(Instant.parse("2026-03-29T01:00:00Z"), day.points().get(8).start());
    assertFollowsTheContract(day);
  }

  @Test
  void autumnDstDayOf100QuarterHoursIgnoresTheSecondAuction() throws Exception {
    PriceCurve day = single(prices("at-2026-10-25-dst-100-pt15m-a01-v7_3.xml"));

    assertEquals("AT", day.zone());
    assertEquals(LocalDate.parse("2026-10-25"), day.deliveryDay());
    assertContiguous(day, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 100);
    for (int p = 1; p <= 100; p++) {
      double expected = p >= 41 && p <= 48 ? -(p - 40) * 1.5 : p == 60 ? 0.0 : 50 + p / 4.0;
      assertEquals(expected, day.points().get(p - 1).price(), 1e-9, "position " + p);
    }
    assertFollowsTheContract(day);
  }

  @Test
  void periodsOfMixedResolutionsAreExpressedAtTheDaysFinestAndTheDocumentIntervalIsIgnored() throws Exception {
    EntsoeDocument.Prices prices = prices("fr-2026-06-15-mixed-resolutions-v7_3.xml");

    assertEquals(2, prices.days().size(), "only the two days the Periods hold, not the document's four");
    assertEquals(List.of(), prices.incompleteDays());
    PriceCurve mixed = prices.days().get(0);
    assertEquals(LocalDate.parse("2026-06-15"), mixed.deliveryDay());
    assertEquals(Duration.ofMinutes(15), mixed.resolution());
    assertContiguous(mixed, "2026-06-14T22:00:00Z", "2026-06-15T22:00:00Z", 96);
    double[] hourly = {61.0, 58.5, 55.25, 54.0, 57.75, 66.0};
    for (int q = 0; q < 24; q++) {
      assertEquals(hourly[q / 4], mixed.points().get(q).price(), 1e-9, "quarter-hour " + q);
    }
    for (int q = 24; q < 48; q++) {
      assertEquals(70.0 + ((q - 24) / 2) * 1.5, mixed.points().get(q).price(), 1e-9, "quarter-hour " + q);
    }
    for (int q = 48; q < 96; q++) {
      assertEquals(20.0 - (q - 48) * 0.75, mixed.points().get(q).price(), 1e-9, "quarter-hour " + q);
    }
    assertTrue(mixed.points().get(95).price() < 0);

    PriceCurve hourlyDay = prices.days().get(1);
    assertEquals(LocalDate.parse("2026-06-16"), hourlyDay.deliveryDay());
    assertEquals(Duration.ofMinutes(60), hourlyDay.resolution());
    assertContiguous(hourlyDay, "2026-06-15T22:00:00Z", "2026-06-16T22:00:00Z", 24);
    assertEquals(40.0, hourlyDay.points().get(0).price());
    assertEquals(63.0, hourlyDay.points().get(23).price());
    assertFollowsTheContract(mixed);
    assertFollowsTheContract(hourlyDay);
  }

  @Test
  void severalTimeSeriesGiveOneCurvePerCompleteDayAndListTheIncompleteOnes() throws Exception {
    EntsoeDocument.Prices prices = prices("be-2024-12-01-two-days-one-incomplete-v7_0.xml");

    PriceCurve day = single(prices);
    assertEquals(LocalDate.parse("2024-12-01"), day.deliveryDay());
    assertContiguous(day, "2024-11-30T23:00:00Z", "2024-12-01T23:00:00Z", 24);
    assertEquals(123.0, day.points().get(23).price());
    assertEquals(List.of(new EntsoeDocument.IncompleteDay(LocalDate.parse("2024-12-02"), 12, 24,
      Duration.ofMinutes(60))), prices.incompleteDays());
  }

  @Test
  void theNoDataAcknowledgementMeansNotPublished() throws Exception {
    EntsoeDocument document = parser.parse(fixture("acknowledgement-no-data.xml"), null, FETCHED);

    EntsoeDocument.NotPublished ack = assertInstanceOf(EntsoeDocument.NotPublished.class, document);
    assertTrue(ack.reason().contains("999 No matching data found"), ack.reason());
  }

  @Test
  void anAcknowledgementForAnyOtherReasonIsAnError() {
    String ack = """
      <Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
        <Reason><code>A59</code><text>Not possible to send document by web service</text></Reason>
      </Acknowledgement_MarketDocument>""";

    assertEquals("ENTSO-E acknowledged the request without data: A59 Not possible to send document by web service",
      malformed(ack.getBytes(StandardCharsets.UTF_8)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "broken-unknown-resolution.xml     | unknown resolution 'PT5M'",
    "broken-currency.xml               | currency_Unit.name is 'PLN', expected EUR",
    "broken-unit.xml                   | price_Measure_Unit.name is 'KWH', expected MWH",
    "broken-position-out-of-range.xml  | position 5 is out of range 1..4",
    "broken-price-not-a-number.xml     | Point 2: price.amount '12,5' is not a number",
    "broken-external-entity.xml        | a DTD or entity reference is not allowed",
  })
  void brokenDocumentsNameWhatIsWrong(String file, String expected) {
    String message = malformed(fixture(file));

    assertTrue(message.contains(expected), message);
  }

  @Test
  void anExternalEntityIsNeverRead() {
    String message = malformed(fixture("broken-external-entity.xml"));

    assertFalse(message.contains(hostname()), message);
  }

  @Test
  void aTruncatedDocumentIsNotWellFormed() {
    byte[] whole = fixture("de_lu-2026-03-29-dst-92-pt15m-a03-v7_3.xml");

    String message = malformed(Arrays.copyOf(whole, whole.length / 2));

    assertTrue(message.startsWith("not well-formed XML at line "), message);
  }

  @Test
  void aDocumentOverTheSizeLimitIsRefusedBeforeParsing() {
    byte[] xml = fixture("at-2026-10-25-dst-100-pt15m-a01-v7_3.xml");

    MalformedDocumentException e = assertThrows(MalformedDocumentException.class,
      () -> new EntsoeDocumentParser(10_000).parse(xml, null, FETCHED));

    assertEquals("the document is " + xml.length + " bytes, more than the limit of 10000", e.getMessage());
  }

  @Test
  void aGivenZoneNamesTheCurvesButMustNotContradictTheDocument() throws Exception {
    byte[] nl = fixture("nl-2024-10-11-pt60m-a01-v7_0.xml");

    assertEquals("NL", single((EntsoeDocument.Prices) parser.parse(nl, "NL", FETCHED)).zone());
    assertEquals("the document is for zone NL (EIC 10YNL----------L), not BE", malformed(nl, "BE"));
  }

  @Test
  void anUnknownDomainNeedsAGivenZone() throws Exception {
    byte[] xml = document("10YGB----------A", "A01", null, period("2026-01-14T23:00Z", "2026-01-15T23:00Z", "PT60M",
      hourlyPoints(24)));

    assertEquals("in_Domain.mRID 10YGB----------A is not a known bidding zone: name the zone", malformed(xml));
    assertEquals("GB_TEST", single((EntsoeDocument.Prices) parser.parse(xml, "GB_TEST", FETCHED)).zone());
  }

  @Test
  void anA03SeriesWithoutItsFirstPositionLeavesTheDayIncomplete() throws Exception {
    byte[] xml = document(nlEic(), "A03", null, period("2026-01-14T23:00Z", "2026-01-15T23:00Z", "PT60M",
      point(3, 40.0)));

    EntsoeDocument.Prices prices = (EntsoeDocument.Prices) parser.parse(xml, null, FETCHED);

    assertEquals(List.of(), prices.days());
    assertEquals(List.of(new EntsoeDocument.IncompleteDay(LocalDate.parse("2026-01-15"), 22, 24,
      Duration.ofMinutes(60))), prices.incompleteDays());
  }

  @Test
  void anA01SeriesWithAMissingPositionLeavesTheDayIncomplete() throws Exception {
    String points = hourlyPoints(24).replace(point(7, 7.0), "");
    byte[] xml = document(nlEic(), "A01", null, period("2026-01-14T23:00Z", "2026-01-15T23:00Z", "PT60M", points));

    EntsoeDocument.Prices prices = (EntsoeDocument.Prices) parser.parse(xml, null, FETCHED);

    assertEquals(List.of(), prices.days());
    assertEquals(23, prices.incompleteDays().get(0).presentMtus());
  }

  @Test
  void theSameMtuTwiceAtTheSamePriceIsOneMtuButAtAnotherPriceAnError() throws Exception {
    String day = period("2026-01-14T23:00Z", "2026-01-15T23:00Z", "PT60M", hourlyPoints(24));
    String firstHourAgain = period("2026-01-14T23:00Z", "2026-01-15T00:00Z", "PT60M", point(1, 1.0));
    String firstHourOther = period("2026-01-14T23:00Z", "2026-01-15T00:00Z", "PT60M", point(1, 9.0));

    PriceCurve curve = single((EntsoeDocument.Prices) parser.parse(
      document(nlEic(), "A01", null, day + firstHourAgain), null, FETCHED));
    String message = malformed(document(nlEic(), "A01", null, day + firstHourOther));

    assertEquals(24, curve.points().size());
    assertTrue(message.contains("the MTU starting 2026-01-14T23:00:00Z is given twice, as 1.0 and 9.0"), message);
  }

  @Test
  void aDaySentHourlyAndQuarterHourlyIsTheFinestCompleteOne() throws Exception {
    EntsoeDocument.Prices prices = prices("de_lu-2025-10-01-pt60m-and-pt15m-v7_3.xml");

    assertEquals(2, prices.days().size(), "complete days: " + prices.days());
    assertEquals(List.of(), prices.incompleteDays());
    PriceCurve quarterHourly = prices.days().get(0);
    assertEquals(LocalDate.parse("2025-10-01"), quarterHourly.deliveryDay());
    assertEquals("DE_LU", quarterHourly.zone());
    assertEquals(Duration.ofMinutes(15), quarterHourly.resolution());
    assertContiguous(quarterHourly, "2025-09-30T22:00:00Z", "2025-10-01T22:00:00Z", 96);
    for (int p = 1; p <= 96; p++) {
      double expected = p >= 10 && p <= 12 ? 100 + 9 / 4.0 : 100 + p / 4.0;
      assertEquals(expected, quarterHourly.points().get(p - 1).price(), 1e-9, "position " + p);
    }
    // the quarter-hourly series holds only half of the next day: the hourly one gives it
    PriceCurve hourly = prices.days().get(1);
    assertEquals(LocalDate.parse("2025-10-02"), hourly.deliveryDay());
    assertEquals(Duration.ofMinutes(60), hourly.resolution());
    assertContiguous(hourly, "2025-10-01T22:00:00Z", "2025-10-02T22:00:00Z", 24);
    assertEquals(81.0, hourly.points().get(0).price());
    assertEquals(104.0, hourly.points().get(23).price());
    assertFollowsTheContract(quarterHourly);
    assertFollowsTheContract(hourly);
  }

  @Test
  void aCompleteHourlyDayWithAPartialQuarterHourlyOneIsTheHourlyOne() throws Exception {
    String hourly = period("2026-01-14T23:00Z", "2026-01-15T23:00Z", "PT60M", hourlyPoints(24));
    String quarter = period("2026-01-14T23:15Z", "2026-01-14T23:30Z", "PT15M", point(1, 5.0));

    PriceCurve curve = single((EntsoeDocument.Prices) parser.parse(
      document(nlEic(), "A01", null, hourly + quarter), null, FETCHED));

    assertEquals(Duration.ofMinutes(60), curve.resolution());
    assertEquals(1.0, curve.points().get(0).price());
  }

  @Test
  void overlappingMtusOfTheSameLengthAreAnError() {
    String hourly = period("2026-01-14T23:00Z", "2026-01-15T23:00Z", "PT60M", hourlyPoints(24));
    String shifted = period("2026-01-14T23:30Z", "2026-01-15T00:30Z", "PT60M", point(1, 5.0));

    String message = malformed(document(nlEic(), "A01", null, hourly + shifted));

    assertTrue(message.contains("overlap"), message);
  }

  @Test
  void aPeriodLongerThanTheCapIsRefusedBeforeItsSlotsAreAllocated() {
    // a thousand years in a few hundred bytes: without the cap, tens of millions of slots
    String message = malformed(document(nlEic(), "A03", null,
      period("2026-01-14T23:00Z", "3026-01-14T23:00Z", "PT15M", point(1, 5.0))));
    String justOver = malformed(document(nlEic(), "A03", null,
      period("2026-01-01T23:00Z", "2026-02-01T23:15Z", "PT15M", point(1, 5.0))));

    assertTrue(message.contains("is longer than 31 days, the longest Period read"), message);
    assertTrue(justOver.contains("is longer than 31 days"), justOver);
  }

  @Test
  void manyLongA03PeriodsOfOnePointEachAreRefusedOnceTheDocumentsMtusPassTheCap() {
    StringBuilder periods = new StringBuilder();
    for (Instant start = Instant.parse("2026-01-01T00:00:00Z"); start.isBefore(Instant.parse("2029-06-01T00:00:00Z"));
         start = start.plus(Duration.ofDays(31))) {
      periods.append(period(start.toString(), start.plus(Duration.ofDays(31)).toString(), "PT15M", point(1, 5.0)));
    }

    String message = malformed(document(nlEic(), "A03", null, periods.toString()));

    assertTrue(message.contains("the document holds more than " + EntsoeDocumentParser.MAX_DOCUMENT_MTUS + " MTUs"),
      message);
  }

  @Test
  void aPeriodOfExactlyTheCapIsRead() throws Exception {
    EntsoeDocument.Prices prices = (EntsoeDocument.Prices) parser.parse(document(nlEic(), "A03", null,
      period("2025-12-31T23:00Z", "2026-01-31T23:00Z", "PT60M", point(1, 5.0))), null, FETCHED);

    assertEquals(31, prices.days().size());
  }

  @Test
  void aPeriodThatIsNotAWholeNumberOfItsResolutionIsAnError() {
    String message = malformed(document(nlEic(), "A01", null,
      period("2026-01-14T23:00Z", "2026-01-15T00:10Z", "PT15M", point(1, 5.0))));

    assertTrue(message.contains("is not a whole number of PT15M"), message);
  }

  @Test
  void onlyOtherAuctionsSeriesIsAnError() {
    String message = malformed(document(nlEic(), "A01", 2, period("2026-01-14T23:00Z", "2026-01-15T23:00Z",
      "PT60M", hourlyPoints(24))));

    assertEquals("none of the 1 TimeSeries is the SDAC series (classificationSequence position 1)", message);
  }

  @Test
  void otherDocumentsAreRefused() {
    String other = "<Publication_MarketDocument xmlns=\"urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3\">"
      + "<type>A65</type></Publication_MarketDocument>";
    String html = "<html><body>503 Service Unavailable</body></html>";

    assertEquals("document type A65 is not day-ahead prices (A44)", malformed(other.getBytes(StandardCharsets.UTF_8)));
    assertTrue(malformed(html.getBytes(StandardCharsets.UTF_8)).startsWith("not a day-ahead price document"));
  }

  @Test
  void aPublicationWithoutTimeSeriesHasNothingPublished() throws Exception {
    String empty = "<Publication_MarketDocument xmlns=\"urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:0\">"
      + "<type>A44</type></Publication_MarketDocument>";

    assertInstanceOf(EntsoeDocument.NotPublished.class,
      parser.parse(empty.getBytes(StandardCharsets.UTF_8), null, FETCHED));
  }

  // --- helpers

  private EntsoeDocument.Prices prices(String file) throws MalformedDocumentException {
    return assertInstanceOf(EntsoeDocument.Prices.class, parser.parse(fixture(file), null, FETCHED));
  }

  private static PriceCurve single(EntsoeDocument.Prices prices) {
    assertEquals(1, prices.days().size(), "complete days: " + prices.days());
    return prices.days().get(0);
  }

  private String malformed(byte[] xml) {
    return malformed(xml, null);
  }

  private String malformed(byte[] xml, String zone) {
    return assertThrows(MalformedDocumentException.class, () -> parser.parse(xml, zone, FETCHED)).getMessage();
  }

  private static void assertContiguous(PriceCurve curve, String start, String end, int count) {
    assertEquals(count, curve.points().size());
    assertEquals(Instant.parse(start), curve.points().get(0).start());
    assertEquals(Instant.parse(end), curve.points().get(count - 1).end());
    for (int i = 0; i < count; i++) {
      PriceCurve.Point point = curve.points().get(i);
      assertEquals(curve.resolution(), Duration.between(point.start(), point.end()), "point " + i);
      if (i > 0) {
        assertEquals(curve.points().get(i - 1).end(), point.start(), "point " + i);
      }
    }
  }

  private static void assertPrices(PriceCurve curve, double... expected) {
    double[] actual = curve.points().stream().mapToDouble(PriceCurve.Point::price).toArray();
    assertEquals(Arrays.toString(expected), Arrays.toString(actual));
  }

  private static void assertFollowsTheContract(PriceCurve curve) {
    Decoded<PriceCurve> decoded = CONTRACT.decode(MessageType.PRICE_CURVE, curve.toJson());
    assertTrue(decoded.isAccepted(), String.valueOf(decoded.rejection()));
  }

  static byte[] fixture(String name) {
    try (InputStream in = EntsoeDocumentParserTest.class.getResourceAsStream("/entsoe/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hostname() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/etc/hostname")).strip();
    } catch (IOException e) {
      return "no-hostname-file";
    }
  }

  private static String nlEic() {
    return BiddingZones.eic("NL").orElseThrow();
  }

  private static byte[] document(String eic, String curveType, Integer sequence, String periods) {
    return ("<Publication_MarketDocument xmlns=\"urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3\">"
      + "<type>A44</type><TimeSeries><mRID>1</mRID>"
      + "<in_Domain.mRID codingScheme=\"A01\">" + eic + "</in_Domain.mRID>"
      + (sequence == null ? "" : "<classificationSequence_AttributeInstanceComponent.position>" + sequence
        + "</classificationSequence_AttributeInstanceComponent.position>")
      + "<currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH</price_Measure_Unit.name>"
      + "<curveType>" + curveType + "</curveType>" + periods + "</TimeSeries></Publication_MarketDocument>")
      .getBytes(StandardCharsets.UTF_8);
  }

  private static String period(String start, String end, String resolution, String points) {
    return "<Period><timeInterval><start>" + start + "</start><end>" + end + "</end></timeInterval>"
      + "<resolution>" + resolution + "</resolution>" + points + "</Period>";
  }

  private static String point(int position, double price) {
    return "<Point><position>" + position + "</position><price.amount>" + price + "</price.amount></Point>";
  }

  /** Positions 1..n priced at their own number. */
  private static String hourlyPoints(int n) {
    StringBuilder points = new StringBuilder();
    for (int p = 1; p <= n; p++) {
      points.append(point(p, p));
    }
    return points.toString();
  }
}
