package io.nattery.cloud.settlement;

import io.nattery.protocol.PriceCurve;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettlementCalculatorTest {

  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static final Duration MTU = Duration.ofMinutes(15);
  private final SettlementCalculator calculator = new SettlementCalculator(Duration.ofSeconds(60));

  @Test
  void energyIsTheCounterDeltaBetweenTheLastReadingsAtOrBeforeEachBoundary() {
    // given readings every 10 s from 09:59 on: charging 2 Wh and importing 3 Wh per reading until 10:15,
    // then discharging 5 Wh and exporting 1 Wh per reading
    Timeline device = new Timeline();
    EnergyCounters c = new EnergyCounters(1_000, 2_000, 3_000, 4_000);
    for (Instant t = T0.minusSeconds(60); t.isBefore(T0.plus(Duration.ofMinutes(31))); t = t.plusSeconds(10)) {
      device.read(t, c);
      c = t.isBefore(T0.plus(MTU))
        ? new EnergyCounters(c.chargedWh() + 2, c.dischargedWh(), c.importWh() + 3, c.exportWh())
        : new EnergyCounters(c.chargedWh(), c.dischargedWh() + 5, c.importWh(), c.exportWh() + 1);
    }
    EnergyCounters at10 = device.lastAtOrBefore(T0);
    EnergyCounters at1015 = device.lastAtOrBefore(T0.plus(MTU));
    EnergyCounters at1030 = device.lastAtOrBefore(T0.plus(MTU.multipliedBy(2)));

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(), prices(T0, MTU, 80.0, 120.0));

    assertEquals(2, settled.size());
    assertEquals(SettlementStatus.SETTLED, settled.get(0).status());
    assertEquals(at1015.minus(at10), settled.get(0).energy());
    assertEquals(at1030.minus(at1015), settled.get(1).energy());
    // 10:00 and 10:15 are read exactly, so the first MTU holds the 90 steps from 10:00 to 10:14:50
    assertEquals(new EnergyCounters(180, 0, 270, 0), settled.get(0).energy());
    assertEquals(new EnergyCounters(0, 450, 0, 90), settled.get(1).energy());
  }

  @Test
  void moneyIsPriceTimesEnergyToTheMicroEuro() {
    MtuSettlement charge = new MtuSettlement("pi-1", "DE_LU", T0, T0.plus(MTU), 87.12, SettlementStatus.SETTLED,
      new EnergyCounters(1_250, 0, 1_500, 100));
    MtuSettlement sell = new MtuSettlement("pi-1", "DE_LU", T0, T0.plus(MTU), 250.0, SettlementStatus.SETTLED,
      new EnergyCounters(0, 1_000, 200, 900));

    // 87.12 EUR/MWh * -1250 Wh = -0.108900 EUR; the site imported 1400 Wh net, of which 1250 Wh for the battery
    assertEquals(new BigDecimal("-0.108900"), charge.batteryValueEur());
    assertEquals(new BigDecimal("0.121968"), charge.gridCostEur());
    assertEquals(new BigDecimal("0.013068"), charge.gridCostWithoutBatteryEur());
    // without the battery the site would have imported 300 Wh instead of exporting 700 Wh
    assertEquals(new BigDecimal("0.250000"), sell.batteryValueEur());
    assertEquals(new BigDecimal("-0.175000"), sell.gridCostEur());
    assertEquals(new BigDecimal("0.075000"), sell.gridCostWithoutBatteryEur());
    assertEquals(sell.gridCostWithoutBatteryEur().subtract(sell.gridCostEur()), sell.batteryValueEur());
  }

  @Test
  void chargingAtANegativePriceIsIncome() {
    MtuSettlement settled = new MtuSettlement("pi-1", "DE_LU", T0, T0.plus(MTU), -12.5, SettlementStatus.SETTLED,
      new EnergyCounters(2_000, 0, 2_000, 0));

    assertEquals(new BigDecimal("0.025000"), settled.batteryValueEur());
    assertEquals(new BigDecimal("-0.025000"), settled.gridCostEur());
  }

  @Test
  void aGapLongerThanTheToleranceAcrossBoundariesIsNeverSplitBetweenMtus() {
    // given readings until 10:14:50, silence, then readings again from 10:47:10: one reading span over 4 MTUs
    Timeline device = new Timeline();
    long wh = 0;
    for (Instant t = T0.minusSeconds(30); !t.isAfter(T0.plus(Duration.ofMinutes(75))); t = t.plusSeconds(10)) {
      wh += 10;
      boolean silent = t.isAfter(T0.plusSeconds(890)) && t.isBefore(T0.plus(Duration.ofSeconds(2830)));
      if (!silent) {
        device.read(t, new EnergyCounters(wh, 0, wh, 0));
      }
    }

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(),
      prices(T0, MTU, 1, 2, 3, 4, 5));

    Map<Instant, SettlementStatus> status = statuses(settled);
    assertEquals(SettlementStatus.SETTLED, status.get(T0));
    // 10:15 is read (10 s before it), 10:30 and 10:45 are not: both MTUs that 10:15-10:45 touch are gaps
    assertEquals(SettlementStatus.GAP, status.get(T0.plus(MTU)));
    assertFalse(status.containsKey(T0.plus(MTU.multipliedBy(2))), "an MTU without any reading has no settlement");
    assertEquals(SettlementStatus.GAP, status.get(T0.plus(MTU.multipliedBy(3))));
    assertEquals(SettlementStatus.SETTLED, status.get(T0.plus(MTU.multipliedBy(4))));
    assertNull(settled.get(1).energy());
    assertNull(settled.get(1).batteryValueEur());
    // the MTU after the gap starts from the fresh reading at 11:00, not from the last one before the gap
    assertEquals(new EnergyCounters(900, 0, 900, 0), settled.get(3).energy());
  }

  @Test
  void aBoundaryIsReadFromAReadingAtMostTheToleranceOld() {
    // given a reading 61 s before 10:15 and one 59 s before 10:30
    Timeline device = new Timeline();
    device.read(T0, new EnergyCounters(100, 0, 0, 0));
    device.read(T0.plus(MTU).minusSeconds(61), new EnergyCounters(200, 0, 0, 0));
    device.read(T0.plus(MTU).plusSeconds(30), new EnergyCounters(210, 0, 0, 0));
    device.read(T0.plus(MTU.multipliedBy(2)).minusSeconds(59), new EnergyCounters(300, 0, 0, 0));
    device.read(T0.plus(MTU.multipliedBy(3)), new EnergyCounters(450, 0, 0, 0));

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(), prices(T0, MTU, 1, 1, 1));

    assertEquals(SettlementStatus.GAP, settled.get(0).status(), "10:15's reading is 61 s old");
    assertEquals(SettlementStatus.GAP, settled.get(1).status());
    assertEquals(new EnergyCounters(150, 0, 0, 0), settled.get(2).energy(), "10:30's reading is 59 s old");
  }

  @Test
  void aCounterResetIsFlaggedAndTheNextMtuSettlesFromTheNewValues() {
    // given counters rising by 10 Wh per minute that restart from 0 at 10:20 (an inverter reset)
    Timeline device = new Timeline();
    for (int minute = -1; minute <= 45; minute++) {
      long wh = minute < 20 ? 50_000 + 10L * minute : 10L * (minute - 20);
      device.read(T0.plus(Duration.ofMinutes(minute)), new EnergyCounters(wh, wh, wh, wh));
    }

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(), prices(T0, MTU, 1, 2, 3));

    assertEquals(SettlementStatus.SETTLED, settled.get(0).status());
    assertEquals(SettlementStatus.COUNTER_RESET, settled.get(1).status());
    assertNull(settled.get(1).energy());
    assertEquals(SettlementStatus.SETTLED, settled.get(2).status());
    assertEquals(new EnergyCounters(150, 150, 150, 150), settled.get(2).energy());
  }

  @Test
  void aResetInsideABucketIsSeenEvenWhenTheCounterEndsAboveWhereItStarted() {
    // given one counter at 100 Wh that drops to 0 at 10:05 and climbs to 400 Wh by 10:15
    Timeline device = new Timeline();
    device.read(T0, new EnergyCounters(100, 0, 0, 0));
    device.read(T0.plusSeconds(200), new EnergyCounters(120, 0, 0, 0));
    device.read(T0.plusSeconds(300), new EnergyCounters(0, 0, 0, 0));
    device.read(T0.plus(MTU).minusSeconds(1), new EnergyCounters(400, 0, 0, 0));

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(), prices(T0, MTU, 1));

    assertEquals(SettlementStatus.COUNTER_RESET, settled.get(0).status());
  }

  @Test
  void settledMtusAddUpToTheCountersOwnDelta() {
    Timeline device = new Timeline();
    long wh = 7;
    for (Instant t = T0.minusSeconds(45); t.isBefore(T0.plus(Duration.ofHours(3))); t = t.plusSeconds(7)) {
      wh += (t.getEpochSecond() * 31) % 17;
      device.read(t, new EnergyCounters(wh, 2 * wh, 3 * wh, wh / 2));
    }
    List<PriceCurve.Point> mtus = prices(T0, MTU, new double[12]);

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(), mtus);

    long sum = settled.stream().mapToLong(s -> s.energy().chargedWh()).sum();
    assertEquals(12, settled.size());
    assertEquals(device.lastAtOrBefore(T0.plus(Duration.ofHours(3))).chargedWh() - device.lastAtOrBefore(T0).chargedWh(),
      sum);
  }

  @Test
  void anHourlyMtuIsSettledOverQuarterHourBuckets() {
    Timeline device = new Timeline();
    for (int minute = 0; minute <= 60; minute++) {
      device.read(T0.plus(Duration.ofMinutes(minute)), new EnergyCounters(0, 100L * minute, 0, 0));
    }

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(),
      List.of(new PriceCurve.Point(T0, T0.plus(Duration.ofHours(1)), 100.0)));

    assertEquals(new EnergyCounters(0, 6_000, 0, 0), settled.get(0).energy());
    assertEquals(new BigDecimal("0.600000"), settled.get(0).batteryValueEur());
  }

  @Test
  void aDeviceThatCameOnlineMidMtuLeavesThatMtuUnsettled() {
    Timeline device = new Timeline();
    for (int minute = 7; minute <= 30; minute++) {
      device.read(T0.plus(Duration.ofMinutes(minute)), new EnergyCounters(minute, 0, 0, 0));
    }

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(), prices(T0, MTU, 1, 1));

    assertEquals(SettlementStatus.GAP, settled.get(0).status());
    assertEquals(new EnergyCounters(15, 0, 0, 0), settled.get(1).energy());
  }

  @Test
  void aBoundaryInsideABucketIsNotRead() {
    // an MTU that does not start on a bucket boundary: the last reading before 10:05 is hidden inside a bucket
    Timeline device = new Timeline();
    for (int minute = -1; minute <= 30; minute++) {
      device.read(T0.plus(Duration.ofMinutes(minute)), new EnergyCounters(minute + 1, 0, 0, 0));
    }

    List<MtuSettlement> settled = calculator.settle("pi-1", "DE_LU", device.buckets(),
      List.of(new PriceCurve.Point(T0.plus(Duration.ofMinutes(5)), T0.plus(Duration.ofMinutes(20)), 1)));

    assertEquals(SettlementStatus.GAP, settled.get(0).status());
  }

  @Test
  void aBucketSummaryRisesOnlyWhenNoCounterDropped() {
    Instant t = T0;
    List<CounterBucket.Reading> rising = List.of(new CounterBucket.Reading(t, new EnergyCounters(1, 1, 1, 1)),
      new CounterBucket.Reading(t.plusSeconds(1), new EnergyCounters(1, 2, 3, 4)));
    List<CounterBucket.Reading> dropped = List.of(new CounterBucket.Reading(t, new EnergyCounters(1, 1, 1, 5)),
      new CounterBucket.Reading(t.plusSeconds(1), new EnergyCounters(1, 1, 1, 9)),
      new CounterBucket.Reading(t.plusSeconds(2), new EnergyCounters(1, 1, 1, 7)));

    assertTrue(CounterBucket.of(t, rising).rising());
    assertFalse(CounterBucket.of(t, dropped).rising());
    assertThrows(IllegalArgumentException.class, () -> CounterBucket.of(t, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new MtuSettlement("pi-1", "DE_LU", T0, T0.plus(MTU), 1,
      SettlementStatus.GAP, new EnergyCounters(0, 0, 0, 0)));
  }

  private static Map<Instant, SettlementStatus> statuses(List<MtuSettlement> settled) {
    Map<Instant, SettlementStatus> map = new TreeMap<>();
    settled.forEach(s -> map.put(s.start(), s.status()));
    return map;
  }

  private static List<PriceCurve.Point> prices(Instant start, Duration mtu, double... prices) {
    List<PriceCurve.Point> points = new ArrayList<>();
    for (int i = 0; i < prices.length; i++) {
      points.add(new PriceCurve.Point(start.plus(mtu.multipliedBy(i)), start.plus(mtu.multipliedBy(i + 1)), prices[i]));
    }
    return points;
  }

  /** One device's raw readings, summarised into quarter-hour buckets as the settlement query does. */
  static final class Timeline {
    private final TreeMap<Instant, EnergyCounters> readings = new TreeMap<>();

    void read(Instant t, EnergyCounters counters) {
      readings.put(t, counters);
    }

    EnergyCounters lastAtOrBefore(Instant t) {
      return readings.floorEntry(t).getValue();
    }

    List<CounterBucket> buckets() {
      Map<Instant, List<CounterBucket.Reading>> byBucket = new TreeMap<>();
      readings.forEach((t, c) -> byBucket.computeIfAbsent(Instant.ofEpochSecond(t.getEpochSecond() / 900 * 900),
        k -> new ArrayList<>()).add(new CounterBucket.Reading(t, c)));
      List<CounterBucket> buckets = new ArrayList<>();
      byBucket.forEach((start, list) -> buckets.add(CounterBucket.of(start, list)));
      return buckets;
    }
  }
}
