package io.nattery.cloud.api;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.audit.AuditLog;
import io.nattery.cloud.auth.AccessGuard;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.Tokens;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.metrics.NodeMetrics;
import io.nattery.cloud.state.RedisDeviceStates;
import io.nattery.protocol.Contract;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The REST API of PROTOCOL.md and the health routes. Each route names the least role it needs; everything
 * under {@code /api/v1} but the token route needs a valid JWT. Device state comes from the device-state
 * verticle over the event bus, so any node can answer.
 */
public class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final DeliveryOptions QUERY_TIMEOUT = new DeliveryOptions().setSendTimeout(3000).setLocalOnly(true);

  /** Password checks at once; past this the token route answers 429 rather than queue CPU-heavy work. */
  private static final int MAX_HASHES_IN_FLIGHT = 8;

  private final PasswordHasher hasher = new PasswordHasher();
  private AccessGuard guard;
  private AccessGuard.Bucket apiBucket;
  private AccessGuard.Bucket loginBucket;
  private AuditLog audit;
  /** Verified against when the user is unknown, so that both failures take the same time. */
  private String decoyHash;
  /** Argon2 runs here, never on the pool that Modbus workers and other blocking work share. */
  private WorkerExecutor hashing;
  private int hashesInFlight;
  private Pool pool;
  private UserStore users;
  private Tokens tokens;
  private HttpServer server;
  /**
   * With Redis, the device view is read here: one round trip from this loop, where the event-bus way added two
   * hops through the state verticle's loop, busy with 10,000 samples a second. Without Redis (the demo) the
   * state lives in that verticle and is asked over the event bus.
   */
  private RedisDeviceStates deviceReads;
  private final List<RouteGroup> routeGroups;

  /** @param routeGroups the features' routes, mounted after the token check */
  public ApiVerticle(List<RouteGroup> routeGroups) {
    this.routeGroups = List.copyOf(routeGroups);
  }

  public ApiVerticle() {
    this(List.of());
  }

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("http", new JsonObject());
    pool = Database.pool(vertx, config().getJsonObject("postgres", new JsonObject()));
    users = new UserStore(pool);
    audit = new AuditLog(pool);
    tokens = new Tokens(vertx, config().getJsonObject("jwt", new JsonObject()));

    JsonObject limits = config().getJsonObject("rate_limit", new JsonObject());
    apiBucket = new AccessGuard.Bucket("api", limits.getDouble("per_s", 100.0), limits.getInteger("burst", 1000));
    loginBucket = new AccessGuard.Bucket("login", limits.getDouble("login_per_s", 1.0),
      limits.getInteger("login_burst", 20));

    hashing = vertx.createSharedWorkerExecutor("nattery-password-hash", 2);
    Router router = Router.router(vertx);
    JsonArray origins = http.getJsonObject("cors", new JsonObject()).getJsonArray("allowed_origins");
    if (origins != null && !origins.isEmpty()) {
      // only the configured origins; a browser elsewhere gets no CORS headers and so no answer it may read
      router.route().handler(CorsHandler.create()
        .addOrigins(origins.stream().map(String::valueOf).toList())
        .allowedHeaders(Set.of("Authorization", "Content-Type"))
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE))
        .maxAgeSeconds(600));
    }
    router.route().handler(BodyHandler.create(false).setBodyLimit(Contract.MAX_PAYLOAD_BYTES));
    router.get("/health").handler(ctx -> Http.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    // without auth, as Prometheus scrapes it: in production bind the port to the internal network only
    router.get("/metrics").handler(this::metrics);

    router.post("/api/v1/auth/token").handler(this::issueToken);
    router.route("/api/v1/*").handler(JWTAuthHandler.create(tokens.auth())).handler(this::guard);
    router.delete("/api/v1/auth/token").handler(this::revokeOwnToken);
    router.post("/api/v1/auth/revocations").handler(Http.requires(Role.ADMIN)).handler(this::revokeUser);
    router.get("/api/v1/devices").handler(Http.requires(Role.VIEWER)).handler(this::listDevices);
    router.get("/api/v1/devices/:id").handler(Http.requires(Role.VIEWER)).handler(this::getDevice);
    routeGroups.forEach(group -> group.mount(vertx, router, pool, config()));
    router.route("/api/*").handler(ctx -> Problems.send(ctx, 404, "no such route: " + ctx.request().path()));
    router.route("/*").handler(StaticHandler.create("webroot"));
    router.route().failureHandler(this::failure);

    JsonObject redis = config().getJsonObject("redis");
    Future<?> reads = redis == null ? Future.succeededFuture()
      : RedisDeviceStates.connect(vertx, redis).onSuccess(store -> deviceReads = store);
    return reads.compose(r -> AccessGuard.create(vertx, config())).onSuccess(g -> guard = g)
      .compose(g -> hashing.executeBlocking(() -> hasher.hash("decoy-password-for-timing")))
      .onSuccess(hash -> decoyHash = hash)
      .compose(hash -> vertx.createHttpServer()
      .requestHandler(router)
      .listen(http.getInteger("port", 8080), http.getString("host", "0.0.0.0"))
      .onSuccess(s -> {
        server = s;
        LOG.info("API listening on port {}", s.actualPort());
      }));
  }

  @Override
  public Future<?> stop() {
    if (hashing != null) {
      hashing.close();
    }
    if (deviceReads != null) {
      deviceReads.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  /** The port actually bound (useful when configured as 0). */
  public int port() {
    return server.actualPort();
  }

  private void issueToken(RoutingContext ctx) {
    JsonObject body = Http.jsonBody(ctx);
    if (body == null) {
      Problems.notAnObject(ctx, "the body must be a JSON object {\"username\",\"password\"}");
      return;
    }
    List<Problems.FieldProblem> errors = new ArrayList<>();
    String username = stringField(body, "username", errors);
    String password = stringField(body, "password", errors);
    if (!errors.isEmpty()) {
      Problems.send(ctx, 400, "invalid token request", errors);
      return;
    }
    String from = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
    guard.admit(from, null, null, 0, loginBucket)
      .onFailure(e -> Problems.send(ctx, 503, "access checks are unavailable"))
      .onSuccess(decision -> {
        if (!decision.admitted()) {
          tooMany(ctx, decision);
        } else {
          checkPassword(ctx, username, password);
        }
      });
  }

  private void checkPassword(RoutingContext ctx, String username, String password) {
    if (hashesInFlight >= MAX_HASHES_IN_FLIGHT) {
      ctx.response().putHeader("Retry-After", "1");
      Problems.send(ctx, 429, "too many logins at once; retry shortly");
      return;
    }
    hashesInFlight++;
    users.find(username)
      .compose(found -> hashing.executeBlocking(() -> {
        String hash = found.map(UserStore.User::passwordHash).orElse(decoyHash);
        boolean ok = hasher.verify(password, hash);
        return found.filter(u -> ok && !u.disabled());
      }, false))
      .onComplete(done -> hashesInFlight--)
      .onSuccess(user -> {
        if (user.isEmpty()) {
          LOG.warn("refused a token [user: {}, from: {}]", printable(username), ctx.request().remoteAddress());
          Problems.send(ctx, 401, "invalid username or password");
          return;
        }
        String token = tokens.issue(user.get().username(), user.get().role());
        Http.json(ctx, 200, new JsonObject()
          .put("access_token", token)
          .put("token_type", "Bearer")
          .put("expires_in", tokens.ttlSeconds()));
      })
      .onFailure(ctx::fail);
  }

  /** After the signature check: refuses a revoked token (401) and a client over its rate limit (429). */
  private void guard(RoutingContext ctx) {
    JsonObject claims = claims(ctx);
    String subject = claims.getString("sub");
    guard.admit(subject == null ? "anonymous" : subject, claims.getString("jti"), subject,
        claims.getLong(Tokens.ISSUED_MS, claims.getLong("iat", 0L) * 1000), apiBucket)
      .onFailure(e -> {
        LOG.warn("access checks failed: {}", e.getMessage());
        Problems.send(ctx, 503, "access checks are unavailable");
      })
      .onSuccess(decision -> {
        if (decision.admitted()) {
          ctx.next();
        } else if (decision.revoked()) {
          Problems.send(ctx, 401, "the token was revoked");
        } else {
          tooMany(ctx, decision);
        }
      });
  }

  private static void tooMany(RoutingContext ctx, AccessGuard.Decision decision) {
    ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, (decision.retryAfterMs() + 999) / 1000)));
    Problems.send(ctx, 429, "too many requests; retry after the time in Retry-After");
  }

  /** {@code DELETE /api/v1/auth/token}: the presented token is refused from now on (logout). */
  private void revokeOwnToken(RoutingContext ctx) {
    JsonObject claims = claims(ctx);
    String tokenId = claims.getString("jti");
    if (tokenId == null) {
      Problems.send(ctx, 400, "the token has no id to revoke it by; it expires at its exp");
      return;
    }
    guard.revokeToken(tokenId, claims.getLong("exp", 0L) * 1000)
      .onSuccess(v -> ctx.response().setStatusCode(204).end())
      .onFailure(e -> Problems.send(ctx, 503, "access checks are unavailable"));
  }

  /** {@code POST /api/v1/auth/revocations {"username"}} (admin): every token of the user issued so far is refused. */
  private void revokeUser(RoutingContext ctx) {
    JsonObject body = Http.jsonBody(ctx);
    Object username = body == null ? null : body.getValue("username");
    if (!(username instanceof String name) || name.isEmpty() || name.length() > 64) {
      Problems.send(ctx, 400, "invalid revocation",
        List.of(new Problems.FieldProblem("username", "must be a user name of 1 to 64 characters")));
      return;
    }
    guard.revokeSubject(name, tokens.ttlSeconds() * 1000L)
      .compose(v -> audit.record(ctx, "auth.revoke_user", name, "done", new JsonObject()))
      .onSuccess(v -> ctx.response().setStatusCode(204).end())
      .onFailure(e -> Problems.send(ctx, 503, "access checks are unavailable"));
  }

  private static JsonObject claims(RoutingContext ctx) {
    return ctx.user().attributes().getJsonObject("accessToken", ctx.user().principal());
  }

  private void listDevices(RoutingContext ctx) {
    List<Problems.FieldProblem> errors = new ArrayList<>();
    int limit = Paging.limit(ctx, errors);
    String online = ctx.request().getParam("online");
    if (online != null && !online.equals("true") && !online.equals("false")) {
      errors.add(new Problems.FieldProblem("online", "must be true or false"));
    }
    Optional<String> after = Optional.empty();
    String cursor = ctx.request().getParam("cursor");
    if (cursor != null) {
      after = decodeCursor(cursor);
      if (after.isEmpty()) {
        errors.add(new Problems.FieldProblem("cursor", "is not a cursor this API issued"));
      }
    }
    if (!errors.isEmpty()) {
      Problems.send(ctx, 400, "invalid query", errors);
      return;
    }
    JsonObject query = new JsonObject().put("op", "list").put("limit", limit)
      .put("after", after.orElse(null))
      .put("online", online == null ? null : Boolean.valueOf(online));
    vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY, query, QUERY_TIMEOUT)
      .onSuccess(reply -> {
        JsonObject page = reply.body();
        String last = page.getString("last");
        Http.json(ctx, 200, new JsonObject()
          .put("items", page.getJsonArray("items", new JsonArray()))
          .put("next_cursor", last == null ? null : Paging.cursor(last)));
      })
      .onFailure(e -> Problems.send(ctx, 503, "device state is not available"));
  }

  private void getDevice(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Contract.isValidDeviceId(id)) {
      Problems.send(ctx, 400, "invalid device id", List.of(
        new Problems.FieldProblem("device_id", "must match [A-Za-z0-9_-]{1,64}")));
      return;
    }
    Future<JsonObject> read = deviceReads != null ? deviceReads.get(id).map(found -> found.orElse(null))
      : vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY,
        new JsonObject().put("op", "get").put("device_id", id), QUERY_TIMEOUT)
      .map(reply -> reply.body().getJsonObject("device"));
    read
      .onSuccess(device -> {
        if (device == null) {
          Problems.send(ctx, 404, "no device " + id);
        } else {
          Http.json(ctx, 200, device);
        }
      })
      .onFailure(e -> Problems.send(ctx, 503, "device state is not available"));
  }

  /** The node's meters in Prometheus text format; 404 when the node was started without a registry. */
  private void metrics(RoutingContext ctx) {
    NodeMetrics.scrapeable().ifPresentOrElse(
      registry -> vertx.executeBlocking(registry::scrape, false)
        .onSuccess(text -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .end(text))
        .onFailure(ctx::fail),
      () -> Problems.send(ctx, 404, "this node keeps no metrics"));
  }

  /** Readiness: each dependency's state; 503 when one is down. */
  private void ready(RoutingContext ctx) {
    Future<String> db = pool.query("SELECT 1").execute().map("UP").otherwise("DOWN");
    Future<String> mqtt = vertx.eventBus().<JsonObject>request(Addresses.INGEST_STATS, new JsonObject(), QUERY_TIMEOUT)
      .map(m -> m.body().getBoolean("connected", false) ? "UP" : "DOWN").otherwise("DOWN");
    Future<String> state = vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY,
        new JsonObject().put("op", "ping"), QUERY_TIMEOUT).map("UP").otherwise("DOWN");
    Future<String> history = config().containsKey("history")
      ? vertx.eventBus().<JsonObject>request(Addresses.HISTORY_STATS, new JsonObject(), QUERY_TIMEOUT)
        .map(m -> m.body().getBoolean("healthy", false) ? "UP" : "DOWN").otherwise("DOWN")
      : Future.succeededFuture(null);
    Future.join(db, mqtt, state, history).onComplete(done -> {
      JsonObject checks = new JsonObject()
        .put("postgres", db.result())
        .put("mqtt", mqtt.result())
        .put("device_state", state.result());
      if (history.result() != null) {
        checks.put("telemetry_store", history.result());
      }
      boolean up = checks.stream().allMatch(e -> "UP".equals(e.getValue()));
      Http.json(ctx, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", checks));
    });
  }

  private void failure(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    switch (status) {
      case 401 -> Problems.send(ctx, 401, "a valid bearer token is required");
      case 403 -> Problems.send(ctx, 403, "not allowed");
      case 413 -> Problems.send(ctx, 413, "the body is larger than " + Contract.MAX_PAYLOAD_BYTES + " bytes");
      case 404, 405, 400, 415 -> Problems.send(ctx, status, "request refused");
      default -> {
        LOG.error("request failed [path: {}]", ctx.request().path(), ctx.failure());
        Problems.send(ctx, 500, "internal error");
      }
    }
  }

  private static String stringField(JsonObject body, String name, List<Problems.FieldProblem> errors) {
    Object value = body.getValue(name);
    if (!(value instanceof String s) || s.isEmpty() || s.length() > 256) {
      errors.add(new Problems.FieldProblem(name, "must be a non-empty string of at most 256 characters"));
      return null;
    }
    return s;
  }

  private static String printable(String username) {
    return username.replaceAll("[^A-Za-z0-9_.@-]", "?");
  }

  private static Optional<String> decodeCursor(String cursor) {
    return Paging.position(cursor).filter(Contract::isValidDeviceId);
  }


}
