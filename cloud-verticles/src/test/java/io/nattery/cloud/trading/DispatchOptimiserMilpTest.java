package io.nattery.cloud.trading;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nattery.protocol.battery.BatteryModel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The optimiser against an independent exact solution: ojAlgo's MILP of the same model, with a binary
 * per slot for "charge or discharge, never both", on random small cases and realistic days, with negative
 * prices, cycle costs, starts outside the SOC limits and import limits, feasible or not.
 */
class DispatchOptimiserMilpTest {

  private final DispatchOptimiser optimiser = new DispatchOptimiser();

  @Test
  void smallRandomCasesReachTheMilpOptimum() {
    Random random = new Random(20261123);
    for (int n = 0; n < 300; n++) {
      int slots = 1 + random.nextInt(12);
      double hours = random.nextBoolean() ? 1 : 0.25;
      compare("small case " + n, randomRequest(random, slots, hours, randomPrices(random, slots)));
    }
  }

  @Test
  void realisticDaysReachTheMilpOptimum() {
    Random random = new Random(5);
    for (int n = 0; n < 24; n++) {
      int slots = n % 3 == 0 ? 24 : 96;
      double hours = 24.0 / slots;
      double[] prices = new double[slots];
      // how far the midday solar trough goes: on the hourly days always below 0, where the binaries matter
      double depth = slots == 24 ? 120 + random.nextDouble() * 100 : random.nextDouble() * 120;
      for (int t = 0; t < slots; t++) {
        double hour = t * hours;
        prices[t] = 90 + 40 * Math.cos(2 * Math.PI * (hour - 19) / 24) - depth * Math.exp(-Math.pow((hour - 13) / 2.5, 2))
            + 15 * random.nextGaussian();
      }
      compare("day " + n, randomRequest(random, slots, hours, prices));
    }
  }

  private void compare(String name, PlanRequest request) {
    MilpReference.Solution exact = MilpReference.solve(request);
    Plan plan = optimiser.plan(request);
    Plan hurried = optimiser.plan(new PlanRequest(request.battery(), request.initialEnergyKwh(), request.slotHours(),
        request.pricesEurPerMwh(), request.siteLoadKw(), request.importLimitKw(), 0));
    String context = name + ": " + describe(request) + " milp " + exact.valueEur() + " (excess " + exact.excessEnergyKwh()
        + " kWh), plan " + plan.valueEur() + " bound " + plan.upperBoundEur();
    PlanCheck.assertFeasible(request, plan);
    PlanCheck.assertFeasible(request, hurried);
    // the MILP may exceed the least import excess by its cap's slack, worth up to ~1e-6 EUR more value
    double tolerance = 1e-6 * (1 + Math.abs(exact.valueEur())) + (request.shavesPeaks() ? 1e-5 : 0);
    double planExcess = PlanCheck.excessEnergyKwh(request, plan);
    assertTrue(planExcess <= exact.excessEnergyKwh() + 1e-6, context + ": more import above the limit than needed");
    assertTrue(plan.optimal(), context);
    assertTrue(plan.valueEur() >= exact.valueEur() - 1e-3 * Math.abs(exact.valueEur()) - tolerance,
        context + ": below 99.9 % of the optimum");
    assertTrue(plan.valueEur() <= exact.valueEur() + tolerance, context + ": above the optimum");
    assertTrue(plan.upperBoundEur() >= exact.valueEur() - tolerance, context + ": bound below the optimum");
    // with no time at all: still feasible, never better than the optimum, and its bound still holds
    if (PlanCheck.excessEnergyKwh(request, hurried) <= exact.excessEnergyKwh() + 1e-6) {
      assertTrue(hurried.valueEur() <= exact.valueEur() + tolerance, context + ": hurried above the optimum");
      assertTrue(hurried.upperBoundEur() >= exact.valueEur() - tolerance, context + ": hurried bound " + hurried.upperBoundEur());
    }
  }

  private static PlanRequest randomRequest(Random random, int slots, double hours, double[] prices) {
    double capacity = 2 + random.nextDouble() * 18;
    double power = 0.5 + random.nextDouble() * 9.5;
    double roundTrip = random.nextInt(5) == 0 ? 1 : 0.7 + random.nextDouble() * 0.3;
    double socMin = random.nextDouble() * 30;
    double socMax = 70 + random.nextDouble() * 30;
    double cycleCost = random.nextInt(3) == 0 ? 0 : random.nextDouble() * 0.05;
    BatteryModel battery = new BatteryModel(capacity, power, roundTrip, socMin, socMax, socMin, cycleCost);
    // mostly within the limits, sometimes below or above them (a device that drifted)
    double soc = random.nextInt(6) == 0 ? random.nextDouble() * 100 : socMin + random.nextDouble() * (socMax - socMin);
    double initial = capacity * soc / 100;
    if (random.nextInt(3) == 0) {
      double[] load = new double[slots];
      for (int t = 0; t < slots; t++) {
        load[t] = -2 + random.nextDouble() * 10;
      }
      double limit = 1 + random.nextDouble() * 6;
      return new PlanRequest(battery, initial, hours, prices, load, limit, 10_000);
    }
    return new PlanRequest(battery, initial, hours, prices, null, Double.NaN, 10_000);
  }

  private static double[] randomPrices(Random random, int slots) {
    double[] prices = new double[slots];
    for (int t = 0; t < slots; t++) {
      prices[t] = random.nextInt(4) == 0 ? -random.nextDouble() * 150 : random.nextDouble() * 300;
    }
    return prices;
  }

  private static String describe(PlanRequest request) {
    return request.battery() + " from " + request.initialEnergyKwh() + " kWh, h " + request.slotHours() + ", prices "
        + java.util.Arrays.toString(request.pricesEurPerMwh())
        + (request.shavesPeaks() ? ", load " + java.util.Arrays.toString(request.siteLoadKw()) + " limit "
        + request.importLimitKw() : "");
  }
}
