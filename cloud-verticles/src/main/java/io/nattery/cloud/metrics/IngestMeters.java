package io.nattery.cloud.metrics;

import io.nattery.protocol.UtcTimestamps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * What ingestion counts, as meters: messages accepted by kind, rejected by reason (the reasons are a small fixed
 * set of codes, never a device), and the processing lag of telemetry, from the sample's own {@code ts} to the
 * moment the store took it. A sample replayed from an edge buffer shows its real, long, lag. One instance per
 * verticle: not thread-safe.
 */
public final class IngestMeters {

  private final MeterRegistry registry;
  private final Timer lag;
  /** Looked up once per kind and reason: ingestion runs on one event loop, thousands of times a second. */
  private final Map<String, Map<String, Counter>> accepted = new HashMap<>();
  private final Map<String, Counter> rejected = new HashMap<>();

  public IngestMeters() {
    this(Metrics.globalRegistry);
  }

  public IngestMeters(MeterRegistry registry) {
    this.registry = registry;
    lag = Timer.builder("nattery.ingest.lag")
      .description("from a telemetry sample's ts to its acceptance by the cloud (stored when history is kept)")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
      .register(registry);
  }

  /**
   * A message of {@code kind} (telemetry, status, ...) from a device of {@code site} (empty when it has none) was
   * accepted; for telemetry, {@code ts} is its sample time.
   */
  public void accepted(String kind, String site, String ts) {
    String tagSite = site == null || site.isEmpty() ? "none" : site;
    accepted.computeIfAbsent(kind, k -> new HashMap<>()).computeIfAbsent(tagSite, s -> Counter
      .builder("nattery.ingest.messages").description("device messages accepted, by kind and site")
      .tag("kind", kind).tag("site", s).register(registry)).increment();
    if (ts != null) {
      try {
        long ms = System.currentTimeMillis() - UtcTimestamps.parse(ts).toEpochMilli();
        // a device clock ahead of ours would be a negative lag: counted as none
        lag.record(Duration.ofMillis(Math.max(ms, 0)));
      } catch (DateTimeParseException e) {
        // validated upstream; nothing to measure
      }
    }
  }

  /** A message was rejected (or refused downstream) for {@code reason}. */
  public void rejected(String reason) {
    rejected.computeIfAbsent(reason, r -> Counter.builder("nattery.ingest.rejected")
      .description("device messages rejected, by reason").tag("reason", r).register(registry)).increment();
  }
}
