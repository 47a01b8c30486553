package io.nattery.cloud.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The telemetry history writer's meters: write latency per batch by outcome, samples written, failed writes,
 * and the queue depth (samples waiting for their batch). {@link #close} takes them out of the registry, so that
 * a writer undeployed leaves no gauge on its dead queue.
 */
public final class HistoryMeters implements AutoCloseable {

  private final MeterRegistry registry;
  private final Timer ok;
  private final Timer failed;
  private final Counter written;
  private final Gauge pending;

  public HistoryMeters(Supplier<Number> pendingSamples) {
    this(Metrics.globalRegistry, pendingSamples);
  }

  public HistoryMeters(MeterRegistry registry, Supplier<Number> pendingSamples) {
    this.registry = registry;
    ok = write("ok");
    failed = write("error");
    written = Counter.builder("nattery.history.samples.written").description("telemetry samples stored")
      .register(registry);
    pending = Gauge.builder("nattery.history.pending", pendingSamples)
      .description("telemetry samples waiting to be written").register(registry);
  }

  private Timer write(String outcome) {
    return Timer.builder("nattery.history.write").description("one batch write to the time-series store")
      .tag("outcome", outcome).publishPercentileHistogram()
      .minimumExpectedValue(java.time.Duration.ofMillis(1)).maximumExpectedValue(java.time.Duration.ofSeconds(30))
      .register(registry);
  }

  /** A batch of {@code samples} was written, taking {@code nanos}. */
  public void written(int samples, long nanos) {
    ok.record(nanos, TimeUnit.NANOSECONDS);
    written.increment(samples);
  }

  /** A batch write failed after {@code nanos}. */
  public void failed(long nanos) {
    failed.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    registry.remove(pending);
  }
}
