package io.nattery.cloud.api;

import io.nattery.cloud.auth.Role;
import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** What every route of the API shares: the role check and the JSON answer. */
public final class Http {

  private Http() {
  }

  /** Passes the request on when the token grants {@code role} (directly or through a higher role), else 403. */
  public static Handler<RoutingContext> requires(Role role) {
    return ctx -> {
      if (grantedRoles(ctx.user()).contains(role.wire())) {
        ctx.next();
      } else {
        Problems.send(ctx, 403, "this route needs the role " + role.wire());
      }
    };
  }

  /** The name of the token's subject, for audit and logs. */
  public static String subject(RoutingContext ctx) {
    User user = ctx.user();
    return user == null ? null : user.principal().getString("sub");
  }

  static List<Object> grantedRoles(User user) {
    if (user == null) {
      return List.of();
    }
    JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
    JsonArray roles = claims.getJsonArray("roles");
    return roles == null ? List.of() : roles.getList();
  }

  /** The request's body as a JSON object; null when it is absent, not JSON, or JSON but not an object. */
  public static JsonObject jsonBody(RoutingContext ctx) {
    try {
      return ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
