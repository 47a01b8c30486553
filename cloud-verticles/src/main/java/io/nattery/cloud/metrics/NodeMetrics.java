package io.nattery.cloud.metrics;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The node's Prometheus registry. Created once per node by whatever builds its {@link Vertx} (the {@code cloud}
 * command, the demo, the tests' node) and added to Micrometer's global registry, so that any verticle registers
 * its meters there without being handed the registry; {@code GET /metrics} scrapes it.
 */
public final class NodeMetrics {

  /**
   * Vert.x's labels but the event-bus address: the fan-out's addresses name devices, and a series per device
   * is what the metrics must never have.
   */
  private static final Set<Label> VERTX_LABELS = EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE,
    Label.POOL_TYPE, Label.POOL_NAME, Label.EB_SIDE, Label.EB_FAILURE, Label.CLIENT_NAME);

  private NodeMetrics() {
  }

  /** A new Prometheus registry, added to the global one. */
  public static PrometheusMeterRegistry start() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics.addRegistry(registry);
    return registry;
  }

  /** A Vert.x builder that reports Vert.x's own meters (HTTP server, event bus, pools, JVM) to {@code registry}. */
  public static VertxBuilder instrumented(VertxOptions options, PrometheusMeterRegistry registry) {
    options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
      .setLabels(EnumSet.copyOf(VERTX_LABELS)));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
  }

  /** The Prometheus registry added to the global one, if a node in this JVM has one. */
  public static Optional<PrometheusMeterRegistry> scrapeable() {
    return Metrics.globalRegistry.getRegistries().stream()
      .filter(PrometheusMeterRegistry.class::isInstance).map(PrometheusMeterRegistry.class::cast).findFirst();
  }

  /** Takes the registry out of the global one again and closes it. */
  public static void stop(PrometheusMeterRegistry registry) {
    Metrics.removeRegistry(registry);
    registry.close();
  }
}
