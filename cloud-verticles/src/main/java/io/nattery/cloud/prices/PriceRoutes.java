package io.nattery.cloud.prices;

import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.auth.Role;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /api/v1/prices?zone&day} (role viewer): the stored PriceCurve of a zone's delivery day (Europe/Brussels;
 * today when {@code day} is left out) with {@code "stale": true} while the zone's prices are stale (today's are
 * missing, or tomorrow's still were at the fetcher's deadline). A day not stored is 404, with {@code stale} as an extension member, so
 * that a client tells "late" from "not yet".
 */
public final class PriceRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(PriceRoutes.class);

  private final Clock clock;

  public PriceRoutes() {
    this(Clock.systemUTC());
  }

  PriceRoutes(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    PriceStore store = new PriceStore(pool);
    router.get("/api/v1/prices").handler(Http.requires(Role.VIEWER)).handler(ctx -> prices(ctx, store));
  }

  private void prices(RoutingContext ctx, PriceStore store) {
    List<Problems.FieldProblem> errors = new ArrayList<>();
    String zone = ctx.request().getParam("zone");
    if (zone == null || zone.isEmpty()) {
      errors.add(new Problems.FieldProblem("zone", "is required, a bidding zone such as DE_LU"));
    } else if (!BiddingZones.isKnown(zone)) {
      errors.add(new Problems.FieldProblem("zone", "is not a known bidding zone"));
    }
    LocalDate day = EntsoeDocumentParser.deliveryDay(clock.instant());
    String dayParam = ctx.request().getParam("day");
    if (dayParam != null) {
      try {
        day = LocalDate.parse(dayParam);
      } catch (DateTimeParseException e) {
        errors.add(new Problems.FieldProblem("day", "must be a date, yyyy-MM-dd"));
      }
    }
    if (!errors.isEmpty()) {
      Problems.send(ctx, 400, "invalid price query", errors);
      return;
    }
    LocalDate deliveryDay = day;
    Future<Optional<PriceCurve>> curve = store.curve(zone, deliveryDay);
    Future<Optional<PriceStore.Staleness>> staleness = store.staleness(zone);
    Future.all(curve, staleness)
      .onSuccess(read -> {
        boolean stale = staleness.result().isPresent();
        if (curve.result().isPresent()) {
          Http.json(ctx, 200, curve.result().get().toJson().put("stale", stale));
        } else {
          Problems.send(ctx, 404, "no day-ahead prices of " + zone + " for " + deliveryDay, List.of(),
            new JsonObject().put("stale", stale));
        }
      })
      .onFailure(e -> {
        LOG.warn("cannot read prices [zone: {}, day: {}]: {}", zone, deliveryDay, e.getMessage());
        Problems.send(ctx, 503, "prices are not available");
      });
  }
}
