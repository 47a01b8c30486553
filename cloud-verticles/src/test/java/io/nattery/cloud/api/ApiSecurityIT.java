package io.nattery.cloud.api;

import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.prices.LogCapture;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API's defences on a real node (PostgreSQL, Redis for revocations and rate limits): missing, expired,
 * forged, unsigned and foreign-algorithm tokens are 401, the wrong role 403, revoked tokens 401, a client over
 * its limit 429 with Retry-After, an oversized body 413, injection-shaped ids 400 or 404, CORS only for the
 * configured origin; no answer is a 5xx, and no token or password reaches the logs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiSecurityIT {

  private static final String SECRET = "it-secret-of-at-least-32-bytes-for-security";
  private static final String ORIGIN = "https://ops.example.org";

  private final List<Integer> statuses = new ArrayList<>();

  @Test
  void everyDefenceHolds() throws Exception {
    try (LogCapture logs = new LogCapture();
         TestNode node = TestNode.create(config -> config
           .put("jwt", new JsonObject().put("secret", SECRET).put("issuer", "nattery").put("audience", "nattery-api"))
           .put("rate_limit", new JsonObject().put("per_s", 2).put("burst", 40))
           .put("http", config.getJsonObject("http").copy()
             .put("cors", new JsonObject().put("allowed_origins", new JsonArray().add(ORIGIN)))))) {
      node.deploy();
      String viewer = node.token(Role.VIEWER);
      String operator = node.token(Role.OPERATOR);
      List<String> secrets = new ArrayList<>(List.of(viewer, operator));

      // no token, a wrong signature, expired, alg none, another algorithm, another issuer or audience: 401
      assertEquals(401, status(node, HttpMethod.GET, "/api/v1/devices", null, null));
      JWTAuth forger = JWTAuth.create(node.vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("HS256").setBuffer("another-secret-of-at-least-32-bytes!!")));
      JsonObject claims = new JsonObject().put("roles", new JsonArray().add("admin").add("viewer"));
      String forged = forger.generateToken(claims, options("HS256").setExpiresInSeconds(600));
      JWTAuth ours = JWTAuth.create(node.vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET))
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS512").setBuffer(SECRET)));
      String expired = ours.generateToken(claims.copy().put("exp", System.currentTimeMillis() / 1000 - 120),
        options("HS256"));
      String otherAlgorithm = ours.generateToken(claims, options("HS512").setExpiresInSeconds(600));
      String otherIssuer = ours.generateToken(claims, options("HS256").setIssuer("someone-else").setExpiresInSeconds(600));
      String otherAudience = ours.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setIssuer("nattery")
        .setAudience(List.of("another-api")).setSubject("admin").setExpiresInSeconds(600));
      String unsigned = unsigned(claims.copy().put("iss", "nattery").put("aud", "nattery-api").put("sub", "admin")
        .put("exp", System.currentTimeMillis() / 1000 + 600));
      secrets.addAll(List.of(forged, expired, otherAlgorithm, otherIssuer, otherAudience, unsigned));
      for (String token : List.of(forged, expired, otherAlgorithm, otherIssuer, otherAudience, unsigned,
        "not-a-jwt", viewer + "x")) {
        assertEquals(401, status(node, HttpMethod.GET, "/api/v1/devices", token, null), token);
      }

      // the wrong role: 403
      assertEquals(403, status(node, HttpMethod.POST, "/api/v1/devices/pi-1/commands", viewer,
        new JsonObject().put("type", "resume")));
      assertEquals(403, status(node, HttpMethod.POST, "/api/v1/schedules", operator, new JsonObject()));
      assertEquals(403, status(node, HttpMethod.POST, "/api/v1/auth/revocations", operator,
        new JsonObject().put("username", "viewer")));

      // injection-shaped ids: 400 or 404, never 5xx
      for (String id : List.of("x'%20OR%20'1'%3D'1", "%27%3B%20DROP%20TABLE%20devices%3B--", "..%2F..%2Fetc%2Fpasswd",
        "%00", "a%0Ab", "%E2%80%AE")) {
        int device = status(node, HttpMethod.GET, "/api/v1/devices/" + id, viewer, null);
        int schedule = status(node, HttpMethod.GET, "/api/v1/schedules/" + id + "/status", viewer, null);
        int command = status(node, HttpMethod.GET, "/api/v1/commands/" + id, operator, null);
        for (int status : List.of(device, schedule, command)) {
          assertTrue(status == 400 || status == 404, id + " answered " + status);
        }
      }
      assertEquals(200, status(node, HttpMethod.GET, "/api/v1/devices", viewer, null), "the devices table is still there");

      // an oversized body: 413
      JsonObject huge = new JsonObject().put("type", "resume").put("padding", "x".repeat(300 * 1024));
      assertEquals(413, status(node, HttpMethod.POST, "/api/v1/devices/pi-1/commands", operator, huge));

      // CORS: the configured origin may read answers, another may not
      HttpResponse<Buffer> preflight = await(node.http.request(HttpMethod.OPTIONS, "/api/v1/devices")
        .putHeader("Origin", ORIGIN).putHeader("Access-Control-Request-Method", "GET")
        .putHeader("Access-Control-Request-Headers", "authorization").send());
      assertEquals(ORIGIN, preflight.getHeader("Access-Control-Allow-Origin"));
      HttpResponse<Buffer> foreign = await(node.http.get("/api/v1/devices").bearerTokenAuthentication(viewer)
        .putHeader("Origin", "https://evil.example.com").send());
      assertNull(foreign.getHeader("Access-Control-Allow-Origin"));
      statuses.add(foreign.statusCode());

      // revocation: a logged-out token, and every token of a revoked user, is refused; a new login works
      String admin = node.token(Role.ADMIN);
      String trader = node.token(Role.TRADER);
      secrets.addAll(List.of(admin, trader));
      assertEquals(204, status(node, HttpMethod.DELETE, "/api/v1/auth/token", operator, null));
      assertEquals(401, status(node, HttpMethod.GET, "/api/v1/devices", operator, null));
      assertEquals(204, status(node, HttpMethod.POST, "/api/v1/auth/revocations", admin,
        new JsonObject().put("username", "trader")));
      assertEquals(401, status(node, HttpMethod.GET, "/api/v1/devices", trader, null));
      Thread.sleep(5); // a token issued in the same millisecond as the revocation counts as revoked
      String fresh = node.token(Role.TRADER);
      secrets.add(fresh);
      assertEquals(200, status(node, HttpMethod.GET, "/api/v1/devices", fresh, null));
      assertEquals(1L, await(node.pool.query("SELECT count(*) FROM audit_log WHERE action = 'auth.revoke_user'")
        .execute()).iterator().next().getLong(0));

      // the rate limit: a viewer burning through its burst gets 429 with Retry-After
      HttpResponse<Buffer> limited = null;
      for (int i = 0; i < 60 && limited == null; i++) {
        HttpResponse<Buffer> response = await(node.http.get("/api/v1/devices").bearerTokenAuthentication(viewer).send());
        statuses.add(response.statusCode());
        if (response.statusCode() == 429) {
          limited = response;
        }
      }
      assertNotNull(limited, "no 429 within 60 requests at a burst of 40");
      assertTrue(Integer.parseInt(limited.getHeader("Retry-After")) >= 1);
      assertEquals("application/problem+json", limited.getHeader("Content-Type"));

      assertFalse(statuses.stream().anyMatch(s -> s >= 500), () -> "a 5xx answer: " + statuses);
      String password = "it-password-" + node.run;
      for (String line : logs.lines()) {
        assertFalse(line.contains(password), () -> "a password in the logs: " + line);
        for (String secret : secrets) {
          assertFalse(line.contains(secret.substring(secret.length() - 20)), () -> "a token in the logs: " + line);
        }
        assertFalse(line.contains(SECRET), () -> "the signing key in the logs: " + line);
      }
      assertTrue(await(new UserStore(node.pool).find("viewer")).get().passwordHash().startsWith("$argon2id$"));
    }
  }

  private int status(TestNode node, HttpMethod method, String path, String token, JsonObject body) throws Exception {
    HttpRequest<Buffer> request = node.http.request(method, path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    HttpResponse<Buffer> response = await(body == null ? request.send() : request.sendJsonObject(body));
    statuses.add(response.statusCode());
    return response.statusCode();
  }

  private static JWTOptions options(String algorithm) {
    return new JWTOptions().setAlgorithm(algorithm).setIssuer("nattery").setAudience(List.of("nattery-api"))
      .setSubject("admin");
  }

  /** A token with {@code "alg": "none"} and no signature. */
  private static String unsigned(JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
      + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8)) + ".";
  }
}
