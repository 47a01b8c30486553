package io.nattery.cloud.api;

import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** The lists' paging of PROTOCOL.md: {@code ?limit&cursor} in, {@code next_cursor} out; a cursor is opaque. */
public final class Paging {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1000;

  private Paging() {
  }

  /** The request's {@code limit} (default {@value #DEFAULT_LIMIT}); a bad one is added to {@code errors}. */
  public static int limit(RoutingContext ctx, List<Problems.FieldProblem> errors) {
    String param = ctx.request().getParam("limit");
    if (param == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(param);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
      errors.add(new Problems.FieldProblem("limit", "must be between 1 and " + MAX_LIMIT));
    } catch (NumberFormatException e) {
      errors.add(new Problems.FieldProblem("limit", "must be an integer"));
    }
    return DEFAULT_LIMIT;
  }

  /** The cursor that continues after {@code position}. */
  public static String cursor(String position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  /** The position a cursor of {@link #cursor} holds; empty when it is not one. */
  public static Optional<String> position(String cursor) {
    try {
      return Optional.of(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
