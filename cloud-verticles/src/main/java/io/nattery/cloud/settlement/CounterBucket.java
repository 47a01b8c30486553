package io.nattery.cloud.settlement;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One device's counter readings within one fixed interval (a QuestDB {@code SAMPLE BY} bucket), summarised: the
 * first and the last reading, and whether every counter only rose in between. Settlement reads buckets rather
 * than every sample, so a run over a fleet reads a few rows per device and MTU.
 *
 * @param start  the bucket's start; MTU boundaries fall on bucket boundaries
 * @param rising no counter dropped inside the bucket, as far as its minimum and maximum show: a counter's minimum
 *               below its first value or its maximum above its last means it went backwards somewhere
 */
public record CounterBucket(Instant start, Instant firstTs, EnergyCounters first, Instant lastTs,
                            EnergyCounters last, boolean rising) {

  public CounterBucket {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(firstTs, "firstTs");
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(lastTs, "lastTs");
    Objects.requireNonNull(last, "last");
    if (lastTs.isBefore(firstTs)) {
      throw new IllegalArgumentException("a bucket's last reading precedes its first: " + start);
    }
  }

  /** One counter reading. */
  public record Reading(Instant ts, EnergyCounters counters) {
  }

  /**
   * The bucket that the settlement query returns for these readings (in time order, not empty): what
   * {@code first}, {@code last}, {@code min} and {@code max} per counter tell.
   */
  public static CounterBucket of(Instant start, List<Reading> readings) {
    if (readings.isEmpty()) {
      throw new IllegalArgumentException("a bucket holds at least one reading");
    }
    Reading first = readings.get(0);
    Reading last = readings.get(readings.size() - 1);
    long[] min = values(first.counters());
    long[] max = values(first.counters());
    for (Reading reading : readings) {
      long[] v = values(reading.counters());
      for (int i = 0; i < v.length; i++) {
        min[i] = Math.min(min[i], v[i]);
        max[i] = Math.max(max[i], v[i]);
      }
    }
    long[] firstValues = values(first.counters());
    long[] lastValues = values(last.counters());
    boolean rising = true;
    for (int i = 0; i < min.length; i++) {
      rising &= min[i] == firstValues[i] && max[i] == lastValues[i];
    }
    return new CounterBucket(start, first.ts(), first.counters(), last.ts(), last.counters(), rising);
  }

  private static long[] values(EnergyCounters c) {
    return new long[] {c.chargedWh(), c.dischargedWh(), c.importWh(), c.exportWh()};
  }
}
