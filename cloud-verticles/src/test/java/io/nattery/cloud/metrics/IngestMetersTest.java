package io.nattery.cloud.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestMetersTest {

  @Test
  void countsByKindSiteAndReasonAndMeasuresTheLagOfTelemetry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    IngestMeters meters = new IngestMeters(registry);

    meters.accepted("telemetry", "site-a", Instant.now().minusSeconds(2).toString());
    meters.accepted("telemetry", "site-b", Instant.now().plusSeconds(5).toString());
    meters.accepted("status", "", null);
    meters.rejected("schema_invalid");
    meters.rejected("schema_invalid");
    meters.rejected("topic_mismatch");

    assertEquals(1, registry.get("nattery.ingest.messages").tags("kind", "telemetry", "site", "site-a").counter().count());
    assertEquals(1, registry.get("nattery.ingest.messages").tags("kind", "telemetry", "site", "site-b").counter().count());
    assertEquals(1, registry.get("nattery.ingest.messages").tags("kind", "status", "site", "none").counter().count());
    assertEquals(2, registry.get("nattery.ingest.rejected").tag("reason", "schema_invalid").counter().count());
    assertEquals(1, registry.get("nattery.ingest.rejected").tag("reason", "topic_mismatch").counter().count());
    var lag = registry.get("nattery.ingest.lag").timer();
    assertEquals(2, lag.count(), "one lag per telemetry sample, none for status");
    // 2 s behind, and a device clock ahead counted as no lag
    double max = lag.max(TimeUnit.MILLISECONDS);
    assertTrue(max >= 2000 && max < 3000, "max lag " + max);
  }
}
