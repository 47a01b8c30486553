package io.nattery.cloud.prices;

import io.nattery.cloud.CloudNode;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.api.ApiVerticle;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/v1/prices} mounted by the API against the real PostgreSQL. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PriceRoutesIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String DATABASE = "nattery_price_routes_it_" + RUN;
  private static final String PASSWORD = "it-password-" + RUN;
  private static final LocalDate DAY = LocalDate.parse("2026-03-29");
  /** 10:00 CEST on the day, so that "today" is DAY. */
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-29T08:00:00Z"), ZoneOffset.UTC);

  private static Vertx vertx;
  private static Pool pool;
  private static PriceStore store;
  private static WebClient http;
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    vertx = Vertx.vertx();
    await(LocalServices.createDatabase(vertx, DATABASE));
    await(CloudNode.migrate(vertx, LocalServices.postgres(DATABASE)));
    pool = Database.pool(vertx, LocalServices.postgres(DATABASE));
    store = new PriceStore(pool);
    await(new UserStore(pool).save("viewer", new PasswordHasher().hash(PASSWORD), Role.VIEWER));
    int port = LocalServices.freePort();
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
      .put("postgres", LocalServices.postgres(DATABASE))
      .put("jwt", new JsonObject().put("secret", "it-secret-of-at-least-32-bytes-" + RUN));
    await(vertx.deployVerticle(new ApiVerticle(List.of(new PriceRoutes(CLOCK))), new DeploymentOptions()
      .setConfig(config)));
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    HttpResponse<Buffer> login = await(http.post("/api/v1/auth/token")
      .sendJsonObject(new JsonObject().put("username", "viewer").put("password", PASSWORD)));
    token = login.bodyAsJsonObject().getString("access_token");
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx == null) {
      return;
    }
    await(pool.close());
    await(vertx.close());
    Vertx cleanup = Vertx.vertx();
    await(LocalServices.dropDatabase(cleanup, DATABASE));
    await(cleanup.close());
  }

  @Test
  void aStoredDayIsTheContractsPriceCurvePlusStale() throws Exception {
    PriceCurve curve = PriceStoreIT.curve("NL", DAY, 15, q -> q - 20.5);
    await(store.store(curve));

    HttpResponse<Buffer> response = get("/api/v1/prices?zone=NL&day=2026-03-29");
    HttpResponse<Buffer> today = get("/api/v1/prices?zone=NL");

    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"));
    JsonObject body = response.bodyAsJsonObject();
    assertFalse(body.getBoolean("stale"));
    Decoded<PriceCurve> decoded = new MessageValidator().decode(MessageType.PRICE_CURVE, body);
    assertTrue(decoded.isAccepted(), String.valueOf(decoded.rejection()));
    assertEquals(curve, decoded.value());
    assertEquals(92, body.getJsonArray("points").size());
    assertEquals(body, today.bodyAsJsonObject(), "the day defaults to today in Europe/Brussels");
  }

  @Test
  void aStaleZoneSaysSoOnItsCurvesAndOnItsMissingDay() throws Exception {
    await(store.store(PriceStoreIT.curve("BE", DAY, 15, q -> 50)));
    await(store.markStale("BE", DAY.plusDays(1), Instant.parse("2026-03-29T13:30:00Z")));

    HttpResponse<Buffer> stored = get("/api/v1/prices?zone=BE&day=2026-03-29");
    HttpResponse<Buffer> missing = get("/api/v1/prices?zone=BE&day=2026-03-30");

    assertTrue(stored.bodyAsJsonObject().getBoolean("stale"));
    assertEquals(404, missing.statusCode());
    assertEquals("application/problem+json", missing.getHeader("Content-Type"));
    assertTrue(missing.bodyAsJsonObject().getBoolean("stale"));
    assertEquals(404, missing.bodyAsJsonObject().getInteger("status"));
  }

  @Test
  void aMissingDayOfAFreshZoneIs404NotStale() throws Exception {
    HttpResponse<Buffer> response = get("/api/v1/prices?zone=FR&day=2026-03-30");

    assertEquals(404, response.statusCode());
    assertEquals("no day-ahead prices of FR for 2026-03-30", response.bodyAsJsonObject().getString("detail"));
    assertFalse(response.bodyAsJsonObject().getBoolean("stale"));
  }

  @Test
  void badQueriesAre400WithEveryFieldNamed() throws Exception {
    HttpResponse<Buffer> both = get("/api/v1/prices?zone=XX&day=30.03.2026");
    HttpResponse<Buffer> noZone = get("/api/v1/prices?day=2026-03-30");

    assertEquals(400, both.statusCode());
    assertEquals("application/problem+json", both.getHeader("Content-Type"));
    JsonArray errors = both.bodyAsJsonObject().getJsonArray("errors");
    assertEquals(List.of("zone", "day"), errors.stream().map(e -> ((JsonObject) e).getString("field")).toList());
    assertEquals(400, noZone.statusCode());
    assertEquals("zone", noZone.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void withoutATokenItIs401() throws Exception {
    assertEquals(401, await(http.get("/api/v1/prices?zone=NL").send()).statusCode());
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return await(http.get(uri).bearerTokenAuthentication(token).send());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
