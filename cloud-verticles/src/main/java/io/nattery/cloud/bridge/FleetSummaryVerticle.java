package io.nattery.cloud.bridge;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.cluster.ClusterSingleton;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * {@code fleet.summary}, once a second, computed in the cloud: every node sends the latest sample of each device it
 * ingested in the last second (a compact row per device) to the one node of the cluster that holds the
 * {@code fleet-summary} lock; that node keeps the latest sample of every device (a device's samples may reach
 * different nodes), sums the fleet over those heard from within {@code window_s}, adds the registry and online
 * counts of the state store, and publishes the summary ({@link FleetTally#summary}).
 */
public class FleetSummaryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FleetSummaryVerticle.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(2000);

  /** This node's samples of the current second. */
  private final FleetTally ingested = new FleetTally();
  /** On the summarising node: every device's latest sample. */
  private final FleetTally fleet = new FleetTally();
  private ClusterSingleton singleton;
  private MessageConsumer<JsonObject> partials;
  private Duration window;

  @Override
  public Future<?> start() {
    long every = config().getLong("interval_ms", 1000L);
    window = Duration.ofSeconds(config().getInteger("window_s", 30));
    singleton = new ClusterSingleton(vertx, "fleet-summary", 5_000, this::lead);
    vertx.setPeriodic(every, id -> sendPartial());
    vertx.setPeriodic(every, id -> summarise());
    singleton.start();
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.TELEMETRY_ACCEPTED,
      m -> ingested.put(m.body().getString("device_id"), FleetTally.Sample.of(m.body()))).completion();
  }

  @Override
  public Future<?> stop() {
    singleton.stop();
    return partials == null ? Future.succeededFuture() : partials.unregister();
  }

  private void lead() {
    partials = vertx.eventBus().consumer(Addresses.FLEET_PARTIAL,
      m -> fleet.putAll(m.body().getJsonArray("samples")));
  }

  private void sendPartial() {
    if (ingested.isEmpty()) {
      return;
    }
    JsonObject partial = new JsonObject().put("samples", ingested.toPartial());
    ingested.clear();
    // no summarising node for a moment (it moves): the next partial fills in
    vertx.eventBus().send(Addresses.FLEET_PARTIAL, partial);
  }

  private void summarise() {
    if (!singleton.isLeader()) {
      return;
    }
    vertx.eventBus().<JsonObject>request(Addresses.DEVICE_QUERY, new JsonObject().put("op", "ping"), LOCAL)
      .map(reply -> reply.body())
      .otherwise(e -> new JsonObject())
      .onSuccess(counts -> vertx.eventBus().publish(BridgeAddresses.FLEET_SUMMARY, fleet.summary(Instant.now(),
        window, counts.getLong("devices", 0L), counts.getLong("online", 0L))))
      .onFailure(e -> LOG.warn("fleet summary not published: {}", e.getMessage()));
  }
}
