package io.nattery.cloud.prices;

import io.nattery.protocol.config.Secrets;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Asks the ENTSO-E Transparency Platform for a zone's day-ahead prices (documentType A44) and says what came back:
 * prices, "not published yet", or a failure that is worth retrying or not. Configuration: {@code base_url}
 * (default {@value #DEFAULT_BASE_URL}), the token from {@code token_env} or {@code token_file} (read again on every
 * request, so a replaced token file is picked up), {@code request_timeout_s} (default 120: the platform may take
 * a minute), the longest a whole request may take from connecting to the body's last byte, so a server that
 * trickles bytes cannot hold it forever; {@code connect_timeout_s} (default 20); {@code max_document_bytes} (default
 * {@link EntsoeDocumentParser#DEFAULT_MAX_BYTES}), refused while the body streams, before it is buffered.
 *
 * <p>The token travels as the {@code securityToken} query parameter, as the platform requires, and never appears in
 * a log line, an outcome's detail or an exception message: every text that could hold the URL goes through
 * {@link #redact}.
 */
public final class EntsoeClient implements PriceSource {

  public static final String DEFAULT_BASE_URL = "https://web-api.tp.entsoe.eu/api";

  private static final Logger LOG = LoggerFactory.getLogger(EntsoeClient.class);
  private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);
  private static final Pattern TOKEN_PARAMETER = Pattern.compile("(?i)(securityToken=)[^&\\s\"'<>]*");
  private static final int MAX_DETAIL_CHARS = 300;

  private final Vertx vertx;
  private final JsonObject config;
  private final String baseUrl;
  private final long timeoutMs;
  private final int maxBytes;
  private final HttpClientAgent http;
  private final EntsoeDocumentParser parser;
  private final Clock clock;

  public EntsoeClient(Vertx vertx, JsonObject config, Clock clock) {
    this.vertx = vertx;
    this.config = config.copy();
    this.clock = clock;
    this.baseUrl = config.getString("base_url", DEFAULT_BASE_URL);
    this.timeoutMs = (long) (config.getDouble("request_timeout_s", 120.0) * 1000);
    long connectMs = (long) (config.getDouble("connect_timeout_s", 20.0) * 1000);
    this.maxBytes = config.getInteger("max_document_bytes", EntsoeDocumentParser.DEFAULT_MAX_BYTES);
    this.parser = new EntsoeDocumentParser(maxBytes);
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) connectMs));
  }

  /** The prices of the delivery days {@code first..last} (Europe/Brussels) of a zone of {@link BiddingZones}. */
  @Override
  public Future<FetchOutcome> dayAhead(String zone, LocalDate first, LocalDate last) {
    String eic = BiddingZones.eic(zone).orElse(null);
    if (eic == null) {
      return Future.succeededFuture(new FetchOutcome.Failed(FetchOutcome.Failure.BAD_REQUEST,
        "unknown bidding zone " + zone, null));
    }
    // the token file is read again for every request (a replaced file is picked up), off the event loop
    return vertx.executeBlocking(() -> Secrets.resolve(config, "token"), false).transform(read -> {
      if (read.failed()) {
        // the message names the file, never its content
        return Future.succeededFuture(new FetchOutcome.Failed(FetchOutcome.Failure.MISSING_TOKEN,
          read.cause().getMessage(), null));
      }
      String token = read.result();
      if (token == null || token.isBlank()) {
        return Future.succeededFuture(new FetchOutcome.Failed(FetchOutcome.Failure.MISSING_TOKEN,
          "no ENTSO-E token: set token_env (an environment variable's name) or token_file", null));
      }
      return request(zone, eic, first, last, token);
    });
  }

  private Future<FetchOutcome> request(String zone, String eic, LocalDate first, LocalDate last, String token) {
    String periodStart = PERIOD.format(EntsoeDocumentParser.dayStart(first));
    String periodEnd = PERIOD.format(EntsoeDocumentParser.dayStart(last.plusDays(1)));
    String uri = baseUrl + (baseUrl.contains("?") ? "&" : "?") + "documentType=A44&in_Domain=" + query(eic)
      + "&out_Domain=" + query(eic) + "&periodStart=" + periodStart + "&periodEnd=" + periodEnd
      + "&securityToken=" + query(token);
    LOG.debug("requesting day-ahead prices [zone: {}, from: {}, to: {}, url: {}]", zone, first, last,
      redact(uri, token));
    return exchange(uri).transform(done -> done.succeeded()
      ? answer(done.result(), zone, token)
      : Future.succeededFuture(failure(done.cause(), token)));
  }

  private static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** An HTTP answer, its body read whole but never beyond the size limit. */
  private record Answer(int statusCode, MultiMap headers, Buffer body) {

    String getHeader(String name) {
      return headers.get(name);
    }
  }

  /** A body longer than the limit, refused while it streams. */
  private static final class TooLarge extends Exception {
    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  /** One GET, failed with a TimeoutException once it has taken longer than the request timeout in all. */
  private Future<Answer> exchange(String uri) {
    Promise<Answer> answer = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer = vertx.setTimer(Math.max(1, timeoutMs), id -> {
      if (answer.tryFail(new TimeoutException("no complete answer within " + timeoutMs + " ms"))) {
        HttpClientRequest request = sent.get();
        if (request != null) {
          request.reset();
        }
      }
    });
    RequestOptions options;
    try {
      options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri).setFollowRedirects(false)
        .putHeader("User-Agent", "nattery-price-fetcher");
    } catch (RuntimeException e) {
      // the message may quote the URI, token and all: failure() redacts it
      answer.tryFail(new IllegalArgumentException("cannot request " + baseUrl + ": " + e.getMessage()));
      vertx.cancelTimer(timer);
      return answer.future();
    }
    http.request(options)
      .compose(request -> {
        sent.set(request);
        return request.send();
      })
      .onSuccess(response -> read(response, answer))
      .onFailure(answer::tryFail);
    return answer.future().andThen(done -> vertx.cancelTimer(timer));
  }

  /** Reads the body, refusing it as soon as it is declared or counted to be longer than the limit. */
  private void read(HttpClientResponse response, Promise<Answer> answer) {
    String declared = response.getHeader("Content-Length");
    if (declared != null && declared.strip().matches("\\d{1,18}") && Long.parseLong(declared.strip()) > maxBytes) {
      tooLarge(response, answer, "the answer declares " + declared.strip() + " bytes, more than the limit of "
        + maxBytes);
      return;
    }
    Buffer body = Buffer.buffer();
    response.exceptionHandler(answer::tryFail);
    response.handler(chunk -> {
      if (answer.future().isComplete()) {
        return;
      }
      if ((long) body.length() + chunk.length() > maxBytes) {
        tooLarge(response, answer, "the answer is more than the limit of " + maxBytes + " bytes");
        return;
      }
      body.appendBuffer(chunk);
    });
    response.endHandler(end -> answer.tryComplete(new Answer(response.statusCode(), response.headers(), body)));
  }

  private static void tooLarge(HttpClientResponse response, Promise<Answer> answer, String why) {
    if (answer.tryFail(new TooLarge(why))) {
      // the rest is not wanted: drop the connection rather than read it to the end
      response.request().reset();
    }
  }

  @Override
  public void close() {
    http.close();
  }

  private Future<FetchOutcome> answer(Answer response, String zone, String token) {
    int status = response.statusCode();
    Buffer body = response.body();
    Duration retryAfter = retryAfter(response.getHeader("Retry-After"));
    if (status == 200) {
      if (isHtml(response, body)) {
        return Future.succeededFuture(new FetchOutcome.Failed(FetchOutcome.Failure.ERROR_PAGE,
          "HTTP 200 with an HTML page instead of a document", retryAfter));
      }
      Instant fetchedAt = clock.instant();
      byte[] xml = body.getBytes();
      return vertx.executeBlocking(() -> parse(xml, zone, fetchedAt, token), false);
    }
    String detail = "HTTP " + status + summary(body, token);
    FetchOutcome.Failure kind;
    if (status == 401 || status == 403) {
      kind = FetchOutcome.Failure.UNAUTHORIZED;
    } else if (status == 429) {
      kind = FetchOutcome.Failure.RATE_LIMITED;
    } else if (status == 503) {
      kind = FetchOutcome.Failure.UNAVAILABLE;
    } else if (status >= 500) {
      kind = FetchOutcome.Failure.SERVER_ERROR;
    } else {
      kind = FetchOutcome.Failure.BAD_REQUEST;
    }
    return Future.succeededFuture(new FetchOutcome.Failed(kind, detail, retryAfter));
  }

  private FetchOutcome parse(byte[] xml, String zone, Instant fetchedAt, String token) {
    try {
      EntsoeDocument document = parser.parse(xml, zone, fetchedAt);
      if (document instanceof EntsoeDocument.Prices prices) {
        return new FetchOutcome.Published(prices);
      }
      return new FetchOutcome.NotPublished(redact(((EntsoeDocument.NotPublished) document).reason(), token));
    } catch (MalformedDocumentException e) {
      return new FetchOutcome.Failed(FetchOutcome.Failure.MALFORMED_DOCUMENT, redact(e.getMessage(), token), null);
    }
  }

  private FetchOutcome.Failed failure(Throwable cause, String token) {
    String message = redact(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), token);
    if (cause instanceof TimeoutException) {
      return new FetchOutcome.Failed(FetchOutcome.Failure.TIMEOUT, "no complete answer within " + timeoutMs + " ms",
        null);
    }
    if (cause instanceof TooLarge) {
      return new FetchOutcome.Failed(FetchOutcome.Failure.MALFORMED_DOCUMENT, message, null);
    }
    if (cause instanceof IllegalArgumentException) {
      return new FetchOutcome.Failed(FetchOutcome.Failure.BAD_REQUEST, message, null);
    }
    return new FetchOutcome.Failed(FetchOutcome.Failure.CONNECTION, message, null);
  }

  /** The first characters of an error body (ENTSO-E explains a 400 in an acknowledgement), on one line. */
  private static String summary(Buffer body, String token) {
    if (body.length() == 0) {
      return "";
    }
    String text = body.getString(0, Math.min(body.length(), 4 * MAX_DETAIL_CHARS)).replaceAll("\\s+", " ").strip();
    String reason = between(text, "<text>", "</text>");
    String shown = reason != null ? reason : text;
    shown = shown.length() > MAX_DETAIL_CHARS ? shown.substring(0, MAX_DETAIL_CHARS) + "..." : shown;
    return ": " + redact(shown, token);
  }

  private static String between(String text, String open, String close) {
    int from = text.indexOf(open);
    int to = from < 0 ? -1 : text.indexOf(close, from);
    return to < 0 ? null : text.substring(from + open.length(), to);
  }

  private static boolean isHtml(Answer response, Buffer body) {
    String type = response.getHeader("Content-Type");
    if (type != null && type.toLowerCase(Locale.ROOT).contains("html")) {
      return true;
    }
    String start = body.getString(0, Math.min(body.length(), 200)).stripLeading().toLowerCase(Locale.ROOT);
    return start.startsWith("<!doctype html") || start.startsWith("<html");
  }

  /** Retry-After as seconds or as an HTTP date; null when absent or unreadable. */
  Duration retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(header.strip())));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(clock.instant(), at);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  /** The text with the token (also URL-encoded) and any {@code securityToken=} value replaced by {@code ***}. */
  public static String redact(String text, String token) {
    if (text == null) {
      return null;
    }
    String redacted = token == null || token.isEmpty() ? text
      : text.replace(token, "***").replace(query(token), "***");
    return TOKEN_PARAMETER.matcher(redacted).replaceAll("$1***");
  }
}
