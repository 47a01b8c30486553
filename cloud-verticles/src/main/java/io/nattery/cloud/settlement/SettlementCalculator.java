package io.nattery.cloud.settlement;

import io.nattery.protocol.PriceCurve;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settles one device's MTUs from its counter readings, in plain Java.
 *
 * <p>An MTU's energy is the counters' value at its end minus their value at its start, each read as the last
 * reading at or before the boundary. Nothing is invented:
 * <ul>
 *   <li>A boundary is read only when that reading is at most {@code boundaryTolerance} old. What flowed between
 *   it and the boundary counts in the next MTU, so consecutive settled MTUs add up to the counters' own delta:
 *   nothing is counted twice nor dropped between them.</li>
 *   <li>A silence longer than the tolerance across a boundary (one reading gap spanning one or several MTUs)
 *   leaves that boundary unread: every MTU it bounds is a {@link SettlementStatus#GAP}, without energy, because
 *   the energy of the gap cannot be split between MTUs that have different prices. MTUs in which the device did
 *   not report at all get no settlement.</li>
 *   <li>A counter that goes backwards anywhere between an MTU's two boundary readings (an inverter reset or
 *   replacement) makes it a {@link SettlementStatus#COUNTER_RESET}, without energy. The next MTU starts from
 *   the new counter values and settles normally.</li>
 * </ul>
 */
public final class SettlementCalculator {

  private final Duration boundaryTolerance;

  /** @param boundaryTolerance how old the last reading before a boundary may be and still stand for it */
  public SettlementCalculator(Duration boundaryTolerance) {
    if (boundaryTolerance.isNegative()) {
      throw new IllegalArgumentException("the boundary tolerance must not be negative");
    }
    this.boundaryTolerance = boundaryTolerance;
  }

  /**
   * @param buckets the device's counter buckets in time order, starting early enough to read the first MTU's
   *                start; MTU boundaries must fall on bucket boundaries (a boundary inside a bucket is unread)
   * @param mtus    the priced MTUs of the device's zone to settle, in time order
   * @return one settlement for each MTU in which the device reported: a reading in {@code [start - tolerance, end]}
   */
  public List<MtuSettlement> settle(String deviceId, String zone, List<CounterBucket> buckets,
                                    List<PriceCurve.Point> mtus) {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(zone, "zone");
    Readings readings = new Readings(buckets);
    List<MtuSettlement> settled = new ArrayList<>();
    for (PriceCurve.Point mtu : mtus) {
      if (!readings.anyWithin(mtu.start().minus(boundaryTolerance), mtu.end())) {
        continue;
      }
      int from = readings.boundary(mtu.start(), boundaryTolerance);
      int to = readings.boundary(mtu.end(), boundaryTolerance);
      SettlementStatus status;
      EnergyCounters energy = null;
      if (from < 0 || to < 0 || from == to) {
        status = SettlementStatus.GAP;
      } else if (!readings.risingBetween(from, to)) {
        status = SettlementStatus.COUNTER_RESET;
      } else {
        status = SettlementStatus.SETTLED;
        energy = readings.counters[to].minus(readings.counters[from]);
      }
      settled.add(new MtuSettlement(deviceId, zone, mtu.start(), mtu.end(), mtu.price(), status, energy));
    }
    return settled;
  }

  /** The buckets as a time-ordered list of known readings: each bucket's first and, if later, its last. */
  private static final class Readings {
    final Instant[] ts;
    final EnergyCounters[] counters;
    /** Whether the counters only rose from the previous known reading to this one inside their bucket. */
    final boolean[] risingInside;
    /** For a bucket's first reading, when that bucket's last reading is: the readings in between are unknown. */
    final Instant[] bucketLastTs;

    Readings(List<CounterBucket> buckets) {
      int n = 0;
      for (CounterBucket b : buckets) {
        n += b.firstTs().equals(b.lastTs()) ? 1 : 2;
      }
      ts = new Instant[n];
      counters = new EnergyCounters[n];
      risingInside = new boolean[n];
      bucketLastTs = new Instant[n];
      int i = 0;
      Instant previous = Instant.MIN;
      for (CounterBucket b : buckets) {
        if (b.firstTs().isBefore(previous)) {
          throw new IllegalArgumentException("buckets out of time order at " + b.start());
        }
        ts[i] = b.firstTs();
        counters[i] = b.first();
        risingInside[i] = true;
        bucketLastTs[i] = b.lastTs();
        i++;
        if (!b.firstTs().equals(b.lastTs())) {
          ts[i] = b.lastTs();
          counters[i] = b.last();
          risingInside[i] = b.rising();
          bucketLastTs[i] = b.lastTs();
          i++;
        }
        previous = b.lastTs();
      }
    }

    /** The index of the reading that stands for the counters at {@code boundary}, or -1 when none does. */
    int boundary(Instant boundary, Duration tolerance) {
      int i = lastAtOrBefore(boundary);
      if (i < 0 || ts[i].plus(tolerance).isBefore(boundary)) {
        return -1;
      }
      // a bucket's first reading before the boundary, its last after: the real last reading is unknown
      if (ts[i].isBefore(boundary) && bucketLastTs[i].isAfter(boundary)) {
        return -1;
      }
      return i;
    }

    boolean anyWithin(Instant from, Instant to) {
      int i = lastAtOrBefore(to);
      // a bucket straddling the whole interval also has readings inside it
      return i >= 0 && (!ts[i].isBefore(from) || !bucketLastTs[i].isBefore(from));
    }

    boolean risingBetween(int from, int to) {
      for (int q = from + 1; q <= to; q++) {
        if (!risingInside[q] || !counters[q].noneBelow(counters[q - 1])) {
          return false;
        }
      }
      return true;
    }

    private int lastAtOrBefore(Instant t) {
      int lo = 0;
      int hi = ts.length - 1;
      int found = -1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (ts[mid].isAfter(t)) {
          hi = mid - 1;
        } else {
          found = mid;
          lo = mid + 1;
        }
      }
      return found;
    }
  }
}
