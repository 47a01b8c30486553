package io.nattery.cloud.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.nattery.cloud.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Devices online and known, by site, as gauges: every {@code interval_s} (15) it pages through the node's device
 * state ({@link Addresses#DEVICE_QUERY}, 1,000 a page) and counts. Every node answers for the whole fleet, so
 * the gauges of two nodes agree; dashboards take their {@code max}, not their sum.
 */
public class FleetMetricsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FleetMetricsVerticle.class);
  private static final int PAGE = 1000;
  private static final DeliveryOptions QUERY = new DeliveryOptions().setSendTimeout(5000).setLocalOnly(true);

  private MultiGauge online;
  private MultiGauge known;
  private Counter scanFailures;
  private boolean scanning;

  @Override
  public Future<?> start() {
    online = MultiGauge.builder("nattery.devices.online").description("devices online, by site")
      .register(Metrics.globalRegistry);
    known = MultiGauge.builder("nattery.devices.known").description("devices known (registry or heard), by site")
      .register(Metrics.globalRegistry);
    scanFailures = Counter.builder("nattery.devices.scan.failures")
      .description("fleet scans for the device gauges that failed").register(Metrics.globalRegistry);
    long intervalMs = config().getLong("interval_s", 15L) * 1000;
    vertx.setPeriodic(0, intervalMs, id -> scan());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    // rows hold no reference to this verticle, but a node stopped should not report a fleet
    online.register(List.of(), true);
    known.register(List.of(), true);
    return Future.succeededFuture();
  }

  private void scan() {
    // nothing scrapes this JVM: no need to walk the fleet
    if (scanning || NodeMetrics.scrapeable().isEmpty()) {
      return;
    }
    scanning = true;
    Map<String, long[]> bySite = new TreeMap<>();
    page(null, bySite)
      .onSuccess(v -> {
        List<MultiGauge.Row<?>> onlineRows = new ArrayList<>();
        List<MultiGauge.Row<?>> knownRows = new ArrayList<>();
        bySite.forEach((site, counts) -> {
          onlineRows.add(MultiGauge.Row.of(Tags.of("site", site), counts[1]));
          knownRows.add(MultiGauge.Row.of(Tags.of("site", site), counts[0]));
        });
        online.register(onlineRows, true);
        known.register(knownRows, true);
      })
      .onFailure(e -> {
        scanFailures.increment();
        LOG.warn("could not count the fleet's devices for the metrics: {}", e.getMessage());
      })
      .onComplete(done -> scanning = false);
  }

  private Future<Void> page(String after, Map<String, long[]> bySite) {
    JsonObject query = new JsonObject().put("op", "list").put("limit", PAGE).put("after", after);
    return vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY, query, QUERY).compose(reply -> {
      JsonArray items = reply.body().getJsonArray("items", new JsonArray());
      for (int i = 0; i < items.size(); i++) {
        JsonObject device = items.getJsonObject(i);
        long[] counts = bySite.computeIfAbsent(siteOf(device), s -> new long[2]);
        counts[0]++;
        if (device.getBoolean("online", false)) {
          counts[1]++;
        }
      }
      String last = reply.body().getString("last");
      return last == null || items.isEmpty() ? Future.succeededFuture() : page(last, bySite);
    });
  }

  private static String siteOf(JsonObject device) {
    String site = device.getString("site");
    return site == null || site.isBlank() ? "none" : site;
  }
}
