package io.nattery.protocol.battery;

/**
 * The battery model of PROTOCOL.md, shared by the optimiser, the backtest and the edge simulator.
 * Per slot of {@code h} hours the battery either charges at {@code c} kW from the grid or
 * discharges at {@code d} kW to it, never both; one-way efficiency {@code eta = sqrt(round trip)};
 * {@code E' = E + eta*c*h - d*h/eta}, kept between the SOC limits.
 */
public record BatteryModel(
    double capacityKwh,
    double powerKw,
    double roundTripEfficiency,
    double socMinPct,
    double socMaxPct,
    double socInitPct,
    double cycleCostEurPerKwh) {

  /** Slack for powers computed in floating point, e.g. by the optimiser, that land a hair above the limit. */
  private static final double TOLERANCE_KW = 1e-9;

  public BatteryModel {
    requireFinite(capacityKwh, "capacityKwh");
    requireFinite(powerKw, "powerKw");
    requireFinite(roundTripEfficiency, "roundTripEfficiency");
    requireFinite(socMinPct, "socMinPct");
    requireFinite(socMaxPct, "socMaxPct");
    requireFinite(socInitPct, "socInitPct");
    requireFinite(cycleCostEurPerKwh, "cycleCostEurPerKwh");
    if (capacityKwh <= 0) {
      throw new IllegalArgumentException("capacityKwh must be > 0: " + capacityKwh);
    }
    if (powerKw <= 0) {
      throw new IllegalArgumentException("powerKw must be > 0: " + powerKw);
    }
    if (roundTripEfficiency <= 0 || roundTripEfficiency > 1) {
      throw new IllegalArgumentException("roundTripEfficiency must be in (0, 1]: " + roundTripEfficiency);
    }
    if (socMinPct < 0 || socMaxPct > 100 || socMinPct >= socMaxPct) {
      throw new IllegalArgumentException("need 0 <= socMinPct < socMaxPct <= 100: " + socMinPct + ", " + socMaxPct);
    }
    if (socInitPct < socMinPct || socInitPct > socMaxPct) {
      throw new IllegalArgumentException("socInitPct must be within the SOC limits: " + socInitPct);
    }
    if (cycleCostEurPerKwh < 0) {
      throw new IllegalArgumentException("cycleCostEurPerKwh must be >= 0: " + cycleCostEurPerKwh);
    }
  }

  /** The CLI defaults: 10 kWh, 5 kW, 90 % round trip, SOC 10..90 % starting at 50 %, no cycle cost. */
  public static BatteryModel defaults() {
    return new BatteryModel(10, 5, 0.9, 10, 90, 50, 0);
  }

  /** One-way efficiency, applied once on the way in and once on the way out. */
  public double eta() {
    return Math.sqrt(roundTripEfficiency);
  }

  public double minEnergyKwh() {
    return capacityKwh * socMinPct / 100;
  }

  public double maxEnergyKwh() {
    return capacityKwh * socMaxPct / 100;
  }

  public double initialEnergyKwh() {
    return capacityKwh * socInitPct / 100;
  }

  public double socPct(double energyKwh) {
    return energyKwh / capacityKwh * 100;
  }

  /** Stored energy after one slot; does not clamp (see {@link #clampPowerKw}). */
  public double nextEnergyKwh(double energyKwh, double chargeKw, double dischargeKw, double hours) {
    requirePowers(chargeKw, dischargeKw, hours);
    double eta = eta();
    return energyKwh + eta * chargeKw * hours - dischargeKw * hours / eta;
  }

  /** EUR earned in one slot at a price in EUR/MWh (negative when buying costs more than selling earns). */
  public double slotValueEur(double priceEurPerMwh, double chargeKw, double dischargeKw, double hours) {
    requirePowers(chargeKw, dischargeKw, hours);
    return priceEurPerMwh * (dischargeKw - chargeKw) * hours / 1000 - cycleCostEurPerKwh * dischargeKw * hours;
  }

  /**
   * The largest power in the requested direction ({@code > 0} discharge, {@code < 0} charge) that is
   * within the rating and keeps the stored energy within the SOC limits for the slot; 0 when none is.
   */
  public double clampPowerKw(double energyKwh, double requestedKw, double hours) {
    requireFinite(energyKwh, "energyKwh");
    requireFinite(requestedKw, "requestedKw");
    requirePositiveHours(hours);
    double eta = eta();
    if (requestedKw > 0) {
      double headroomKw = (energyKwh - minEnergyKwh()) * eta / hours;
      return Math.max(0, Math.min(Math.min(requestedKw, powerKw), headroomKw));
    }
    if (requestedKw < 0) {
      double roomKw = (maxEnergyKwh() - energyKwh) / (eta * hours);
      double chargeKw = Math.max(0, Math.min(Math.min(-requestedKw, powerKw), roomKw));
      return chargeKw == 0 ? 0 : -chargeKw; // no -0.0 for "nothing to do"
    }
    return 0;
  }

  private void requirePowers(double chargeKw, double dischargeKw, double hours) {
    requireFinite(chargeKw, "chargeKw");
    requireFinite(dischargeKw, "dischargeKw");
    requirePositiveHours(hours);
    if (chargeKw < 0 || dischargeKw < 0) {
      throw new IllegalArgumentException("powers are magnitudes, >= 0: charge " + chargeKw + ", discharge " + dischargeKw);
    }
    if (chargeKw > 0 && dischargeKw > 0) {
      throw new IllegalArgumentException("cannot charge and discharge in one slot: " + chargeKw + ", " + dischargeKw);
    }
    if (chargeKw > powerKw + TOLERANCE_KW || dischargeKw > powerKw + TOLERANCE_KW) {
      throw new IllegalArgumentException("power above the rating of " + powerKw + " kW: charge "
          + chargeKw + ", discharge " + dischargeKw);
    }
  }

  private static void requirePositiveHours(double hours) {
    if (!(hours > 0) || Double.isInfinite(hours)) {
      throw new IllegalArgumentException("hours must be > 0: " + hours);
    }
  }

  private static void requireFinite(double value, String name) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite: " + value);
    }
  }
}
