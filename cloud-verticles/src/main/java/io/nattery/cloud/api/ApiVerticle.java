package io.nattery.cloud.api;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.Tokens;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.metrics.NodeMetrics;
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
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
  /** Verified against when the user is unknown, so that both failures take the same time. */
  private String decoyHash;
  /** Argon2 runs here, never on the pool that Modbus workers and other blocking work share. */
  private WorkerExecutor hashing;
  private int hashesInFlight;
  private Pool pool;
  private UserStore users;
  private Tokens tokens;
  private HttpServer server;
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
    tokens = new Tokens(vertx, config().getJsonObject("jwt", new JsonObject()));

    hashing = vertx.createSharedWorkerExecutor("nattery-password-hash", 2);
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(Contract.MAX_PAYLOAD_BYTES));
    router.get("/health").handler(ctx -> Http.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    // without auth, as Prometheus scrapes it: in production bind the port to the internal network only
    router.get("/metrics").handler(this::metrics);

    router.post("/api/v1/auth/token").handler(this::issueToken);
    router.route("/api/v1/*").handler(JWTAuthHandler.create(tokens.auth()));
    router.get("/api/v1/devices").handler(Http.requires(Role.VIEWER)).handler(this::listDevices);
    router.get("/api/v1/devices/:id").handler(Http.requires(Role.VIEWER)).handler(this::getDevice);
    routeGroups.forEach(group -> group.mount(vertx, router, pool, config()));
    router.route("/api/*").handler(ctx -> Problems.send(ctx, 404, "no such route: " + ctx.request().path()));
    router.route("/*").handler(StaticHandler.create("webroot"));
    router.route().failureHandler(this::failure);

    return hashing.executeBlocking(() -> hasher.hash("decoy-password-for-timing"))
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
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  /** The port actually bound (useful when configured as 0). */
  public int port() {
    return server.actualPort();
  }

  private void issueToken(RoutingContext ctx) {
    JsonObject body = Http.jsonBody(ctx);
    if (body == null) {
      Problems.send(ctx, 400, "the body must be a JSON object {\"username\",\"password\"}");
      return;
    }
    List<Problems.FieldProblem> errors = new ArrayList<>();
    String username = stringField(body, "username", errors);
    String password = stringField(body, "password", errors);
    if (!errors.isEmpty()) {
      Problems.send(ctx, 400, "invalid token request", errors);
      return;
    }
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
    vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY,
        new JsonObject().put("op", "get").put("device_id", id), QUERY_TIMEOUT)
      .onSuccess(reply -> {
        JsonObject device = reply.body().getJsonObject("device");
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
