package io.nattery.cloud.trading;

import io.nattery.protocol.Mode;
import io.nattery.protocol.PriceCurve;
import io.nattery.protocol.Schedule;
import io.nattery.protocol.ScheduleRules;
import io.nattery.protocol.battery.BatteryModel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PlannedScheduleTest {

  private static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
  private static final Duration MTU = Duration.ofMinutes(15);
  private final Strategy strategy = new Strategy("DE_LU", Strategy.Kind.ARBITRAGE,
    new BatteryModel(10, 5, 0.9, 10, 90, 10, 0), null);

  private static List<PriceCurve.Point> points(double... prices) {
    return java.util.stream.IntStream.range(0, prices.length)
      .mapToObj(i -> new PriceCurve.Point(T0.plus(MTU.multipliedBy(i)), T0.plus(MTU.multipliedBy(i + 1)), prices[i]))
      .toList();
  }

  @Test
  void powersBecomeModesAndRatesRoundedToWattsNeverAboveTheBattery() {
    Plan plan = new Plan(new double[] {-5.0000000004, 0.0000001, 2.34567, -1.2}, new double[] {6.1875, 6.1875, 5.57, 5.85},
      1.25, 1.25, true, 1, 0);

    PlannedSchedule planned = PlannedSchedule.fromPlan("00000000-0000-0000-0000-000000000001", "pi-1", 7,
      T0.minusSeconds(3600), "trace", MTU, points(10, 20, 90, 5), plan, strategy);

    List<Schedule.Slot> slots = planned.schedule().slots();
    assertEquals(List.of(Mode.CHARGE, Mode.IDLE, Mode.DISCHARGE, Mode.CHARGE), slots.stream().map(Schedule.Slot::mode).toList());
    assertEquals(List.of(5.0, 0.0, 2.346, 1.2), slots.stream().map(Schedule.Slot::rateKw).toList());
    assertEquals(61.88, planned.plannedSlots().getJsonObject(0).getDouble("soc_pct"));
    assertEquals(90.0, planned.plannedSlots().getJsonObject(2).getDouble("price"));
    assertEquals(1.25, planned.plannedValueEur());
    assertEquals(List.of(), new ScheduleRules().check(planned.schedule(), T0, 5));
  }

  @Test
  void aPlanMustCoverEveryPrice() {
    Plan plan = new Plan(new double[] {1}, new double[] {5}, 0, 0, true, 1, 0);

    assertThrows(IllegalArgumentException.class, () -> PlannedSchedule.fromPlan("00000000-0000-0000-0000-000000000001",
      "pi-1", 1, T0, null, MTU, points(1, 2), plan, strategy));
  }

  @Test
  void selfConsumptionHandsEverySlotToTheInverter() {
    PlannedSchedule planned = PlannedSchedule.selfConsumption("00000000-0000-0000-0000-000000000002", "pi-1", 2, T0,
      null, MTU, points(1, 2, 3));

    assertEquals(3, planned.schedule().slots().size());
    planned.schedule().slots().forEach(s -> assertEquals(Mode.SELF_CONSUMPTION, s.mode()));
    assertEquals(List.of(), new ScheduleRules().check(planned.schedule(), T0, 5));
  }
}
