package io.nattery.cloud.trading;

import io.nattery.protocol.battery.BatteryModel;
import java.util.Objects;

/**
 * What to plan: one battery over consecutive slots of {@code slotHours}, from {@code initialEnergyKwh}
 * stored, at {@code pricesEurPerMwh}. Peak shaving applies when both {@code siteLoadKw} (per slot: the
 * forecast site load minus PV, kW, may be negative) and {@code importLimitKw} (NaN when none) are given.
 * The arrays are read, never written; callers must not change them while a plan is being made.
 */
public record PlanRequest(BatteryModel battery, double initialEnergyKwh, double slotHours, double[] pricesEurPerMwh,
    double[] siteLoadKw, double importLimitKw, long timeLimitMillis) {

  public PlanRequest {
    Objects.requireNonNull(battery, "battery");
    Objects.requireNonNull(pricesEurPerMwh, "pricesEurPerMwh");
    if (!Double.isFinite(initialEnergyKwh) || initialEnergyKwh < 0) {
      throw new IllegalArgumentException("initialEnergyKwh must be finite and >= 0: " + initialEnergyKwh);
    }
    if (!(slotHours > 0) || Double.isInfinite(slotHours)) {
      throw new IllegalArgumentException("slotHours must be > 0: " + slotHours);
    }
    if (pricesEurPerMwh.length == 0) {
      throw new IllegalArgumentException("no prices to plan for");
    }
    requireFinite(pricesEurPerMwh, "pricesEurPerMwh");
    if (siteLoadKw != null) {
      if (siteLoadKw.length != pricesEurPerMwh.length) {
        throw new IllegalArgumentException("siteLoadKw has " + siteLoadKw.length + " slots, prices "
            + pricesEurPerMwh.length);
      }
      requireFinite(siteLoadKw, "siteLoadKw");
    }
    if (Double.isInfinite(importLimitKw)) {
      throw new IllegalArgumentException("importLimitKw must be finite, or NaN for none");
    }
    if (timeLimitMillis < 0) {
      throw new IllegalArgumentException("timeLimitMillis must be >= 0: " + timeLimitMillis);
    }
  }

  /** Arbitrage only: no site load, no import limit. */
  public static PlanRequest arbitrage(BatteryModel battery, double initialEnergyKwh, double slotHours,
      double[] pricesEurPerMwh, long timeLimitMillis) {
    return new PlanRequest(battery, initialEnergyKwh, slotHours, pricesEurPerMwh, null, Double.NaN, timeLimitMillis);
  }

  public int slots() {
    return pricesEurPerMwh.length;
  }

  boolean shavesPeaks() {
    return siteLoadKw != null && !Double.isNaN(importLimitKw);
  }

  private static void requireFinite(double[] values, String name) {
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException(name + "[" + i + "] must be finite: " + values[i]);
      }
    }
  }
}
