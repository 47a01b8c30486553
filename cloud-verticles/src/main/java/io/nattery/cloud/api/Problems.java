package io.nattery.cloud.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;

/** RFC 9457 problem+json answers. The detail never carries a secret nor an internal exception's text. */
public final class Problems {

  public static final String CONTENT_TYPE = "application/problem+json";

  private static final Map<Integer, String> TITLES = Map.of(
    400, "Bad Request",
    401, "Unauthorized",
    403, "Forbidden",
    404, "Not Found",
    405, "Method Not Allowed",
    413, "Content Too Large",
    415, "Unsupported Media Type",
    429, "Too Many Requests",
    500, "Internal Server Error",
    503, "Service Unavailable");

  /** A field-level validation error of a request. */
  public record FieldProblem(String field, String message) {
  }

  private Problems() {
  }

  public static void send(RoutingContext ctx, int status, String detail) {
    send(ctx, status, detail, List.of());
  }

  /**
   * 400 for a body that is not the JSON object a route takes (malformed JSON, an array, nothing): a validation
   * error of the body as a whole, so it names the body ({@code ""}) in {@code errors} as PROTOCOL.md asks.
   */
  public static void notAnObject(RoutingContext ctx, String detail) {
    send(ctx, 400, detail, List.of(new FieldProblem("", "must be a JSON object")));
  }

  public static void send(RoutingContext ctx, int status, String detail, List<FieldProblem> errors) {
    send(ctx, status, detail, errors, new JsonObject());
  }

  /** With extension members (RFC 9457 section 3.2) added to the problem, e.g. {@code "stale"}. */
  public static void send(RoutingContext ctx, int status, String detail, List<FieldProblem> errors,
                          JsonObject extensions) {
    String title = TITLES.getOrDefault(status, "Error");
    JsonObject body = new JsonObject()
      .put("type", "https://nattery.io/problems/" + title.toLowerCase().replace(' ', '-'))
      .put("title", title)
      .put("status", status)
      .put("detail", detail);
    extensions.forEach(member -> body.put(member.getKey(), member.getValue()));
    if (!errors.isEmpty()) {
      JsonArray list = new JsonArray();
      errors.forEach(e -> list.add(new JsonObject().put("field", e.field()).put("message", e.message())));
      body.put("errors", list);
    }
    if (ctx.response().ended()) {
      return;
    }
    if (status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    ctx.response()
      .setStatusCode(status)
      .putHeader("Content-Type", CONTENT_TYPE)
      .end(body.encode());
  }
}
