package io.nattery.cloud.trading;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.Contract;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * {@code GET /api/v1/strategies/{device_id}} (viewer) and {@code PUT} (operator): a device's trading strategy
 * and battery model. A stored change asks the trading run to plan the device again at once.
 */
public final class StrategyRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(StrategyRoutes.class);
  private static final DeliveryOptions REPLAN = new DeliveryOptions().setSendTimeout(60_000);

  private TradingStore store;
  private Vertx vertx;

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    this.vertx = vertx;
    this.store = new TradingStore(pool, TradingVerticle.defaults(config.getJsonObject("trading", new JsonObject())));
    router.get("/api/v1/strategies/:device_id").handler(Http.requires(Role.VIEWER)).handler(this::get);
    router.put("/api/v1/strategies/:device_id").handler(Http.requires(Role.OPERATOR)).handler(this::put);
  }

  private void get(RoutingContext ctx) {
    String deviceId = deviceId(ctx);
    if (deviceId == null) {
      return;
    }
    store.find(deviceId)
      .onSuccess(found -> {
        if (found.isEmpty()) {
          Problems.send(ctx, 404, "no device " + deviceId);
        } else {
          Http.json(ctx, 200, view(found.get()));
        }
      })
      .onFailure(ctx::fail);
  }

  private void put(RoutingContext ctx) {
    String deviceId = deviceId(ctx);
    if (deviceId == null) {
      return;
    }
    JsonObject body = Http.jsonBody(ctx);
    if (body == null) {
      Problems.notAnObject(ctx, "the body must be a JSON strategy object");
      return;
    }
    JsonObject request = body.copy();
    request.remove("device_id"); // echoing the GET answer back is fine, as long as it names this device
    request.remove("configured");
    request.remove("updated_at");
    request.remove("updated_by");
    Object named = body.getValue("device_id");
    if (named != null && !deviceId.equals(named)) {
      Problems.send(ctx, 400, "invalid strategy", List.of(
        new Problems.FieldProblem("device_id", "must be the device of the path or absent")));
      return;
    }
    store.find(deviceId)
      .compose(found -> {
        if (found.isEmpty()) {
          Problems.send(ctx, 404, "no device " + deviceId);
          return io.vertx.core.Future.succeededFuture();
        }
        Double rated = found.get().ratedPowerKw();
        Strategy.Parsed parsed = Strategy.parse(request, rated == null ? Double.MAX_VALUE : rated);
        if (!parsed.errors().isEmpty()) {
          Problems.send(ctx, 400, "invalid strategy", parsed.errors().stream()
            .map(e -> new Problems.FieldProblem(e.field(), e.message())).toList());
          return io.vertx.core.Future.succeededFuture();
        }
        return store.put(deviceId, parsed.strategy(), Http.subject(ctx)).onSuccess(stored -> {
          LOG.info("strategy changed [device: {}, by: {}, strategy: {}]", deviceId, Http.subject(ctx),
            parsed.strategy().kind().wire());
          Http.json(ctx, 200, view(stored.orElseThrow()));
          vertx.eventBus().request(Addresses.TRADING_PLAN, new JsonObject().put("device_id", deviceId), REPLAN)
            .onFailure(e -> LOG.warn("could not re-plan after a strategy change [device: {}]: {}", deviceId,
              e.getMessage()));
        });
      })
      .onFailure(ctx::fail);
  }

  private static String deviceId(RoutingContext ctx) {
    String id = ctx.pathParam("device_id");
    if (!Contract.isValidDeviceId(id)) {
      Problems.send(ctx, 400, "invalid device id", List.of(
        new Problems.FieldProblem("device_id", "must match [A-Za-z0-9_-]{1,64}")));
      return null;
    }
    return id;
  }

  private static JsonObject view(TradingStore.DeviceStrategy device) {
    JsonObject view = new JsonObject().put("device_id", device.deviceId());
    device.strategy().ifPresent(s -> view.mergeIn(s.toJson()));
    return view
      .put("configured", device.configured())
      .put("updated_at", device.updatedAt() == null ? null : device.updatedAt().toInstant().toString())
      .put("updated_by", device.updatedBy());
  }
}
