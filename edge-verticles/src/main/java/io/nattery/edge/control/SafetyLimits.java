package io.nattery.edge.control;

import io.nattery.protocol.Mode;
import io.vertx.core.json.JsonObject;

/**
 * The limits the Pi holds whatever the cloud sends: SOC window, charge and discharge power, battery
 * temperature. Plain logic, no Vert.x. Power is signed as on the wire: > 0 discharging, < 0 charging.
 */
public record SafetyLimits(double socMinPct, double socMaxPct, double maxChargeW, double maxDischargeW,
    double tempMinC, double tempMaxC) {

  /** A setpoint after the limits: what to write, and why it differs from what was asked (null when it does not). */
  public record Target(Mode mode, double powerW, String limitedBy) {
  }

  public SafetyLimits {
    if (!(socMinPct >= 0 && socMinPct < socMaxPct && socMaxPct <= 100)) {
      throw new IllegalArgumentException("limits: need 0 <= soc_min_pct < soc_max_pct <= 100");
    }
    if (!(maxChargeW >= 0 && maxDischargeW >= 0)) {
      throw new IllegalArgumentException("limits: max_charge_w and max_discharge_w must be >= 0");
    }
    if (!(tempMinC < tempMaxC)) {
      throw new IllegalArgumentException("limits: temp_min_c must be below temp_max_c");
    }
  }

  /** {@code limits} of the edge config; the power limits default to the rated power. */
  public static SafetyLimits fromConfig(JsonObject limits, double ratedPowerW) {
    return new SafetyLimits(
        limits.getDouble("soc_min_pct", 10.0),
        limits.getDouble("soc_max_pct", 95.0),
        limits.getDouble("max_charge_w", ratedPowerW),
        limits.getDouble("max_discharge_w", ratedPowerW),
        limits.getDouble("temp_min_c", 0.0),
        limits.getDouble("temp_max_c", 50.0));
  }

  /**
   * Applies the limits to a wish. A slot's own SOC bounds narrow the window, never widen it. Unknown SOC or
   * temperature (no sample yet) lets the power limits alone apply; the next sample re-checks.
   */
  public Target apply(Mode mode, double powerW, Double socPct, Double tempC, Double slotSocMin, Double slotSocMax) {
    double socMin = slotSocMin == null ? socMinPct : Math.max(socMinPct, slotSocMin);
    double socMax = slotSocMax == null ? socMaxPct : Math.min(socMaxPct, slotSocMax);
    if (mode == Mode.IDLE) {
      return new Target(Mode.IDLE, 0, null);
    }
    if (tempC != null && (tempC < tempMinC || tempC > tempMaxC)) {
      return new Target(Mode.IDLE, 0, "battery_temp " + tempC + " C outside " + tempMinC + ".." + tempMaxC + " C");
    }
    if (mode == Mode.SELF_CONSUMPTION) {
      return new Target(Mode.SELF_CONSUMPTION, 0, null);
    }
    if (mode == Mode.CHARGE) {
      if (socPct != null && socPct >= socMax) {
        return new Target(Mode.IDLE, 0, "soc " + socPct + " % at or above " + socMax + " %");
      }
      double w = Math.abs(powerW);
      return w > maxChargeW
          ? new Target(Mode.CHARGE, -maxChargeW, "charge power limited to " + maxChargeW + " W")
          : new Target(Mode.CHARGE, -w, null);
    }
    if (socPct != null && socPct <= socMin) {
      return new Target(Mode.IDLE, 0, "soc " + socPct + " % at or below " + socMin + " %");
    }
    double w = Math.abs(powerW);
    return w > maxDischargeW
        ? new Target(Mode.DISCHARGE, maxDischargeW, "discharge power limited to " + maxDischargeW + " W")
        : new Target(Mode.DISCHARGE, w, null);
  }
}
