package io.nattery.cloud.prices;

import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a local server that answers like ENTSO-E; the token must never surface. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EntsoeClientTest {

  private static final String TOKEN = "tok-" + UUID.randomUUID();
  private static final LocalDate DAY = LocalDate.parse("2026-03-29");
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-28T12:10:00Z"), ZoneOffset.UTC);

  private static Vertx vertx;
  private EntsoeLikeServer server;
  private EntsoeClient client;
  private LogCapture logs;

  @TempDir
  Path dir;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void start() throws Exception {
    logs = new LogCapture();
    server = await(new EntsoeLikeServer(vertx, TOKEN).start());
    client = client(new JsonObject().put("token_file", tokenFile(TOKEN).toString()));
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    await(server.stop());
    try {
      for (String line : logs.lines()) {
        assertFalse(line.contains(TOKEN), "the token was logged: " + line);
      }
    } finally {
      logs.close();
    }
  }

  @Test
  void asksForA44OfTheZonesEicOverTheDeliveryDayInUtc() throws Exception {
    await(client.dayAhead("DE_LU", DAY, DAY));

    MultiMap query = server.requests().get(0);
    assertEquals("A44", query.get("documentType"));
    assertEquals("10Y1001A1001A82H", query.get("in_Domain"));
    assertEquals("10Y1001A1001A82H", query.get("out_Domain"));
    // 2026-03-29 runs from 00:00 CET to 24:00 CEST
    assertEquals("202603282300", query.get("periodStart"));
    assertEquals("202603292200", query.get("periodEnd"));
    assertEquals(TOKEN, query.get("securityToken"));
  }

  @Test
  void aDocumentGivesTheCompleteDays() throws Exception {
    FetchOutcome outcome = await(client.dayAhead("NL", DAY, DAY.plusDays(1)));

    EntsoeDocument.Prices prices = assertInstanceOf(FetchOutcome.Published.class, outcome).prices();
    assertEquals(2, prices.days().size());
    PriceCurve first = prices.days().get(0);
    assertEquals("NL", first.zone());
    assertEquals(92, first.points().size());
    assertEquals(EntsoeLikeServer.price(DAY, 92), first.points().get(91).price());
    assertEquals(CLOCK.instant(), first.fetchedAt());
  }

  @Test
  void theNoDataAcknowledgementIsNotPublished() throws Exception {
    server.then(EntsoeLikeServer.Answer.notPublished());

    FetchOutcome outcome = await(client.dayAhead("NL", DAY, DAY));

    assertTrue(assertInstanceOf(FetchOutcome.NotPublished.class, outcome).reason().contains("No matching data"));
  }

  @Test
  void busyAndFailingAnswersAreRetryableWithTheServersRetryAfter() throws Exception {
    server.then(
      EntsoeLikeServer.Answer.status(503, Map.of("Retry-After", "7"), "Service Unavailable"),
      EntsoeLikeServer.Answer.status(429, Map.of("Retry-After", "Sat, 28 Mar 2026 12:20:00 GMT"),
        "Max allowed requests per minute from each unique IP is max up to 400 only"),
      EntsoeLikeServer.Answer.status(500, Map.of(), "Internal Server Error"),
      EntsoeLikeServer.Answer.status(200, Map.of("Content-Type", "text/html"), "<html><body>Maintenance</body></html>"),
      EntsoeLikeServer.Answer.status(200, Map.of("Content-Type", "text/xml"), "<Publication_MarketDocument"));

    FetchOutcome.Failed unavailable = failed(await(client.dayAhead("NL", DAY, DAY)));
    FetchOutcome.Failed limited = failed(await(client.dayAhead("NL", DAY, DAY)));
    FetchOutcome.Failed error = failed(await(client.dayAhead("NL", DAY, DAY)));
    FetchOutcome.Failed page = failed(await(client.dayAhead("NL", DAY, DAY)));
    FetchOutcome.Failed truncated = failed(await(client.dayAhead("NL", DAY, DAY)));

    assertEquals(FetchOutcome.Failure.UNAVAILABLE, unavailable.kind());
    assertEquals(Duration.ofSeconds(7), unavailable.retryAfter());
    assertEquals(FetchOutcome.Failure.RATE_LIMITED, limited.kind());
    assertEquals(Duration.ofMinutes(10), limited.retryAfter());
    assertEquals(FetchOutcome.Failure.SERVER_ERROR, error.kind());
    assertNull(error.retryAfter());
    assertEquals(FetchOutcome.Failure.ERROR_PAGE, page.kind());
    assertEquals(FetchOutcome.Failure.MALFORMED_DOCUMENT, truncated.kind());
    for (FetchOutcome.Failed failed : List.of(unavailable, limited, error, page, truncated)) {
      assertTrue(failed.retryable(), failed.toString());
    }
  }

  @Test
  void aWrongTokenIsUnauthorizedAndNotRetried() throws Exception {
    EntsoeClient wrong = client(new JsonObject().put("token_file", tokenFile("not-the-token").toString()));
    try {
      FetchOutcome.Failed failed = failed(await(wrong.dayAhead("NL", DAY, DAY)));

      assertEquals(FetchOutcome.Failure.UNAUTHORIZED, failed.kind());
      assertFalse(failed.retryable());
      assertFalse(failed.detail().contains("not-the-token"), failed.detail());
    } finally {
      wrong.close();
    }
  }

  @Test
  void aBadRequestIsFatalAndItsReasonShownWithoutTheToken() throws Exception {
    // a server that echoes the request, token included, in its error
    server.then(EntsoeLikeServer.Answer.status(400, Map.of("Content-Type", "text/xml"),
      "<Acknowledgement_MarketDocument><Reason><code>999</code><text>Invalid query: securityToken=" + TOKEN
        + "&amp;documentType=A44 ; token " + TOKEN + "</text></Reason></Acknowledgement_MarketDocument>"));

    FetchOutcome.Failed failed = failed(await(client.dayAhead("NL", DAY, DAY)));

    assertEquals(FetchOutcome.Failure.BAD_REQUEST, failed.kind());
    assertFalse(failed.retryable());
    assertTrue(failed.detail().startsWith("HTTP 400: Invalid query: securityToken=***"), failed.detail());
    assertFalse(failed.detail().contains(TOKEN), failed.detail());
  }

  @Test
  void aSlowAnswerPastTheTimeoutIsATimeoutAndOneWithinItArrives() throws Exception {
    EntsoeClient patient = client(new JsonObject().put("token_file", tokenFile(TOKEN).toString())
      .put("request_timeout_s", 0.5));
    try {
      server.then(EntsoeLikeServer.Answer.slowPrices(Duration.ofMillis(1500)),
        EntsoeLikeServer.Answer.slowPrices(Duration.ofMillis(200)));

      FetchOutcome.Failed slow = failed(await(patient.dayAhead("NL", DAY, DAY)));
      FetchOutcome quick = await(patient.dayAhead("NL", DAY, DAY));

      assertEquals(FetchOutcome.Failure.TIMEOUT, slow.kind());
      assertTrue(slow.retryable());
      assertInstanceOf(FetchOutcome.Published.class, quick);
    } finally {
      patient.close();
    }
  }

  @Test
  void anAnswerThatTricklesEndsAtTheRequestTimeoutAndItsConnectionIsDropped() throws Exception {
    EntsoeClient patient = client(new JsonObject().put("token_file", tokenFile(TOKEN).toString())
      .put("request_timeout_s", 1.0));
    try {
      // a byte every 100 ms: an idle timeout alone would never fire
      server.then(EntsoeLikeServer.Answer.endless(" ", Duration.ofMillis(100), Map.of()));
      long started = System.nanoTime();

      FetchOutcome.Failed failed = failed(await(patient.dayAhead("NL", DAY, DAY)));

      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertEquals(FetchOutcome.Failure.TIMEOUT, failed.kind());
      assertEquals("no complete answer within 1000 ms", failed.detail());
      assertTrue(tookMs >= 900 && tookMs < 5000, "took " + tookMs + " ms");
      assertStreamStopped();
    } finally {
      patient.close();
    }
  }

  @Test
  void aBodyOverTheLimitIsRefusedWhileItStreamsNotAfterItEnded() throws Exception {
    EntsoeClient limited = client(new JsonObject().put("token_file", tokenFile(TOKEN).toString())
      .put("request_timeout_s", 20.0).put("max_document_bytes", 65_536));
    try {
      // 16 KiB every millisecond and never an end: buffered whole, it would run until the timeout
      server.then(EntsoeLikeServer.Answer.endless("<x/>".repeat(4096), Duration.ofMillis(1), Map.of()));
      long started = System.nanoTime();

      FetchOutcome.Failed failed = failed(await(limited.dayAhead("NL", DAY, DAY)));

      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertEquals(FetchOutcome.Failure.MALFORMED_DOCUMENT, failed.kind());
      assertEquals("the answer is more than the limit of 65536 bytes", failed.detail());
      assertTrue(tookMs < 5000, "took " + tookMs + " ms");
      assertStreamStopped();
    } finally {
      limited.close();
    }
  }

  @Test
  void aDeclaredLengthOverTheLimitIsRefusedBeforeTheBody() throws Exception {
    EntsoeClient limited = client(new JsonObject().put("token_file", tokenFile(TOKEN).toString())
      .put("request_timeout_s", 20.0).put("max_document_bytes", 65_536));
    try {
      server.then(EntsoeLikeServer.Answer.endless(" ", Duration.ofSeconds(1), Map.of("Content-Length", "100000000")));
      long started = System.nanoTime();

      FetchOutcome.Failed failed = failed(await(limited.dayAhead("NL", DAY, DAY)));

      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertEquals(FetchOutcome.Failure.MALFORMED_DOCUMENT, failed.kind());
      assertEquals("the answer declares 100000000 bytes, more than the limit of 65536", failed.detail());
      assertTrue(tookMs < 900, "took " + tookMs + " ms, the server sends its second chunk after 1000 ms");
    } finally {
      limited.close();
    }
  }

  /** The client dropped the connection: the server's endless answer no longer gets anything out. */
  private void assertStreamStopped() throws InterruptedException {
    Thread.sleep(300);
    long sent = server.streamedBytes().get(0);
    Thread.sleep(300);
    assertEquals(sent, server.streamedBytes().get(0), "the server still sends");
  }

  @Test
  void anUnreachableServerIsAConnectionFailureWithoutTheToken() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    EntsoeClient nowhere = client(new JsonObject().put("token_file", tokenFile(TOKEN).toString())
      .put("base_url", "http://127.0.0.1:" + closed + "/api"));
    try {
      FetchOutcome.Failed failed = failed(await(nowhere.dayAhead("NL", DAY, DAY)));

      assertEquals(FetchOutcome.Failure.CONNECTION, failed.kind());
      assertFalse(failed.detail().contains(TOKEN), failed.detail());
    } finally {
      nowhere.close();
    }
  }

  @Test
  void withoutATokenNothingIsAsked() throws Exception {
    EntsoeClient none = client(new JsonObject().put("token_env", "NATTERY_TEST_NO_SUCH_VARIABLE"));
    try {
      FetchOutcome.Failed failed = failed(await(none.dayAhead("NL", DAY, DAY)));

      assertEquals(FetchOutcome.Failure.MISSING_TOKEN, failed.kind());
      assertEquals(List.of(), server.requests());
    } finally {
      none.close();
    }
  }

  @Test
  void redactionCoversTheTokenAndAnyTokenParameter() {
    assertEquals("GET /api?a=1&securityToken=***&b=2 (***)",
      EntsoeClient.redact("GET /api?a=1&securityToken=" + TOKEN + "&b=2 (" + TOKEN + ")", TOKEN));
    assertEquals("x?securitytoken=***", EntsoeClient.redact("x?securitytoken=other-value", TOKEN));
    assertEquals("failed: ***, ***", EntsoeClient.redact("failed: a+b/c=, a%2Bb%2Fc%3D", "a+b/c="));
  }

  private EntsoeClient client(JsonObject config) {
    return new EntsoeClient(vertx, config.put("base_url", config.getString("base_url", server.baseUrl())), CLOCK);
  }

  private Path tokenFile(String token) throws IOException {
    Path file = dir.resolve("token-" + UUID.randomUUID());
    Files.writeString(file, token + "\n");
    return file;
  }

  private static FetchOutcome.Failed failed(FetchOutcome outcome) {
    return assertInstanceOf(FetchOutcome.Failed.class, outcome);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
