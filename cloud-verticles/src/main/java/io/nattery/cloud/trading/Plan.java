package io.nattery.cloud.trading;

/**
 * A battery's plan: per slot the power ({@code > 0} discharge, {@code < 0} charge, kW) and the energy
 * stored at the end of the slot (kWh). {@code valueEur} is the objective of PROTOCOL.md's battery model
 * for this plan; {@code upperBoundEur} a proven bound on the value of any plan that exceeds the import
 * limit by no more energy than this one (without a limit: on every plan); {@code optimal} when the plan
 * is exact or proven within 0.1 % of that bound. {@code importExcessKw} is the worst excess of the site's
 * import over the limit (0 without one, or when the limit is honoured).
 */
public record Plan(double[] powerKw, double[] energyKwh, double valueEur, double upperBoundEur, boolean optimal,
    long solveNanos, double importExcessKw) {

  /** The share of the proven bound that this plan reaches is at least this when {@code optimal}. */
  public static final double OPTIMALITY_GAP = 1e-3;

  public int slots() {
    return powerKw.length;
  }

  public double chargeKw(int slot) {
    return Math.max(0, -powerKw[slot]);
  }

  public double dischargeKw(int slot) {
    return Math.max(0, powerKw[slot]);
  }
}
