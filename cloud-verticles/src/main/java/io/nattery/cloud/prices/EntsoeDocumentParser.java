package io.nattery.cloud.prices;

import io.nattery.protocol.PriceCurve;

import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads ENTSO-E's answer to a day-ahead price request (documentType A44): a {@code Publication_MarketDocument}
 * (schema versions 7:0 and 7:3) into one {@link PriceCurve} per complete delivery day in Europe/Brussels time, or an
 * {@code Acknowledgement_MarketDocument} with reason 999 into "not published". Only the Periods' own intervals
 * and resolutions place the prices; the document-level interval is ignored.
 *
 * <p>StAX from the JDK with DTDs and external entities refused, a size limit, and Periods of at most
 * {@link #MAX_PERIOD} and {@link #MAX_DOCUMENT_MTUS} MTUs in all, so a hostile or broken answer
 * costs a bounded amount of work and ends in a {@link MalformedDocumentException} naming what is wrong.
 * Plain Java, no I/O: call it off the event loop.
 */
public final class EntsoeDocumentParser {

  /** Delivery days of the European day-ahead market run from midnight to midnight in CET/CEST. */
  public static final ZoneId DELIVERY_TIME_ZONE = ZoneId.of("Europe/Brussels");
  /** A year of one zone at PT15M is about 4 MiB; one or two days are some tens of KiB. */
  public static final int DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
  public static final String SOURCE = "entsoe";

  private static final Set<String> PUBLICATION_NAMESPACES = Set.of(
    "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:0",
    "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3");
  private static final String ACKNOWLEDGEMENT_NAMESPACE = "urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:";
  private static final String NO_DATA_REASON = "999";
  private static final Map<String, Duration> RESOLUTIONS = Map.of(
    "PT15M", Duration.ofMinutes(15),
    "PT30M", Duration.ofMinutes(30),
    "PT60M", Duration.ofMinutes(60));
  /**
   * The longest Period read: a month and a bit. A Period's slots are allocated from its declared interval, so without
   * a cap a few bytes declaring a century would cost gigabytes; ENTSO-E splits longer answers into Periods per day.
   */
  public static final Duration MAX_PERIOD = Duration.ofDays(31);
  /** Two leap years at PT15M with every day also sent at PT60M: more than any A44 answer (a year at most) holds. */
  public static final long MAX_DOCUMENT_MTUS = 2L * 366 * (100 + 25);
  /** The single-day-ahead-coupling series where a zone also carries another auction's (DE-LU, AT). */
  private static final int SDAC_SEQUENCE = 1;

  private final int maxBytes;

  public EntsoeDocumentParser() {
    this(DEFAULT_MAX_BYTES);
  }

  public EntsoeDocumentParser(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * @param xml       the document as received
   * @param zone      the zone to name the curves by; null to take it from the series' domain EIC
   * @param fetchedAt when the document was received, carried by every curve
   */
  public EntsoeDocument parse(byte[] xml, String zone, Instant fetchedAt) throws MalformedDocumentException {
    Objects.requireNonNull(fetchedAt, "fetchedAt");
    if (xml.length > maxBytes) {
      throw new MalformedDocumentException("the document is " + xml.length + " bytes, more than the limit of "
        + maxBytes);
    }
    XMLStreamReader reader = null;
    try {
      reader = factory().createXMLStreamReader(new ByteArrayInputStream(xml));
      Elements elements = new Elements(reader);
      if (!elements.nextChild()) {
        throw new MalformedDocumentException("the document has no root element");
      }
      String namespace = Objects.requireNonNullElse(reader.getNamespaceURI(), "");
      String root = reader.getLocalName();
      if (root.equals("Acknowledgement_MarketDocument") && namespace.startsWith(ACKNOWLEDGEMENT_NAMESPACE)) {
        return acknowledgement(elements);
      }
      if (root.equals("Publication_MarketDocument") && PUBLICATION_NAMESPACES.contains(namespace)) {
        return prices(readSeries(elements), zone, fetchedAt);
      }
      throw new MalformedDocumentException("not a day-ahead price document: the root element is {" + namespace
        + "}" + root + " (expected Publication_MarketDocument of schema 7:0 or 7:3,"
        + " or Acknowledgement_MarketDocument)");
    } catch (XMLStreamException e) {
      throw new MalformedDocumentException("not well-formed XML" + where(e.getLocation()) + ": " + firstLine(e));
    } finally {
      close(reader);
    }
  }

  private static XMLInputFactory factory() {
    // the JDK's own implementation, whatever else is on the classpath, so that these properties mean what they say
    XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    factory.setProperty(XMLInputFactory.IS_COALESCING, true);
    return factory;
  }

  private static EntsoeDocument acknowledgement(Elements elements) throws XMLStreamException,
      MalformedDocumentException {
    List<String> reasons = new ArrayList<>();
    boolean noData = false;
    while (elements.nextChild()) {
      if (!elements.name().equals("Reason")) {
        elements.skip();
        continue;
      }
      String code = null;
      String text = null;
      while (elements.nextChild()) {
        switch (elements.name()) {
          case "code" -> code = elements.text();
          case "text" -> text = elements.text();
          default -> elements.skip();
        }
      }
      noData |= NO_DATA_REASON.equals(code);
      reasons.add((code == null ? "no code" : code) + (text == null ? "" : " " + text));
    }
    if (noData) {
      return new EntsoeDocument.NotPublished("ENTSO-E has no data for the interval: " + String.join("; ", reasons));
    }
    throw new MalformedDocumentException("ENTSO-E acknowledged the request without data: "
      + (reasons.isEmpty() ? "no reason given" : String.join("; ", reasons)));
  }

  /** One TimeSeries as written, before any check but the syntax of its fields. */
  private record Series(int index, String mrid, String domain, String currency, String unit, String curveType,
                        Integer sequence, List<Period> periods) {

    String label() {
      return "TimeSeries " + index + (mrid == null ? "" : " (mRID " + mrid + ")");
    }
  }

  private record Period(int index, Instant start, Instant end, String resolution, List<Point> points) {
  }

  private record Point(int position, double price) {
  }

  private static List<Series> readSeries(Elements elements) throws XMLStreamException, MalformedDocumentException {
    List<Series> series = new ArrayList<>();
    while (elements.nextChild()) {
      switch (elements.name()) {
        case "type" -> {
          String type = elements.text();
          if (!type.equals("A44")) {
            throw new MalformedDocumentException("document type " + type + " is not day-ahead prices (A44)");
          }
        }
        case "TimeSeries" -> series.add(readOneSeries(elements, series.size() + 1));
        default -> elements.skip();
      }
    }
    return series;
  }

  private static Series readOneSeries(Elements elements, int index) throws XMLStreamException,
      MalformedDocumentException {
    String mrid = null;
    String domain = null;
    String currency = null;
    String unit = null;
    String curveType = null;
    Integer sequence = null;
    List<Period> periods = new ArrayList<>();
    String label = "TimeSeries " + index;
    while (elements.nextChild()) {
      switch (elements.name()) {
        case "mRID" -> mrid = elements.text();
        case "in_Domain.mRID" -> domain = elements.text();
        case "currency_Unit.name" -> currency = elements.text();
        case "price_Measure_Unit.name" -> unit = elements.text();
        case "curveType" -> curveType = elements.text();
        case "classificationSequence_AttributeInstanceComponent.position" ->
          sequence = positiveInt(elements.text(), label + ": classificationSequence position");
        case "Period" -> periods.add(readPeriod(elements, label + ", Period " + (periods.size() + 1),
          periods.size() + 1));
        default -> elements.skip();
      }
    }
    return new Series(index, mrid, domain, currency, unit, curveType, sequence, periods);
  }

  private static Period readPeriod(Elements elements, String label, int index) throws XMLStreamException,
      MalformedDocumentException {
    Instant start = null;
    Instant end = null;
    String resolution = null;
    List<Point> points = new ArrayList<>();
    while (elements.nextChild()) {
      switch (elements.name()) {
        case "timeInterval" -> {
          while (elements.nextChild()) {
            switch (elements.name()) {
              case "start" -> start = instant(elements.text(), label + ": timeInterval start");
              case "end" -> end = instant(elements.text(), label + ": timeInterval end");
              default -> elements.skip();
            }
          }
        }
        case "resolution" -> resolution = elements.text();
        case "Point" -> points.add(readPoint(elements, label + ", Point " + (points.size() + 1)));
        default -> elements.skip();
      }
    }
    if (start == null || end == null) {
      throw new MalformedDocumentException(label + ": timeInterval start and end are required");
    }
    if (resolution == null) {
      throw new MalformedDocumentException(label + ": resolution is required");
    }
    return new Period(index, start, end, resolution, points);
  }

  private static Point readPoint(Elements elements, String label) throws XMLStreamException,
      MalformedDocumentException {
    Integer position = null;
    Double price = null;
    while (elements.nextChild()) {
      switch (elements.name()) {
        case "position" -> position = positiveInt(elements.text(), label + ": position");
        case "price.amount" -> price = price(elements.text(), label);
        default -> elements.skip();
      }
    }
    if (position == null || price == null) {
      throw new MalformedDocumentException(label + ": position and price.amount are required");
    }
    return new Point(position, price);
  }

  /** One market time unit with its price, as the document gives it. */
  private record Slot(Instant start, Instant end, double price) {

    Duration length() {
      return Duration.between(start, end);
    }
  }

  private static EntsoeDocument prices(List<Series> all, String givenZone, Instant fetchedAt)
      throws MalformedDocumentException {
    if (all.isEmpty()) {
      return new EntsoeDocument.NotPublished("the document holds no TimeSeries");
    }
    // A zone with a second auction (DE-LU, AT) numbers its series; the SDAC one is 1. Unnumbered: the only one.
    List<Series> chosen = all.stream()
      .filter(s -> s.sequence() == null || s.sequence() == SDAC_SEQUENCE).toList();
    if (chosen.isEmpty()) {
      throw new MalformedDocumentException("none of the " + all.size()
        + " TimeSeries is the SDAC series (classificationSequence position 1)");
    }
    String zone = zoneOf(chosen, givenZone);
    // per resolution, because ENTSO-E may send a day twice, hourly and quarter-hourly (the 15-minute transition)
    TreeMap<Duration, TreeMap<Instant, Slot>> byResolution = new TreeMap<>();
    long mtus = 0;
    for (Series series : chosen) {
      checkUnits(series);
      for (Period period : series.periods()) {
        String label = series.label() + ", Period " + period.index();
        List<Slot> periodSlots = slots(period, curveType(series), label);
        mtus += periodSlots.size();
        if (mtus > MAX_DOCUMENT_MTUS) {
          throw new MalformedDocumentException(label + ": the document holds more than " + MAX_DOCUMENT_MTUS
            + " MTUs");
        }
        for (Slot slot : periodSlots) {
          Slot earlier = byResolution.computeIfAbsent(slot.length(), r -> new TreeMap<>())
            .putIfAbsent(slot.start(), slot);
          if (earlier != null && !earlier.equals(slot)) {
            throw new MalformedDocumentException(label + ": the MTU starting " + slot.start()
              + " is given twice, as " + earlier.price() + " and " + slot.price());
          }
        }
      }
    }
    return days(zone, byResolution, fetchedAt);
  }

  private static String zoneOf(List<Series> chosen, String givenZone) throws MalformedDocumentException {
    Set<String> domains = new LinkedHashSet<>();
    chosen.forEach(s -> {
      if (s.domain() != null) {
        domains.add(s.domain());
      }
    });
    if (domains.size() > 1) {
      throw new MalformedDocumentException("the TimeSeries are for several bidding zones: " + domains);
    }
    String eic = domains.isEmpty() ? null : domains.iterator().next();
    String documentZone = eic == null ? null : BiddingZones.zone(eic).orElse(null);
    if (givenZone != null) {
      if (documentZone != null && !documentZone.equals(givenZone)) {
        throw new MalformedDocumentException("the document is for zone " + documentZone + " (EIC " + eic
          + "), not " + givenZone);
      }
      return givenZone;
    }
    if (documentZone == null) {
      throw new MalformedDocumentException(eic == null
        ? "the TimeSeries name no in_Domain.mRID: name the zone"
        : "in_Domain.mRID " + eic + " is not a known bidding zone: name the zone");
    }
    return documentZone;
  }

  private static void checkUnits(Series series) throws MalformedDocumentException {
    if (!"EUR".equals(series.currency())) {
      throw new MalformedDocumentException(series.label() + ": currency_Unit.name is "
        + (series.currency() == null ? "missing" : "'" + series.currency() + "'") + ", expected EUR");
    }
    if (!"MWH".equals(series.unit())) {
      throw new MalformedDocumentException(series.label() + ": price_Measure_Unit.name is "
        + (series.unit() == null ? "missing" : "'" + series.unit() + "'") + ", expected MWH");
    }
  }

  /** A01 (every position given) unless the series says A03 (a position left out repeats the one before it). */
  private static boolean curveType(Series series) throws MalformedDocumentException {
    String type = series.curveType();
    if (type == null || type.equals("A01")) {
      return false;
    }
    if (type.equals("A03")) {
      return true;
    }
    throw new MalformedDocumentException(series.label() + ": curveType " + type + " is neither A01 nor A03");
  }

  private static List<Slot> slots(Period period, boolean variableBlocks, String label)
      throws MalformedDocumentException {
    Duration resolution = RESOLUTIONS.get(period.resolution());
    if (resolution == null) {
      throw new MalformedDocumentException(label + ": unknown resolution '" + period.resolution()
        + "' (expected PT15M, PT30M or PT60M)");
    }
    Duration length = Duration.between(period.start(), period.end());
    if (length.isNegative() || length.isZero() || length.toMinutes() % resolution.toMinutes() != 0
        || length.toSeconds() % 60 != 0) {
      throw new MalformedDocumentException(label + ": timeInterval " + period.start() + "/" + period.end()
        + " is not a whole number of " + period.resolution());
    }
    if (length.compareTo(MAX_PERIOD) > 0) {
      throw new MalformedDocumentException(label + ": timeInterval " + period.start() + "/" + period.end()
        + " is longer than " + MAX_PERIOD.toDays() + " days, the longest Period read");
    }
    int count = (int) (length.toMinutes() / resolution.toMinutes());
    Double[] prices = new Double[count];
    for (Point point : period.points()) {
      if (point.position() > count) {
        throw new MalformedDocumentException(label + ": position " + point.position() + " is out of range 1.."
          + count + " for timeInterval " + period.start() + "/" + period.end() + " at " + period.resolution());
      }
      if (prices[point.position() - 1] != null) {
        throw new MalformedDocumentException(label + ": position " + point.position() + " is given twice");
      }
      prices[point.position() - 1] = point.price();
    }
    if (variableBlocks) {
      // A03: a price holds until the next given position, the last one up to the Period's end
      for (int i = 1; i < count; i++) {
        if (prices[i] == null) {
          prices[i] = prices[i - 1];
        }
      }
    }
    List<Slot> slots = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (prices[i] != null) {
        Instant start = period.start().plus(resolution.multipliedBy(i));
        slots.add(new Slot(start, start.plus(resolution), prices[i]));
      }
    }
    return slots;
  }

  private static EntsoeDocument days(String zone, TreeMap<Duration, TreeMap<Instant, Slot>> byResolution,
                                     Instant fetchedAt) throws MalformedDocumentException {
    TreeMap<LocalDate, TreeMap<Duration, List<Slot>>> byDay = new TreeMap<>();
    for (TreeMap<Instant, Slot> slots : byResolution.values()) {
      Slot previous = null;
      for (Slot slot : slots.values()) {
        if (previous != null && slot.start().isBefore(previous.end())) {
          throw new MalformedDocumentException("the MTUs " + previous.start() + "/" + previous.end() + " and "
            + slot.start() + "/" + slot.end() + " overlap");
        }
        LocalDate day = deliveryDay(slot.start());
        if (slot.end().isAfter(dayStart(day.plusDays(1)))) {
          throw new MalformedDocumentException("the MTU " + slot.start() + "/" + slot.end()
            + " crosses midnight Europe/Brussels");
        }
        byDay.computeIfAbsent(day, d -> new TreeMap<>()).computeIfAbsent(slot.length(), r -> new ArrayList<>())
          .add(slot);
        previous = slot;
      }
    }
    List<PriceCurve> complete = new ArrayList<>();
    List<EntsoeDocument.IncompleteDay> incomplete = new ArrayList<>();
    for (Map.Entry<LocalDate, TreeMap<Duration, List<Slot>>> entry : byDay.entrySet()) {
      LocalDate day = entry.getKey();
      long dayMinutes = Duration.between(dayStart(day), dayStart(day.plusDays(1))).toMinutes();
      PriceCurve curve = null;
      // the finest resolution that covers the day on its own: a day sent both hourly and quarter-hourly is the latter
      for (Map.Entry<Duration, List<Slot>> resolution : entry.getValue().entrySet()) {
        // no overlaps and nothing outside the day: as many MTUs as the day has means every one exactly once
        if (resolution.getValue().size() == dayMinutes / resolution.getKey().toMinutes()) {
          curve = curve(zone, day, resolution.getKey(), resolution.getValue(), fetchedAt);
          break;
        }
      }
      // else Periods of different resolutions that together cover the day without overlapping, expressed at the
      // finest one, each coarser price repeated for every finer MTU it spans: the finer grid loses nothing
      List<Slot> all = entry.getValue().values().stream().flatMap(List::stream)
        .sorted(Comparator.comparing(Slot::start)).toList();
      Duration finest = entry.getValue().firstKey();
      int expected = (int) (dayMinutes / finest.toMinutes());
      if (curve == null && !overlapping(all)) {
        PriceCurve mixed = curve(zone, day, finest, all, fetchedAt);
        curve = mixed.points().size() == expected ? mixed : null;
      }
      if (curve != null) {
        complete.add(curve);
      } else {
        Set<Instant> covered = new HashSet<>();
        all.forEach(slot -> covered.addAll(expand(slot, finest).stream().map(PriceCurve.Point::start).toList()));
        incomplete.add(new EntsoeDocument.IncompleteDay(day, covered.size(), expected, finest));
      }
    }
    return new EntsoeDocument.Prices(zone, complete, incomplete);
  }

  private static boolean overlapping(List<Slot> byStart) {
    for (int i = 1; i < byStart.size(); i++) {
      if (byStart.get(i).start().isBefore(byStart.get(i - 1).end())) {
        return true;
      }
    }
    return false;
  }

  private static PriceCurve curve(String zone, LocalDate day, Duration resolution, List<Slot> slots,
                                  Instant fetchedAt) {
    List<PriceCurve.Point> points = new ArrayList<>();
    slots.forEach(slot -> points.addAll(expand(slot, resolution)));
    return new PriceCurve(zone, "EUR", "MWh", resolution, day, fetchedAt, SOURCE, points);
  }

  private static List<PriceCurve.Point> expand(Slot slot, Duration resolution) {
    List<PriceCurve.Point> points = new ArrayList<>();
    for (Instant t = slot.start(); t.isBefore(slot.end()); t = t.plus(resolution)) {
      points.add(new PriceCurve.Point(t, t.plus(resolution), slot.price()));
    }
    return points;
  }

  /** The delivery day (Europe/Brussels) an instant falls in. */
  public static LocalDate deliveryDay(Instant instant) {
    return LocalDate.ofInstant(instant, DELIVERY_TIME_ZONE);
  }

  /** The first instant of a delivery day. */
  public static Instant dayStart(LocalDate day) {
    return day.atStartOfDay(DELIVERY_TIME_ZONE).toInstant();
  }

  private static Instant instant(String text, String what) throws MalformedDocumentException {
    try {
      // ENTSO-E writes minutes without seconds, e.g. 2026-03-28T23:00Z
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new MalformedDocumentException(what + " '" + shorten(text) + "' is not an ISO-8601 date-time");
    }
  }

  private static int positiveInt(String text, String what) throws MalformedDocumentException {
    try {
      int value = Integer.parseInt(text);
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new MalformedDocumentException(what + " '" + shorten(text) + "' is not a positive integer");
  }

  private static double price(String text, String what) throws MalformedDocumentException {
    try {
      // BigDecimal, not Double.parseDouble, which would take "NaN" and "Infinity"
      double price = new BigDecimal(text).doubleValue();
      if (Double.isFinite(price)) {
        return price;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new MalformedDocumentException(what + ": price.amount '" + shorten(text) + "' is not a number");
  }

  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }

  private static String where(Location location) {
    return location == null ? "" : " at line " + location.getLineNumber() + ", column " + location.getColumnNumber();
  }

  /** The JDK prefixes its message with "ParseError at [row,col]:[..]\nMessage: "; keep what it says. */
  private static String firstLine(XMLStreamException e) {
    String message = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
    int at = message.indexOf("Message: ");
    return (at >= 0 ? message.substring(at + "Message: ".length()) : message).strip().lines().findFirst().orElse("");
  }

  private static void close(XMLStreamReader reader) {
    if (reader != null) {
      try {
        reader.close();
      } catch (XMLStreamException ignored) {
        // nothing held but the byte array
      }
    }
  }

  /** Walks the children of the current element; a DTD anywhere ends the parse. */
  private static final class Elements {
    private final XMLStreamReader reader;

    Elements(XMLStreamReader reader) {
      this.reader = reader;
    }

    /** Moves to the next child element of the current one; false once the current one ends. */
    boolean nextChild() throws XMLStreamException, MalformedDocumentException {
      while (reader.hasNext()) {
        int event = reader.next();
        if (event == XMLStreamConstants.START_ELEMENT) {
          return true;
        }
        if (event == XMLStreamConstants.END_ELEMENT) {
          return false;
        }
        if (event == XMLStreamConstants.DTD || event == XMLStreamConstants.ENTITY_REFERENCE) {
          throw new MalformedDocumentException("a DTD or entity reference is not allowed in an ENTSO-E document");
        }
      }
      return false;
    }

    String name() {
      return reader.getLocalName();
    }

    /** The text of the current element, which must have no children. */
    String text() throws XMLStreamException {
      return reader.getElementText().strip();
    }

    void skip() throws XMLStreamException, MalformedDocumentException {
      int depth = 1;
      while (depth > 0) {
        if (!reader.hasNext()) {
          throw new MalformedDocumentException("the document ends inside an element");
        }
        int event = reader.next();
        if (event == XMLStreamConstants.START_ELEMENT) {
          depth++;
        } else if (event == XMLStreamConstants.END_ELEMENT) {
          depth--;
        } else if (event == XMLStreamConstants.DTD) {
          throw new MalformedDocumentException("a DTD is not allowed in an ENTSO-E document");
        }
      }
    }
  }
}
