package io.nattery.cloud.trading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nattery.protocol.battery.BatteryModel;
import org.junit.jupiter.api.Test;

class DispatchOptimiserTest {

  private static final double EPS = 1e-9;
  private static final BatteryModel BATTERY = BatteryModel.defaults(); // 10 kWh, 5 kW, 90 %, 1..9 kWh
  private static final double ETA = Math.sqrt(0.9);

  private final DispatchOptimiser optimiser = new DispatchOptimiser();

  private Plan plan(PlanRequest request) {
    Plan plan = optimiser.plan(request);
    PlanCheck.assertFeasible(request, plan);
    return plan;
  }

  @Test
  void buysLowSellsHighAsFarAsTheLimitsAllow() {
    // given 5 kWh stored, 10 then 100 EUR/MWh, hourly slots
    PlanRequest request = PlanRequest.arbitrage(BATTERY, 5, 1, new double[] {10, 100}, 1000);

    Plan plan = plan(request);

    // then it fills to 9 kWh (4 kWh stored = 4/eta from the grid) and sells it back down to 5 kWh
    double bought = 4 / ETA;
    assertEquals(-bought, plan.powerKw()[0], EPS);
    assertEquals(0.9 * bought, plan.powerKw()[1], EPS);
    assertEquals(9, plan.energyKwh()[0], EPS);
    assertEquals(5, plan.energyKwh()[1], EPS);
    assertEquals(0.08 * bought, plan.valueEur(), EPS);
    assertEquals(plan.valueEur(), plan.upperBoundEur(), EPS);
    assertTrue(plan.optimal());
  }

  @Test
  void doesNotCycleForNothing() {
    for (double[] prices : new double[][] {{50, 50, 50, 50}, {50, 54, 50, 54}, {0, 0, 0}}) {
      // flat prices, or a spread smaller than the round-trip loss (54 * 0.9 < 50)
      Plan plan = plan(PlanRequest.arbitrage(BATTERY, 5, 1, prices, 1000));

      for (double power : plan.powerKw()) {
        assertEquals(0, power, EPS);
      }
      assertEquals(0, plan.valueEur(), EPS);
    }
  }

  @Test
  void theCycleCostStopsTradesWorthLessThanIt() {
    BatteryModel worn = new BatteryModel(10, 5, 0.9, 10, 90, 50, 0.1); // 100 EUR/MWh per discharged MWh
    Plan plan = plan(PlanRequest.arbitrage(worn, 5, 1, new double[] {10, 100}, 1000));

    assertEquals(0, plan.powerKw()[0], EPS);
    assertEquals(0, plan.powerKw()[1], EPS);
  }

  @Test
  void chargingAtANegativePriceIsIncome() {
    Plan plan = plan(PlanRequest.arbitrage(BATTERY, 5, 1, new double[] {-50}, 1000));

    // fills the 4 kWh of room, paid 50 EUR/MWh for the 4/eta kWh taken from the grid
    assertEquals(9, plan.energyKwh()[0], EPS);
    assertEquals(0.05 * 4 / ETA, plan.valueEur(), EPS);
    assertTrue(plan.optimal());
  }

  @Test
  void atANegativePriceTheLossesThemselvesArePaidFor() {
    // given two hours at -50 EUR/MWh: every kWh absorbed earns, every kWh delivered costs the same
    Plan plan = plan(PlanRequest.arbitrage(BATTERY, 5, 1, new double[] {-50, -50}, 1000));

    // then it discharges just enough in the first hour that the second absorbs 5 kW and ends full:
    // 5 - d/eta + 5 eta = 9, and it is paid for 5 - d kWh net (the losses of the round trip)
    double d = ETA * (5 * ETA - 4);
    assertEquals(d, plan.powerKw()[0], EPS);
    assertEquals(-5, plan.powerKw()[1], EPS);
    assertEquals(0.05 * (5 - d), plan.valueEur(), EPS);
  }

  @Test
  void sellsAtAMildNegativePriceToBuyAtADeepOne() {
    // given a full battery that must end full, -10 then -200 EUR/MWh
    Plan plan = plan(PlanRequest.arbitrage(BATTERY, 9, 1, new double[] {-10, -200}, 1000));

    // then it pays to discharge 4.5 kW at -10 to make room for 5 kW at -200 (4.5/eta out, 5*eta back in)
    assertEquals(4.5, plan.powerKw()[0], EPS);
    assertEquals(-5, plan.powerKw()[1], EPS);
    assertEquals(-0.01 * 4.5 + 0.2 * 5, plan.valueEur(), EPS);
    assertTrue(plan.optimal());
  }

  @Test
  void cyclesAtANegativePriceOnlyWhenTheLossesEarnMoreThanTheWear() {
    // a full battery that must end full, three hours at -30 EUR/MWh: a round trip of 1 kWh absorbed
    // earns 0.03 * (1 - 0.9) = 0.003 EUR and wears 0.9 kWh of discharge
    double[] prices = {-30, -30, -30};
    BatteryModel worn = new BatteryModel(10, 5, 0.9, 10, 90, 90, 0.01); // 0.009 EUR of wear: not worth it
    BatteryModel free = new BatteryModel(10, 5, 0.9, 10, 90, 90, 0);

    Plan idle = plan(PlanRequest.arbitrage(worn, 9, 1, prices, 1000));
    Plan cycling = plan(PlanRequest.arbitrage(free, 9, 1, prices, 1000));

    for (double power : idle.powerKw()) {
      assertEquals(0, power, EPS);
    }
    assertEquals(0, idle.valueEur(), EPS);
    assertTrue(cycling.valueEur() > 0.01, "paid for the losses: " + cycling.valueEur());
  }

  @Test
  void shavesThePeakWhenTheBatteryCan() {
    // given 2 kW, 8 kW, 2 kW of site load against a 5 kW import limit, flat prices
    double[] load = {2, 8, 2};
    PlanRequest request = new PlanRequest(BATTERY, 5, 1, new double[] {50, 50, 50}, load, 5, 1000);

    Plan plan = plan(request);

    // then the battery covers at least 3 kW of the peak and never pushes the import above 5 kW
    for (int t = 0; t < 3; t++) {
      assertTrue(load[t] - plan.powerKw()[t] <= 5 + EPS, "slot " + t);
    }
    assertEquals(0, plan.importExcessKw(), EPS);
    assertTrue(plan.powerKw()[1] >= 3 - EPS);
    assertTrue(plan.optimal());
  }

  @Test
  void exceedsAnImpossibleLimitAsLittleAsItCan() {
    // given a full battery, 20 kW of load in the middle slot against a 5 kW limit; it must end full
    double[] load = {0, 20, 0};
    PlanRequest request = new PlanRequest(BATTERY, 9, 1, new double[] {50, 50, 50}, load, 5, 1000);

    Plan plan = plan(request);

    // then it discharges what it can put back in the last slot within the limit: 5*eta stored = 4.5 kW out
    assertEquals(4.5, plan.powerKw()[1], EPS);
    assertEquals(-5, plan.powerKw()[2], EPS);
    assertEquals(20 - 4.5 - 5, plan.importExcessKw(), EPS);
    assertTrue(plan.upperBoundEur() >= plan.valueEur());
  }

  @Test
  void aStartBelowTheLimitsChargesAtFullPowerUntilWithin() {
    // given 0 kWh stored (limits 1..9 kWh), a 1 kW battery, quarter-hours, a price that makes charging dear
    BatteryModel small = new BatteryModel(10, 1, 0.9, 10, 90, 50, 0);
    double[] prices = new double[12];
    java.util.Arrays.fill(prices, 300);
    Plan plan = plan(PlanRequest.arbitrage(small, 0, 0.25, prices, 1000));

    // then 1 kWh takes 1/(eta * 0.25) = 4.2 quarter-hours: four at full power, then just enough, then idle
    for (int t = 0; t < 4; t++) {
      assertEquals(-1, plan.powerKw()[t], EPS);
    }
    assertEquals(1, plan.energyKwh()[4], EPS);
    assertEquals(1, plan.energyKwh()[11], EPS);
  }

  @Test
  void aStartAboveTheLimitsDischargesUntilWithin() {
    // given 10 kWh stored above the 9 kWh limit, flat prices: nothing to gain by moving energy about
    PlanRequest flat = PlanRequest.arbitrage(BATTERY, 10, 0.25, new double[] {50, 50, 50, 50}, 1000);
    // and at negative prices, where discharging costs money
    PlanRequest negative = PlanRequest.arbitrage(BATTERY, 10, 0.25, new double[] {-100, -100, -100, -100}, 1000);

    Plan settled = plan(flat);
    Plan forced = plan(negative);

    // then the first slot comes down to the limit all the same
    assertEquals(9, settled.energyKwh()[0], EPS);
    assertEquals(9, settled.energyKwh()[3], EPS);
    assertTrue(forced.energyKwh()[0] <= 9 + EPS);
    assertTrue(forced.energyKwh()[3] >= 9 - EPS);
  }

  @Test
  void aZeroTimeLimitStillGivesAFeasiblePlanWithABound() {
    double[] prices = {40, -20, -60, -5, -80, 30, 120, -10, 90, 10, -40, 150};
    PlanRequest hurried = PlanRequest.arbitrage(BATTERY, 5, 1, prices, 0);
    PlanRequest unhurried = PlanRequest.arbitrage(BATTERY, 5, 1, prices, 10_000);

    Plan quick = plan(hurried);
    Plan exact = plan(unhurried);

    assertTrue(exact.optimal());
    assertTrue(quick.valueEur() <= exact.valueEur() + EPS);
    assertTrue(quick.upperBoundEur() >= exact.valueEur() - EPS);
  }

  @Test
  void refusesRequestsThatMeanNothing() {
    assertThrows(IllegalArgumentException.class, () -> PlanRequest.arbitrage(BATTERY, 5, 1, new double[0], 1));
    assertThrows(IllegalArgumentException.class,
        () -> PlanRequest.arbitrage(BATTERY, 5, 1, new double[] {Double.NaN}, 1));
    assertThrows(IllegalArgumentException.class, () -> PlanRequest.arbitrage(BATTERY, 5, 0, new double[] {1}, 1));
    assertThrows(IllegalArgumentException.class, () -> PlanRequest.arbitrage(BATTERY, -1, 1, new double[] {1}, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new PlanRequest(BATTERY, 5, 1, new double[] {1, 2}, new double[] {1}, 5, 1));
  }

  @Test
  void aLongHorizonIsPlannedExactlyToo() {
    java.util.Random random = new java.util.Random(7);
    double[] prices = new double[24 * 30];
    for (int t = 0; t < prices.length; t++) {
      prices[t] = 80 + 40 * Math.sin(2 * Math.PI * t / 24) + 20 * random.nextGaussian();
    }
    Plan plan = plan(PlanRequest.arbitrage(BATTERY, 5, 1, prices, 10_000));

    assertTrue(plan.optimal());
    assertFalse(plan.valueEur() <= 0);
  }
}
