package io.nattery.cloud.prices;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local HTTP server that answers like the ENTSO-E Transparency Platform's {@code /api}: 401 with an HTML page for a
 * wrong token, 400 with an acknowledgement for a request that is not A44, and otherwise the next scripted answer,
 * or, when the script is empty, a price document for exactly the interval asked (one TimeSeries per delivery day,
 * PT15M, curve A01, price = the day of month x 10 + the quarter-hour's position / 100).
 */
final class EntsoeLikeServer {

  private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);

  /**
   * One scripted answer; {@code body} null means the price document for the interval asked. With a {@code stream},
   * the body is never ended: the same chunk is written again and again, chunked, until the client goes.
   */
  record Answer(int status, Map<String, String> headers, String body, Duration delay, Stream stream) {

    static Answer prices() {
      return new Answer(200, Map.of(), null, Duration.ZERO, null);
    }

    static Answer slowPrices(Duration delay) {
      return new Answer(200, Map.of(), null, delay, null);
    }

    static Answer notPublished() {
      return new Answer(200, Map.of("Content-Type", "text/xml"), ACK_NO_DATA, Duration.ZERO, null);
    }

    static Answer status(int status, Map<String, String> headers, String body) {
      return new Answer(status, headers, body, Duration.ZERO, null);
    }

    /** A 200 that starts a document at once, then sends {@code chunk} every {@code every}, without end. */
    static Answer endless(String chunk, Duration every, Map<String, String> headers) {
      return new Answer(200, headers, "<?xml version=\"1.0\"?><Publication_MarketDocument>", Duration.ZERO,
        new Stream(chunk, every));
    }
  }

  /** A body that keeps coming: {@code chunk} every {@code every}. */
  record Stream(String chunk, Duration every) {
  }

  private final List<Long> streamedBytes = new CopyOnWriteArrayList<>();
  private final Set<LocalDate> withheld = ConcurrentHashMap.newKeySet();

  static final String ACK_NO_DATA = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
      <mRID>ack-1</mRID>
      <createdDateTime>2026-03-28T12:00:00Z</createdDateTime>
      <Reason>
        <code>999</code>
        <text>No matching data found for Data item ENERGY_PRICES [12.1.D] and the interval asked.</text>
      </Reason>
    </Acknowledgement_MarketDocument>
    """;

  static final String UNAUTHORIZED_PAGE = "<html><head><title>401 Unauthorized</title></head>"
    + "<body><h1>Unauthorized</h1></body></html>";

  private final Vertx vertx;
  private final String token;
  private final Deque<Answer> script = new ArrayDeque<>();
  private final List<MultiMap> requests = new CopyOnWriteArrayList<>();
  private final List<Instant> requestTimes = new CopyOnWriteArrayList<>();
  private HttpServer server;

  EntsoeLikeServer(Vertx vertx, String token) {
    this.vertx = vertx;
    this.token = token;
  }

  Future<EntsoeLikeServer> start() {
    return vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").map(s -> {
      server = s;
      return this;
    });
  }

  Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/api";
  }

  synchronized EntsoeLikeServer then(Answer... answers) {
    script.addAll(List.of(answers));
    return this;
  }

  /** Leaves these delivery days out of every price document until {@link #release}d. */
  EntsoeLikeServer withhold(LocalDate... days) {
    withheld.addAll(List.of(days));
    return this;
  }

  EntsoeLikeServer release(LocalDate... days) {
    withheld.removeAll(List.of(days));
    return this;
  }

  List<MultiMap> requests() {
    return requests;
  }

  List<Instant> requestTimes() {
    return requestTimes;
  }

  private void handle(HttpServerRequest request) {
    requests.add(MultiMap.caseInsensitiveMultiMap().addAll(request.params()));
    requestTimes.add(Instant.now());
    if (!token.equals(request.getParam("securityToken"))) {
      request.response().setStatusCode(401).putHeader("Content-Type", "text/html").end(UNAUTHORIZED_PAGE);
      return;
    }
    if (!"A44".equals(request.getParam("documentType"))) {
      request.response().setStatusCode(400).putHeader("Content-Type", "text/xml")
        .end(ACK_NO_DATA.replace("No matching data found", "Invalid query attributes"));
      return;
    }
    Answer answer;
    synchronized (this) {
      answer = script.isEmpty() ? Answer.prices() : script.poll();
    }
    Runnable respond = () -> {
      if (request.response().closed()) {
        return;
      }
      request.response().setStatusCode(answer.status());
      answer.headers().forEach((name, value) -> request.response().putHeader(name, value));
      String body = answer.body() != null ? answer.body()
        : document(request.getParam("in_Domain"), PERIOD.parse(request.getParam("periodStart"), Instant::from),
            PERIOD.parse(request.getParam("periodEnd"), Instant::from), Set.copyOf(withheld));
      if (answer.body() == null) {
        request.response().putHeader("Content-Type", "text/xml");
      }
      if (answer.stream() != null) {
        stream(request, body, answer.stream());
        return;
      }
      request.response().end(body);
    };
    if (answer.delay().isZero()) {
      respond.run();
    } else {
      vertx.setTimer(answer.delay().toMillis(), t -> respond.run());
    }
  }

  private void stream(HttpServerRequest request, String start, Stream stream) {
    var response = request.response();
    if (response.headers().get("Content-Length") == null) {
      response.setChunked(true);
    }
    response.write(start);
    long[] sent = {start.length()};
    int index = streamedBytes.size();
    streamedBytes.add(sent[0]);
    vertx.setPeriodic(Math.max(1, stream.every().toMillis()), timer -> {
      // the client reset or closed the connection: stop, as ENTSO-E's server would
      if (response.closed() || response.ended()) {
        vertx.cancelTimer(timer);
        return;
      }
      if (!response.writeQueueFull()) {
        response.write(stream.chunk());
        sent[0] += stream.chunk().length();
        streamedBytes.set(index, sent[0]);
      }
    });
  }

  /** How many bytes each endless answer had sent, in the order they were started. */
  List<Long> streamedBytes() {
    return streamedBytes;
  }

  /** The price of a quarter-hour as this server publishes it. */
  static double price(LocalDate day, int position) {
    return day.getDayOfMonth() * 10 + position / 100.0;
  }

  static String document(String eic, Instant from, Instant to) {
    return document(eic, from, to, Set.of());
  }

  static String document(String eic, Instant from, Instant to, Set<LocalDate> withheld) {
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      + "<Publication_MarketDocument xmlns=\"urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3\">\n"
      + "  <mRID>local</mRID><revisionNumber>1</revisionNumber><type>A44</type>\n"
      + "  <period.timeInterval><start>" + text(from) + "</start><end>" + text(to) + "</end></period.timeInterval>\n");
    int series = 1;
    for (LocalDate day = EntsoeDocumentParser.deliveryDay(from); EntsoeDocumentParser.dayStart(day).isBefore(to);
         day = day.plusDays(1)) {
      if (withheld.contains(day)) {
        continue;
      }
      Instant start = EntsoeDocumentParser.dayStart(day);
      Instant end = EntsoeDocumentParser.dayStart(day.plusDays(1));
      xml.append("  <TimeSeries><mRID>").append(series++).append("</mRID>")
        .append("<in_Domain.mRID codingScheme=\"A01\">").append(eic).append("</in_Domain.mRID>")
        .append("<out_Domain.mRID codingScheme=\"A01\">").append(eic).append("</out_Domain.mRID>")
        .append("<classificationSequence_AttributeInstanceComponent.position>1")
        .append("</classificationSequence_AttributeInstanceComponent.position>")
        .append("<currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH</price_Measure_Unit.name>")
        .append("<curveType>A01</curveType><Period><timeInterval><start>").append(text(start))
        .append("</start><end>").append(text(end)).append("</end></timeInterval><resolution>PT15M</resolution>\n");
      long quarters = Duration.between(start, end).toMinutes() / 15;
      for (int p = 1; p <= quarters; p++) {
        xml.append("    <Point><position>").append(p).append("</position><price.amount>")
          .append(price(day, p)).append("</price.amount></Point>\n");
      }
      xml.append("  </Period></TimeSeries>\n");
    }
    return xml.append("</Publication_MarketDocument>\n").toString();
  }

  private static String text(Instant instant) {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm'Z'").withZone(ZoneOffset.UTC).format(instant);
  }
}
