package io.nattery.cloud.trading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nattery.protocol.battery.BatteryModel;

/** Re-checks a plan against the battery model from scratch, independent of how it was made. */
final class PlanCheck {

  static final double TOLERANCE = 1e-6;

  private PlanCheck() {
  }

  /** Every limit: power, SOC (or the fastest way towards it from outside), energy balance, terminal rule. */
  static void assertFeasible(PlanRequest request, Plan plan) {
    BatteryModel battery = request.battery();
    int slots = request.slots();
    double h = request.slotHours();
    double eta = battery.eta();
    double min = battery.minEnergyKwh();
    double max = battery.maxEnergyKwh();
    double initial = request.initialEnergyKwh();
    assertEquals(slots, plan.powerKw().length, "one power per slot");
    assertEquals(slots, plan.energyKwh().length, "one energy per slot");
    double energy = initial;
    double value = 0;
    double worstExcess = 0;
    for (int t = 0; t < slots; t++) {
      double p = plan.powerKw()[t];
      assertTrue(Math.abs(p) <= battery.powerKw() + 1e-9, "slot " + t + ": power " + p + " above the rating");
      double charge = Math.max(0, -p);
      double discharge = Math.max(0, p);
      energy += eta * charge * h - discharge * h / eta;
      assertEquals(energy, plan.energyKwh()[t], TOLERANCE, "slot " + t + ": energy balance");
      double lo = initial < min ? Math.min(min, initial + (t + 1) * eta * battery.powerKw() * h) : min;
      double hi = initial > max ? Math.max(max, initial - (t + 1) * battery.powerKw() * h / eta) : max;
      assertTrue(energy >= lo - TOLERANCE && energy <= hi + TOLERANCE,
          "slot " + t + ": energy " + energy + " outside " + lo + ".." + hi);
      value += request.pricesEurPerMwh()[t] / 1000 * (discharge - charge) * h
          - battery.cycleCostEurPerKwh() * discharge * h;
      if (request.shavesPeaks()) {
        worstExcess = Math.max(worstExcess, request.siteLoadKw()[t] - p - request.importLimitKw());
      }
    }
    double terminal = initial < min ? Math.min(min, initial + slots * eta * battery.powerKw() * h) : Math.min(max, initial);
    assertTrue(energy >= terminal - TOLERANCE, "ends with " + energy + " below " + terminal);
    assertEquals(value, plan.valueEur(), TOLERANCE, "value under the model");
    assertTrue(plan.upperBoundEur() >= plan.valueEur() - TOLERANCE, "bound below the value");
    assertEquals(Math.max(0, worstExcess), plan.importExcessKw(), TOLERANCE, "worst import excess");
  }

  static double excessEnergyKwh(PlanRequest request, Plan plan) {
    if (!request.shavesPeaks()) {
      return 0;
    }
    double total = 0;
    for (int t = 0; t < request.slots(); t++) {
      total += Math.max(0, request.siteLoadKw()[t] - plan.powerKw()[t] - request.importLimitKw()) * request.slotHours();
    }
    return total;
  }
}
