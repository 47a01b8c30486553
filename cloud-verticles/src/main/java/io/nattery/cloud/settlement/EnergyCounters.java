package io.nattery.cloud.settlement;

/**
 * The inverter's cumulative energy counters at one reading (Wh), or the energy they moved between two readings:
 * battery charged and discharged, site grid import and export.
 */
public record EnergyCounters(long chargedWh, long dischargedWh, long importWh, long exportWh) {

  /** What the counters moved since {@code earlier}. */
  public EnergyCounters minus(EnergyCounters earlier) {
    return new EnergyCounters(chargedWh - earlier.chargedWh, dischargedWh - earlier.dischargedWh,
      importWh - earlier.importWh, exportWh - earlier.exportWh);
  }

  /** True when no counter is lower than in {@code earlier}: none went backwards. */
  public boolean noneBelow(EnergyCounters earlier) {
    return chargedWh >= earlier.chargedWh && dischargedWh >= earlier.dischargedWh
      && importWh >= earlier.importWh && exportWh >= earlier.exportWh;
  }
}
