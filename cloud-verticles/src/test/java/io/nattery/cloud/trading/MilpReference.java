package io.nattery.cloud.trading;

import io.nattery.protocol.battery.BatteryModel;
import java.util.ArrayList;
import java.util.List;
import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;
import org.ojalgo.optimisation.integer.IntegerStrategy;
import org.ojalgo.type.context.NumberContext;

/**
 * PROTOCOL.md's battery model written directly as a MILP for ojAlgo, independent of the optimiser:
 * charge and discharge powers per slot, a binary per slot that allows one of them, the energy balance,
 * SOC limits, the terminal rule. With an import limit it is solved lexicographically: first the least
 * total excess import, then the best value with no more excess than that.
 */
final class MilpReference {

  record Solution(double valueEur, double excessEnergyKwh, double[] powerKw) {
  }

  /** Lets the second stage meet the first stage's least excess despite the solver's rounding. */
  static final double EXCESS_SLACK_KWH = 1e-7;

  private MilpReference() {
  }

  static Solution solve(PlanRequest request) {
    double leastExcess = 0;
    if (request.shavesPeaks()) {
      leastExcess = build(request, Double.NaN, true).solution().excessEnergyKwh();
    }
    return build(request, leastExcess, false).solution();
  }

  private record Built(Solution solution) {
  }

  /** When {@code minimiseExcess}: the least excess; else the best value with excess at most {@code excessCap}. */
  private static Built build(PlanRequest request, double excessCap, boolean minimiseExcess) {
    BatteryModel battery = request.battery();
    int slots = request.slots();
    double h = request.slotHours();
    double eta = battery.eta();
    double power = battery.powerKw();
    double min = battery.minEnergyKwh();
    double max = battery.maxEnergyKwh();
    double initial = request.initialEnergyKwh();

    ExpressionsBasedModel model = new ExpressionsBasedModel();
    model.options.integer(IntegerStrategy.newConfigurable().withGapTolerance(NumberContext.of(12, 10)));
    List<Variable> charge = new ArrayList<>();
    List<Variable> discharge = new ArrayList<>();
    List<Variable> energy = new ArrayList<>();
    List<Variable> excess = new ArrayList<>();
    Expression totalExcess = model.newExpression("total_excess");
    for (int t = 0; t < slots; t++) {
      double price = request.pricesEurPerMwh()[t] / 1000;
      Variable c = model.newVariable("c" + t).lower(0).upper(power);
      Variable d = model.newVariable("d" + t).lower(0).upper(power);
      Variable charging = model.newVariable("b" + t).binary();
      // the SOC limits, or when the start is outside them, as near as full power gets by the end of slot t
      double lo = initial < min ? Math.min(min, initial + (t + 1) * eta * power * h) : min;
      double hi = initial > max ? Math.max(max, initial - (t + 1) * power * h / eta) : max;
      Variable e = model.newVariable("e" + t).lower(lo).upper(hi);
      if (!minimiseExcess) {
        c.weight(-price * h);
        d.weight((price - battery.cycleCostEurPerKwh()) * h);
      }
      model.newExpression("only_charge_" + t).upper(0).set(c, 1).set(charging, -power);
      model.newExpression("only_discharge_" + t).upper(power).set(d, 1).set(charging, power);
      Expression balance = model.newExpression("balance_" + t).set(e, 1).set(c, -eta * h).set(d, h / eta);
      if (t == 0) {
        balance.level(initial);
      } else {
        balance.set(energy.get(t - 1), -1).level(0);
      }
      if (request.shavesPeaks()) {
        // x >= load - (d - c) - limit, x >= 0
        Variable x = model.newVariable("x" + t).lower(0);
        model.newExpression("import_" + t).lower(request.siteLoadKw()[t] - request.importLimitKw())
            .set(x, 1).set(d, 1).set(c, -1);
        totalExcess.set(x, h);
        if (minimiseExcess) {
          x.weight(-h);
        }
        excess.add(x);
      }
      charge.add(c);
      discharge.add(d);
      energy.add(e);
    }
    double lastLow = initial < min ? Math.min(min, initial + slots * eta * power * h) : min;
    energy.get(slots - 1).lower(initial < min ? lastLow : Math.min(max, initial));
    if (!minimiseExcess && request.shavesPeaks()) {
      totalExcess.upper(excessCap + EXCESS_SLACK_KWH);
    }
    Optimisation.Result result = model.maximise();
    if (!result.getState().isOptimal()) {
      throw new IllegalStateException("MILP not solved to optimality: " + result.getState());
    }
    double[] powers = new double[slots];
    double value = 0;
    double excessEnergy = 0;
    for (int t = 0; t < slots; t++) {
      double c = charge.get(t).getValue().doubleValue();
      double d = discharge.get(t).getValue().doubleValue();
      powers[t] = d - c;
      value += request.pricesEurPerMwh()[t] / 1000 * (d - c) * h - battery.cycleCostEurPerKwh() * d * h;
      if (request.shavesPeaks()) {
        excessEnergy += excess.get(t).getValue().doubleValue() * h;
      }
    }
    return new Built(new Solution(value, excessEnergy, powers));
  }
}
