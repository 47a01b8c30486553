package io.nattery.cloud.alerts;

import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Paging;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.auth.Role;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /api/v1/alerts?state&severity&limit&cursor} (role viewer): raised (still open) and cleared alerts,
 * newest first, paged like the device list ({@code {"items","next_cursor"}}).
 */
public final class AlertRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(AlertRoutes.class);
  private static final Set<String> STATES = Set.of("raised", "cleared");
  private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    AlertStore store = new AlertStore(pool);
    router.get("/api/v1/alerts").handler(Http.requires(Role.VIEWER)).handler(ctx -> list(ctx, store));
  }

  private void list(RoutingContext ctx, AlertStore store) {
    List<Problems.FieldProblem> errors = new ArrayList<>();
    String state = ctx.request().getParam("state");
    if (state != null && !STATES.contains(state)) {
      errors.add(new Problems.FieldProblem("state", "must be raised or cleared"));
    }
    String severity = ctx.request().getParam("severity");
    if (severity != null && !SEVERITIES.contains(severity)) {
      errors.add(new Problems.FieldProblem("severity", "must be critical, warning or info"));
    }
    int limit = Paging.limit(ctx, errors);
    Long before = null;
    String cursor = ctx.request().getParam("cursor");
    if (cursor != null) {
      before = decodeCursor(cursor);
      if (before == null) {
        errors.add(new Problems.FieldProblem("cursor", "is not a cursor this API issued"));
      }
    }
    if (!errors.isEmpty()) {
      Problems.send(ctx, 400, "invalid alert query", errors);
      return;
    }
    store.list(state, severity, before, limit)
      .onSuccess(page -> Http.json(ctx, 200, new JsonObject()
        .put("items", new JsonArray(new ArrayList<>(page.items())))
        .put("next_cursor", page.next() == null ? null : Paging.cursor(Long.toString(page.next())))))
      .onFailure(e -> {
        LOG.warn("alerts not readable: {}", e.getMessage());
        Problems.send(ctx, 503, "alerts are not available");
      });
  }

  private static Long decodeCursor(String cursor) {
    try {
      long id = Long.parseLong(Paging.position(cursor).orElse(""));
      return id > 0 ? id : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
