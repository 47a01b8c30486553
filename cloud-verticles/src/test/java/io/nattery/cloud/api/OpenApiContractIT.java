package io.nattery.cloud.api;

import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.prices.PriceStore;
import io.nattery.protocol.PriceCurve;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.deployment.DeploymentContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.Yaml;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code openapi.yaml} against a running node: every route of the router is described and every described
 * operation is routed; real requests get answers whose status is declared and whose body is valid against the
 * declared schema of that status and content type.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenApiContractIT {

  private static final String VALIDATED_AS = "application/json";

  private static TestNode node;
  private static JsonObject spec;
  private static Vertx validating;
  private static OpenAPIContract contract;
  private static ResponseValidator validator;
  private static final Map<Role, String> tokens = new HashMap<>();
  private static String deviceId;
  private static MqttClient device;

  @BeforeAll
  static void start() throws Exception {
    spec = readSpec();
    // compiling the schemas takes a while: on a Vert.x of its own and before the node, which watches its event loops
    validating = Vertx.vertx();
    contract = await(OpenAPIContract.from(validating, validatable(spec)));
    validator = ResponseValidator.create(validating, contract);
    node = TestNode.create(config -> { }).deploy();
    for (Role role : Role.values()) {
      tokens.put(role, node.token(role));
    }
    deviceId = "it-oas-" + node.run;
    device = MqttClient.create(node.vertx, new MqttClientOptions().setClientId("it-oas-device-" + node.run));
    await(device.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (device != null && device.isConnected()) {
      await(device.disconnect());
    }
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      if (validating != null) {
        await(validating.close());
      }
    }
  }

  @Test
  void everyRouteIsDescribedAndEveryDescribedOperationIsRouted() throws Exception {
    Set<String> routed = routedOperations();
    Set<String> described = new TreeSet<>();
    for (Operation op : contract.operations()) {
      described.add(op.getHttpMethod().name() + " " + op.getOpenAPIPath());
    }

    Set<String> undescribed = new TreeSet<>(routed);
    undescribed.removeAll(described);
    Set<String> unrouted = new TreeSet<>(described);
    unrouted.removeAll(routed);
    assertTrue(undescribed.isEmpty() && unrouted.isEmpty(),
      "routes missing from openapi.yaml: " + undescribed + "; operations in openapi.yaml with no route: " + unrouted);
  }

  @Test
  void theDescriptionIsServedWithoutAToken() throws Exception {
    HttpResponse<Buffer> response = await(node.http.get("/openapi.yaml").send());

    assertEquals(200, response.statusCode());
    assertEquals("application/yaml", response.getHeader("Content-Type"));
    try (InputStream in = resource()) {
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), response.bodyAsString());
    }
  }

  @Test
  void everyAnswerIsDescribedRightly() throws Exception {
    List<String> failures = new ArrayList<>();
    Checker check = new Checker(failures);
    String admin = tokens.get(Role.ADMIN);
    String operator = tokens.get(Role.OPERATOR);
    String trader = tokens.get(Role.TRADER);
    String viewer = tokens.get(Role.VIEWER);

    // health, metrics, the description itself
    check.call("health", get("/health"), null, 200);
    check.call("ready", get("/health/ready"), null, 200);
    check.call("metrics", get("/metrics"), null, 200);
    check.call("openapi", get("/openapi.yaml"), null, 200);

    // tokens
    check.call("issueToken", node.http.post("/api/v1/auth/token"), new JsonObject()
      .put("username", "viewer").put("password", "not-the-password"), 401);
    check.call("issueToken", node.http.post("/api/v1/auth/token"), new JsonObject().put("username", "viewer"), 400);

    // provisioning
    JsonObject registration = new JsonObject().put("device_id", deviceId).put("site", "site-oas")
      .put("model", "generic-hybrid").put("rated_power_kw", 5.0).put("capacity_kwh", 10.0);
    check.call("provisionDevice", post("/api/v1/devices", admin), registration, 201);
    check.call("provisionDevice", post("/api/v1/devices", admin), registration, 409);
    check.call("provisionDevice", post("/api/v1/devices", admin), new JsonObject().put("device_id", "bad id!"), 400);
    check.call("provisionDevice", post("/api/v1/devices", operator), registration, 403);
    check.call("provisionDevice", node.http.post("/api/v1/devices"), registration, 401);

    // device state, once the device has sent telemetry
    await(device.publish(Topics.telemetry(deviceId), Samples.telemetry(deviceId, 1, 50).toJson().toBuffer(),
      MqttQoS.AT_LEAST_ONCE, false, false));
    await(node.waitFor(() -> get("/api/v1/devices/" + deviceId, viewer).send(), r -> r.statusCode() == 200));
    check.call("getDevice", get("/api/v1/devices/" + deviceId, viewer), null, 200);
    check.call("getDevice", get("/api/v1/devices/nobody-" + node.run, viewer), null, 404);
    check.call("getDevice", get("/api/v1/devices/bad%20id", viewer), null, 400);
    check.call("getDevice", get("/api/v1/devices/" + deviceId), null, 401);
    check.call("listDevices", get("/api/v1/devices?limit=1", viewer), null, 200);
    check.call("listDevices", get("/api/v1/devices?online=true", viewer), null, 200);
    check.call("listDevices", get("/api/v1/devices?limit=0&cursor=%25", viewer), null, 400);

    // this node keeps no history: the route answers 503
    check.call("getTelemetryHistory", get("/api/v1/devices/" + deviceId
      + "/telemetry?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z", viewer), null, 503);

    // schedules
    String scheduleId = UUID.randomUUID().toString();
    JsonObject schedule = schedule(scheduleId, deviceId, 3.0);
    check.call("submitSchedule", post("/api/v1/schedules", trader), schedule, 201);
    check.call("submitSchedule", post("/api/v1/schedules", trader), schedule, 200);
    check.call("submitSchedule", post("/api/v1/schedules", trader), schedule(scheduleId, deviceId, 2.0), 409);
    check.call("submitSchedule", post("/api/v1/schedules", trader),
      schedule(UUID.randomUUID().toString(), "nobody-" + node.run, 1.0), 404);
    check.call("submitSchedule", post("/api/v1/schedules", trader), schedule.copy().put("resolution", "P1D"), 400);
    check.call("submitSchedule", post("/api/v1/schedules", viewer), schedule, 403);
    check.call("submitSchedule", node.http.post("/api/v1/schedules"), schedule, 401);
    check.call("submitSchedule", post("/api/v1/schedules", trader), Buffer.buffer("x".repeat(300 * 1024)), 413);
    check.call("getSchedule", get("/api/v1/schedules/" + scheduleId, viewer), null, 200);
    check.call("getSchedule", get("/api/v1/schedules/" + UUID.randomUUID(), viewer), null, 404);
    check.call("getSchedule", get("/api/v1/schedules/" + "s".repeat(129), viewer), null, 400);
    check.call("getScheduleStatus", get("/api/v1/schedules/" + scheduleId + "/status", viewer), null, 200);
    check.call("getScheduleStatus", get("/api/v1/schedules/" + UUID.randomUUID() + "/status", viewer), null, 404);

    // commands
    JsonObject command = new JsonObject().put("type", "set_power").put("params", new JsonObject().put("power_w", -1000));
    HttpResponse<Buffer> accepted = check.call("sendCommand", post("/api/v1/devices/" + deviceId + "/commands",
      operator), command, 202);
    check.call("sendCommand", post("/api/v1/devices/nobody-" + node.run + "/commands", operator), command, 404);
    check.call("sendCommand", post("/api/v1/devices/" + deviceId + "/commands", operator),
      command.copy().put("expires_at", "tomorrow"), 400);
    check.call("sendCommand", post("/api/v1/devices/" + deviceId + "/commands", trader), command, 403);
    String commandId = accepted.bodyAsJsonObject().getString("command_id");
    check.call("getCommand", get("/api/v1/commands/" + commandId, operator), null, 200);
    check.call("getCommand", get("/api/v1/commands/" + UUID.randomUUID(), operator), null, 404);
    check.call("getCommand", get("/api/v1/commands/" + commandId, viewer), null, 403);

    // prices
    await(new PriceStore(node.pool).store(PriceCurve.fromJson(curve("NL", "2026-01-15"))));
    check.call("getPrices", get("/api/v1/prices?zone=NL&day=2026-01-15", viewer), null, 200);
    check.call("getPrices", get("/api/v1/prices?zone=NL&day=2026-01-16", viewer), null, 404);
    check.call("getPrices", get("/api/v1/prices?day=tomorrow", viewer), null, 400);

    // strategies
    JsonObject strategy = new JsonObject().put("zone", "NL").put("strategy", "arbitrage").put("battery",
      new JsonObject().put("capacity_kwh", 10.0).put("power_kw", 5.0).put("round_trip_efficiency", 0.9)
        .put("soc_min_pct", 10.0).put("soc_max_pct", 90.0).put("cycle_cost_eur_per_kwh", 0.02));
    check.call("getStrategy", get("/api/v1/strategies/" + deviceId, viewer), null, 200);
    check.call("getStrategy", get("/api/v1/strategies/nobody-" + node.run, viewer), null, 404);
    check.call("putStrategy", put("/api/v1/strategies/" + deviceId, operator), strategy, 200);
    check.call("getStrategy", get("/api/v1/strategies/" + deviceId, viewer), null, 200);
    check.call("putStrategy", put("/api/v1/strategies/" + deviceId, operator),
      strategy.copy().put("strategy", "gamble"), 400);
    check.call("putStrategy", put("/api/v1/strategies/" + deviceId, viewer), strategy, 403);

    // revenue, as JSON and as CSV
    String range = "from=2026-01-15T00:00:00Z&to=2026-01-16T00:00:00Z";
    check.call("getRevenue", get("/api/v1/analytics/revenue?device_id=" + deviceId + "&" + range, viewer), null, 200);
    check.call("getRevenue", get("/api/v1/analytics/revenue?" + range, viewer), null, 200);
    check.call("getRevenue", get("/api/v1/analytics/revenue?" + range, viewer).putHeader("Accept", "text/csv"),
      null, 200);
    check.call("getRevenue", get("/api/v1/analytics/revenue?to=yesterday", viewer), null, 400);

    // alerts
    check.call("listAlerts", get("/api/v1/alerts?state=raised&severity=critical", viewer), null, 200);
    check.call("listAlerts", get("/api/v1/alerts?state=sleeping", viewer), null, 400);
    check.call("listAlerts", get("/api/v1/alerts"), null, 401);

    if (!failures.isEmpty()) {
      fail(failures.size() + " answers not as described:\n" + String.join("\n", failures));
    }
  }

  /**
   * Sends requests and checks each answer against the description, collecting what is wrong. Every 400 sent here
   * is a validation failure, which PROTOCOL.md answers with the offending fields.
   */
  private record Checker(List<String> failures) {

    HttpResponse<Buffer> call(String operationId, HttpRequest<Buffer> request, Object body, int expected)
      throws Exception {
      HttpResponse<Buffer> response = await(body == null ? request.send()
        : body instanceof JsonObject json ? request.sendJsonObject(json) : request.sendBuffer((Buffer) body));
      String what = operationId + " " + response.statusCode();
      if (contract.operations().stream().noneMatch(op -> op.getOperationId().equals(operationId))) {
        failures.add(operationId + ": no such operation in openapi.yaml");
        return response;
      }
      if (response.statusCode() != expected) {
        failures.add(what + ": expected " + expected + " (" + response.bodyAsString() + ")");
        return response;
      }
      JsonObject declared = declaredResponse(operationId, response.statusCode());
      if (declared == null) {
        failures.add(what + ": status not declared");
        return response;
      }
      String contentType = response.getHeader("Content-Type");
      if (response.body() != null && response.body().length() > 0) {
        JsonObject content = declared.getJsonObject("content", new JsonObject());
        if (!content.containsKey(contentType)) {
          failures.add(what + ": content type " + contentType + " not declared, only " + content.fieldNames());
          return response;
        }
      }
      if (expected == 400 && response.bodyAsJsonObject().getJsonArray("errors", new JsonArray()).isEmpty()) {
        failures.add(what + ": a validation problem without errors[{field, message}]");
      }
      Map<String, String> headers = new HashMap<>();
      response.headers().forEach(header -> headers.put(header.getKey(), header.getValue()));
      if (contentType != null && !isJson(contentType)) {
        return response; // vertx-openapi validates JSON only: of CSV, YAML and Prometheus text, status and type above
      }
      ValidatableResponse answer = contentType == null ? ValidatableResponse.create(response.statusCode(), headers)
        : ValidatableResponse.create(response.statusCode(), headers, response.body(), VALIDATED_AS);
      try {
        await(validator.validate(answer, operationId));
      } catch (Exception e) {
        failures.add(what + ": " + e.getMessage() + " in " + response.bodyAsString());
      }
      return response;
    }
  }

  /** The raw description of an operation's answer with that status, its $ref followed; null when undeclared. */
  private static JsonObject declaredResponse(String operationId, int status) {
    for (Operation op : contract.operations()) {
      if (op.getOperationId().equals(operationId)) {
        JsonObject response = spec.getJsonObject("paths").getJsonObject(op.getOpenAPIPath())
          .getJsonObject(op.getHttpMethod().name().toLowerCase()).getJsonObject("responses")
          .getJsonObject(Integer.toString(status));
        if (response != null && response.containsKey("$ref")) {
          String name = response.getString("$ref").substring("#/components/responses/".length());
          response = spec.getJsonObject("components").getJsonObject("responses").getJsonObject(name);
        }
        return response;
      }
    }
    throw new AssertionError("no operation " + operationId + " in openapi.yaml");
  }

  /** METHOD /path of every route of the running API with a method and a plain path, {id} for :id. */
  private static Set<String> routedOperations() throws Exception {
    Set<String> operations = new TreeSet<>();
    for (Route route : apiRouter().getRoutes()) {
      if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) {
        continue; // handlers for every request (body, auth, rate limit), the catch-all and static files
      }
      String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      for (HttpMethod method : route.methods()) {
        operations.add(method.name() + " " + path);
      }
    }
    return operations;
  }

  /** The router the node's API verticle serves, found through the deployed verticle's HTTP server. */
  private static Router apiRouter() throws Exception {
    for (DeploymentContext deployment : ((VertxInternal) node.vertx).deploymentManager().deployments()) {
      for (Deployable instance : deployment.deployment().instances()) {
        if (instance instanceof ApiVerticle) {
          for (Field field : ApiVerticle.class.getDeclaredFields()) {
            if (HttpServer.class.isAssignableFrom(field.getType())) {
              field.setAccessible(true);
              Object handler = ((HttpServerImpl) field.get(instance)).requestHandler();
              if (handler instanceof Router router) {
                return router;
              }
              throw new AssertionError("the API's request handler is no Router but " + handler);
            }
          }
        }
      }
    }
    throw new AssertionError("no ApiVerticle with an HttpServer deployed");
  }

  private static InputStream resource() {
    InputStream in = OpenApiRoutes.class.getClassLoader().getResourceAsStream(OpenApiRoutes.RESOURCE);
    if (in == null) {
      throw new AssertionError(OpenApiRoutes.RESOURCE + " is not on the classpath");
    }
    return in;
  }

  private static JsonObject readSpec() throws Exception {
    try (InputStream in = resource()) {
      Map<String, Object> yaml = new Yaml().load(in);
      return new JsonObject(yaml);
    }
  }

  /**
   * The description as vertx-openapi can load it: it refuses CSV, YAML, Prometheus text and even problem+json, so
   * only the JSON media types stay, each as application/json (no answer here has both).
   */
  @SuppressWarnings("unchecked")
  private static JsonObject validatable(JsonObject spec) {
    return new JsonObject((Map<String, Object>) jsonOnly(spec.getMap()));
  }

  @SuppressWarnings("unchecked")
  private static Object jsonOnly(Object node) {
    if (node instanceof JsonObject json) {
      return jsonOnly(json.getMap());
    }
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<String, Object>) map).forEach((key, value) -> {
        if (key.equals("content") && value instanceof Map<?, ?> content) {
          Map<String, Object> json = new LinkedHashMap<>();
          ((Map<String, Object>) content).forEach((type, media) -> {
            if (isJson(type)) {
              json.put(VALIDATED_AS, media);
            }
          });
          if (!json.isEmpty()) {
            copy.put(key, jsonOnly(json));
          }
        } else {
          copy.put(key, jsonOnly(value));
        }
      });
      return copy;
    }
    if (node instanceof List<?> list) {
      return new ArrayList<>(list.stream().map(OpenApiContractIT::jsonOnly).toList()); // the loader edits lists
    }
    return node;
  }

  /** What vertx-openapi validates here: JSON, problem+json included. */
  private static boolean isJson(String contentType) {
    return contentType.equals("application/json") || contentType.equals("application/problem+json");
  }

  /** A one-slot schedule starting at the next quarter-hour. */
  private static JsonObject schedule(String scheduleId, String device, double rateKw) {
    Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS);
    while (!start.isAfter(Instant.now())) {
      start = start.plus(Duration.ofMinutes(15));
    }
    return new JsonObject().put("schedule_id", scheduleId).put("device_id", device).put("resolution", "PT15M")
      .put("slots", new JsonArray().add(new JsonObject().put("start", start.toString())
        .put("end", start.plus(Duration.ofMinutes(15)).toString()).put("mode", "charge").put("rate_kw", rateKw)));
  }

  /** A full quarter-hourly day of a zone in winter (the market day starts at 23:00 UTC). */
  private static JsonObject curve(String zone, String day) {
    Instant start = Instant.parse(day + "T00:00:00Z").minus(Duration.ofHours(1));
    JsonArray points = new JsonArray();
    for (int q = 0; q < 96; q++) {
      Instant from = start.plus(Duration.ofMinutes(15L * q));
      points.add(new JsonObject().put("start", from.toString()).put("end", from.plus(Duration.ofMinutes(15)).toString())
        .put("price", 40.0 + q));
    }
    return new JsonObject().put("v", 1).put("zone", zone).put("currency", "EUR").put("unit", "MWh")
      .put("resolution", "PT15M").put("delivery_day", day).put("fetched_at", Instant.now().toString())
      .put("source", "it").put("points", points);
  }

  private static HttpRequest<Buffer> get(String uri) {
    return node.http.get(uri);
  }

  private static HttpRequest<Buffer> get(String uri, String token) {
    return node.http.get(uri).bearerTokenAuthentication(token);
  }

  private static HttpRequest<Buffer> post(String uri, String token) {
    return node.http.post(uri).bearerTokenAuthentication(token);
  }

  private static HttpRequest<Buffer> put(String uri, String token) {
    return node.http.put(uri).bearerTokenAuthentication(token);
  }
}
