package io.nattery.edge.schedule;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * The time schedules are judged and executed by. The system clock in production; for tests, the demo and
 * benchmarks it may start elsewhere ({@code clock.start}) and run faster ({@code clock.speed}), so that a
 * day of 15-minute slots can be watched in minutes without bending the protocol's MTUs.
 */
public final class EdgeClock {
  private final long realStartMs;
  private final long edgeStartMs;
  private final double speed;

  private EdgeClock(long realStartMs, long edgeStartMs, double speed) {
    if (!(speed > 0) || Double.isInfinite(speed)) {
      throw new IllegalArgumentException("clock.speed must be > 0, got " + speed);
    }
    this.realStartMs = realStartMs;
    this.edgeStartMs = edgeStartMs;
    this.speed = speed;
  }

  public static EdgeClock system() {
    return new EdgeClock(0, 0, 1);
  }

  /**
   * {@code {"start": "2026-11-23T00:00:00Z", "speed": 30, "anchor_ms": 1763850000000}}: the edge clock shows
   * {@code start} at the real time {@code anchor_ms} (default: when the service starts); absent: the system clock.
   */
  public static EdgeClock fromConfig(JsonObject clock) {
    if (clock == null) {
      return system();
    }
    long now = clock.getLong("anchor_ms", System.currentTimeMillis());
    String start = clock.getString("start");
    return new EdgeClock(now, start == null ? now : Instant.parse(start).toEpochMilli(), clock.getDouble("speed", 1.0));
  }

  public Instant now() {
    return Instant.ofEpochMilli(nowMs());
  }

  public long nowMs() {
    long real = System.currentTimeMillis();
    return edgeStartMs + (long) ((real - realStartMs) * speed);
  }

  /** Real milliseconds until the edge clock shows {@code at} (0 when it already does). */
  public long realDelayUntil(Instant at) {
    return Math.max(0, (long) Math.ceil((at.toEpochMilli() - nowMs()) / speed));
  }

  public double speed() {
    return speed;
  }
}
