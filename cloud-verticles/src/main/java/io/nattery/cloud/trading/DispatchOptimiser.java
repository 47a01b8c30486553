package io.nattery.cloud.trading;

import io.nattery.protocol.battery.BatteryModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plans one battery under PROTOCOL.md's battery model, exactly, by a backward dynamic programme over
 * the stored energy whose value functions are kept as exact piecewise-linear functions (no grid).
 *
 * <p>Per slot the decision is the change of stored energy {@code y} ({@code y > 0} charging
 * {@code c = y/(eta h)}, {@code y < 0} discharging {@code d = -y eta/h}); "never both" is built in. The
 * slot's reward {@code R(y)} is linear on each side of 0 and, with an import limit, loses a penalty far
 * above any price per kWh of excess import. The value of the slots from {@code t} on, as a function of
 * the energy at the start of {@code t}, is {@code W_t(E) = max_y R_t(y) + W_t+1(E + y)}, a
 * sup-convolution. When {@code R_t} is concave (always at prices >= 0) and {@code W_t+1} is, that is a
 * merge of the two slope lists. A negative price can make {@code R_t} convex at 0 (charging earns more
 * per stored kWh than discharging loses); then {@code W_t} is the upper envelope of the sup-convolutions
 * of the concave pieces, itself kept as concave pieces. Either way the functions are exact, and a
 * forward pass reads the optimal decisions off them.
 *
 * <p>With non-concave slots a feasible plan and a bound come first, from the same programme with each
 * non-concave reward replaced by a concave function below it (a plan valued under the true model) and by
 * its concave hull above it; should the exact programme not finish within the time limit (many
 * non-concave slots on a long horizon), that plan is returned. An all-concave problem is solved exactly
 * in one pass whatever the limit: nothing faster would give a plan. Stateless and thread-safe.
 */
public final class DispatchOptimiser {

  /** EUR per kWh of import above the limit, per EUR/kWh of the dearest price: far above any trade. */
  private static final double PENALTY_PER_PRICE = 1000;

  /** The plan whose last slot ends with at least the initial energy (clamped into the SOC limits). */
  public Plan plan(PlanRequest request) {
    return plan(request, request.initialEnergyKwh());
  }

  /**
   * The plan whose last slot ends with at least {@code leastEndEnergyKwh}, clamped into the SOC limits
   * and to what full power can reach (a rolling plan keeps each day's end at the file's initial energy).
   */
  public Plan plan(PlanRequest request, double leastEndEnergyKwh) {
    if (!Double.isFinite(leastEndEnergyKwh)) {
      throw new IllegalArgumentException("leastEndEnergyKwh must be finite: " + leastEndEnergyKwh);
    }
    long started = System.nanoTime();
    long limitNanos = Math.min(request.timeLimitMillis(), Long.MAX_VALUE / 1_000_000) * 1_000_000;
    Problem problem = new Problem(request, leastEndEnergyKwh);
    if (problem.allConcave()) {
      PiecewiseLinear[] values = problem.solve(problem.rewards, started, Long.MAX_VALUE);
      return problem.planFrom(problem.forward(problem.rewards, values), values[0], true, started);
    }
    // first a feasible plan and a bound from two concave programmes (each as fast as an all-concave
    // plan), so that a plan exists whenever the time runs out; then the exact one if time allows
    PiecewiseLinear[] lowerRewards = problem.lowerRewards();
    PiecewiseLinear[] low = problem.solve(lowerRewards, started, Long.MAX_VALUE);
    PiecewiseLinear[] high = problem.solve(problem.hullRewards(), started, Long.MAX_VALUE);
    Plan fallback = problem.planFrom(problem.forward(lowerRewards, low), high[0], false, started);
    if (fallback.upperBoundEur() - fallback.valueEur() <= 1e-12 * (1 + Math.abs(fallback.upperBoundEur()))) {
      return fallback; // the bound is attained: already exact
    }
    PiecewiseLinear[] values = problem.solve(problem.rewards, started, limitNanos);
    if (values == null) {
      return fallback;
    }
    return problem.planFrom(problem.forward(problem.rewards, values), values[0], true, started);
  }

  /** The request turned into per-slot rewards in the stored-energy change and energy bounds per slot end. */
  private static final class Problem {
    final PlanRequest request;
    final BatteryModel battery;
    final int slots;
    final double hours;
    final double eta;
    final double powerKw;
    final double initial;
    final double penaltyEurPerKwh;
    /** Reward of each slot as a function of the stored-energy change y. */
    final PiecewiseLinear[] rewards;
    /** Bounds on the energy at the end of each slot: the SOC limits, or the fastest way towards them. */
    final double[] lowest;
    final double[] highest;
    final double terminal;

    Problem(PlanRequest request, double leastEndEnergy) {
      this.request = request;
      this.battery = request.battery();
      this.slots = request.slots();
      this.hours = request.slotHours();
      this.eta = battery.eta();
      this.powerKw = battery.powerKw();
      this.initial = request.initialEnergyKwh();
      double dearest = 0;
      for (double price : request.pricesEurPerMwh()) {
        dearest = Math.max(dearest, Math.abs(price) / 1000);
      }
      this.penaltyEurPerKwh = PENALTY_PER_PRICE * Math.max(1, dearest) / battery.roundTripEfficiency();
      this.rewards = new PiecewiseLinear[slots];
      for (int t = 0; t < slots; t++) {
        rewards[t] = reward(t);
      }
      double min = battery.minEnergyKwh();
      double max = battery.maxEnergyKwh();
      this.lowest = new double[slots];
      this.highest = new double[slots];
      for (int t = 0; t < slots; t++) {
        // outside the SOC limits the plan moves towards them at full power, then stays within them
        lowest[t] = initial < min ? Math.min(min, initial + (t + 1) * eta * powerKw * hours) : min;
        highest[t] = initial > max ? Math.max(max, initial - (t + 1) * powerKw * hours / eta) : max;
      }
      // the last slot ends with at least the asked energy, clamped into the limits (or as near as it gets)
      double reachable = initial + slots * eta * powerKw * hours;
      this.terminal = Math.max(lowest[slots - 1], Math.min(Math.max(min, Math.min(max, leastEndEnergy)), reachable));
    }

    boolean allConcave() {
      for (PiecewiseLinear reward : rewards) {
        if (!reward.isConcave()) {
          return false;
        }
      }
      return true;
    }

    /**
     * R_t(y) on [-P h/eta, eta P h]: market value minus cycle cost, minus the import penalty. Its
     * breakpoints are the ends, 0 and where the import reaches the limit.
     */
    private PiecewiseLinear reward(int t) {
      double lo = -powerKw * hours / eta;
      double hi = eta * powerKw * hours;
      double[] points = new double[4];
      int n = 0;
      points[n++] = lo;
      points[n++] = 0;
      double limitAt = limitCrossing(t);
      if (limitAt > lo && limitAt < hi && limitAt != 0) {
        points[n++] = limitAt;
      }
      points[n++] = hi;
      Arrays.sort(points, 0, n);
      double[] x = Arrays.copyOf(points, n);
      double[] v = new double[n];
      double[] s = new double[n - 1];
      for (int i = 0; i < n; i++) {
        v[i] = rewardAt(t, x[i]);
      }
      for (int i = 0; i + 1 < n; i++) {
        s[i] = rewardSlope(t, (x[i] + x[i + 1]) / 2);
      }
      return PiecewiseLinear.ofPoints(x, v, s);
    }

    private double rewardAt(int t, double y) {
      double price = request.pricesEurPerMwh()[t] / 1000;
      double market = y < 0 ? -(price - battery.cycleCostEurPerKwh()) * eta * y : -price / eta * y;
      return market - penaltyEurPerKwh * excessEnergy(t, y);
    }

    private double rewardSlope(int t, double y) {
      double price = request.pricesEurPerMwh()[t] / 1000;
      double slope = y < 0 ? -(price - battery.cycleCostEurPerKwh()) * eta : -price / eta;
      if (request.shavesPeaks() && y > limitCrossing(t)) {
        slope -= penaltyEurPerKwh * (y < 0 ? eta : 1 / eta);
      }
      return slope;
    }

    /** kWh imported above the limit in slot t when the stored energy changes by y. */
    double excessEnergy(int t, double y) {
      if (!request.shavesPeaks()) {
        return 0;
      }
      double batteryKw = y < 0 ? -y * eta / hours : -y / (eta * hours);
      return Math.max(0, request.siteLoadKw()[t] - batteryKw - request.importLimitKw()) * hours;
    }

    /** The y above which slot t imports more than the limit (+infinity without one). */
    private double limitCrossing(int t) {
      if (!request.shavesPeaks()) {
        return Double.POSITIVE_INFINITY;
      }
      double leastBatteryKw = request.siteLoadKw()[t] - request.importLimitKw();
      return leastBatteryKw >= 0 ? -leastBatteryKw * hours / eta : -leastBatteryKw * eta * hours;
    }

    /** Each reward's concave hull: a relaxation, so its optimum bounds the true one. */
    PiecewiseLinear[] hullRewards() {
      PiecewiseLinear[] hull = new PiecewiseLinear[slots];
      for (int t = 0; t < slots; t++) {
        hull[t] = rewards[t].concaveHull();
      }
      return hull;
    }

    /**
     * Each reward replaced by the least of its concave pieces, each extended linearly over the whole
     * domain: concave, never above the true reward, so its plans are feasible and worth at least what it says.
     */
    PiecewiseLinear[] lowerRewards() {
      PiecewiseLinear[] lower = new PiecewiseLinear[slots];
      for (int t = 0; t < slots; t++) {
        List<PiecewiseLinear> pieces = rewards[t].concavePieces();
        if (pieces.size() == 1) {
          lower[t] = rewards[t];
          continue;
        }
        List<PiecewiseLinear> extended = new ArrayList<>(pieces.size());
        for (PiecewiseLinear piece : pieces) {
          extended.add(extend(piece, rewards[t].start(), rewards[t].end()));
        }
        lower[t] = PiecewiseLinear.lowerEnvelope(extended);
      }
      return lower;
    }

    private static PiecewiseLinear extend(PiecewiseLinear piece, double from, double to) {
      int n = piece.x.length;
      double[] x = new double[n + 2];
      double[] v = new double[n + 2];
      double[] s = new double[n + 1];
      x[0] = from;
      v[0] = piece.v[0] - piece.s[0] * (piece.x[0] - from);
      s[0] = piece.s[0];
      for (int i = 0; i < n; i++) {
        x[i + 1] = piece.x[i];
        v[i + 1] = piece.v[i];
      }
      System.arraycopy(piece.s, 0, s, 1, piece.s.length);
      x[n + 1] = to;
      s[n] = piece.s[piece.s.length - 1];
      v[n + 1] = piece.v[n - 1] + s[n] * (to - piece.x[n - 1]);
      // drop the zero-length ends where the piece already reached the domain's ends
      int first = x[1] - x[0] <= PiecewiseLinear.EPS_X ? 1 : 0;
      int last = x[n + 1] - x[n] <= PiecewiseLinear.EPS_X ? n : n + 1;
      return PiecewiseLinear.ofPoints(Arrays.copyOfRange(x, first, last + 1),
          Arrays.copyOfRange(v, first, last + 1), Arrays.copyOfRange(s, first, last));
    }

    /**
     * The value functions W_0..W_T (W_t of the energy at the start of slot t), or null when more than
     * {@code limitNanos} passed since {@code started} first.
     */
    PiecewiseLinear[] solve(PiecewiseLinear[] slotRewards, long started, long limitNanos) {
      PiecewiseLinear[] values = new PiecewiseLinear[slots + 1];
      values[slots] = PiecewiseLinear.constant(terminal, highest[slots - 1], 0);
      List<PiecewiseLinear> next = List.of(values[slots]);
      for (int t = slots - 1; t >= 0; t--) {
        if (System.nanoTime() - started > limitNanos) {
          return null;
        }
        // W_t(E) = max_z W_t+1(z) + R_t(z - E): the sup-convolution with the mirrored reward
        List<PiecewiseLinear> rewardPieces = slotRewards[t].mirror().concavePieces();
        List<PiecewiseLinear> candidates = new ArrayList<>(next.size() * rewardPieces.size());
        for (PiecewiseLinear value : next) {
          for (PiecewiseLinear reward : rewardPieces) {
            candidates.add(PiecewiseLinear.supConvolution(value, reward));
          }
        }
        PiecewiseLinear current = PiecewiseLinear.upperEnvelope(candidates);
        if (t > 0) {
          current = current.clip(lowest[t - 1], highest[t - 1]);
          if (current == null) {
            throw new IllegalStateException("no feasible energy at the start of slot " + t);
          }
        }
        values[t] = current;
        next = current.concavePieces();
      }
      return values;
    }

    /** The stored-energy changes that attain the value functions, slot by slot from the initial energy. */
    double[] forward(PiecewiseLinear[] slotRewards, PiecewiseLinear[] values) {
      double[] changes = new double[slots];
      double energy = initial;
      for (int t = 0; t < slots; t++) {
        PiecewiseLinear reward = slotRewards[t];
        PiecewiseLinear after = values[t + 1];
        double from = Math.max(reward.start(), after.start() - energy);
        double to = Math.min(reward.end(), after.end() - energy);
        if (from > to) { // only by rounding: the value functions keep every reached energy feasible
          from = to = (from + to) / 2;
        }
        // the optimum of a sum of piecewise-linear functions lies on a breakpoint of one of them
        double best = Double.NEGATIVE_INFINITY;
        double bestChange = 0;
        double tolerance = 1e-12 * (1 + Math.abs(values[t].value(energy)));
        for (int pass = 0; pass < 2; pass++) {
          PiecewiseLinear source = pass == 0 ? reward : after;
          double shift = pass == 0 ? 0 : -energy;
          for (int i = -1; i <= source.x.length; i++) {
            double y = i < 0 ? from : i == source.x.length ? to : source.x[i] + shift;
            if (y < from || y > to) {
              continue;
            }
            double total = reward.value(y) + after.value(energy + y);
            // among equal values the smallest change: no cycling for nothing
            if (total > best + tolerance || (total >= best - tolerance && Math.abs(y) < Math.abs(bestChange))) {
              best = Math.max(best, total);
              bestChange = y;
            }
          }
        }
        changes[t] = bestChange;
        energy += bestChange;
      }
      return changes;
    }

    /** Powers and energies from the energy changes, valued under the battery model. */
    Plan planFrom(double[] changes, PiecewiseLinear firstValue, boolean exact, long started) {
      double[] power = new double[slots];
      double[] energy = new double[slots];
      double[] prices = request.pricesEurPerMwh();
      double stored = initial;
      double value = 0;
      double excessEnergy = 0;
      double worstExcessKw = 0;
      for (int t = 0; t < slots; t++) {
        double target = Math.min(Math.max(stored + changes[t], lowest[t]), highest[t]);
        double y = target - stored;
        double charge = y > 0 ? Math.min(powerKw, y / (eta * hours)) : 0;
        double discharge = y < 0 ? Math.min(powerKw, -y * eta / hours) : 0;
        if (charge < 1e-9 && discharge < 1e-9) {
          charge = 0;
          discharge = 0;
        }
        stored = battery.nextEnergyKwh(stored, charge, discharge, hours);
        power[t] = discharge - charge;
        energy[t] = stored;
        value += battery.slotValueEur(prices[t], charge, discharge, hours);
        double excess = excessEnergy(t, charge > 0 ? charge * eta * hours : -discharge * hours / eta);
        excessEnergy += excess;
        worstExcessKw = Math.max(worstExcessKw, excess / hours);
      }
      double bound = firstValue.value(initial) + penaltyEurPerKwh * excessEnergy;
      bound = Math.max(bound, value); // the plan itself attains its value; rounding must not say less
      boolean optimal = exact || bound - value <= Plan.OPTIMALITY_GAP * Math.abs(bound) + 1e-9;
      return new Plan(power, energy, value, bound, optimal, System.nanoTime() - started, worstExcessKw);
    }
  }
}
