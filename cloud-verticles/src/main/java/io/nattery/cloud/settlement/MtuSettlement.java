package io.nattery.cloud.settlement;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Objects;

/**
 * One device's settlement of one MTU: the energy its counters moved, valued at the day-ahead price. Money is in
 * EUR to the micro-euro (Wh times EUR/MWh, divided by a million), so sums over a year are still right to the cent.
 *
 * @param energy what the counters moved in the MTU; null unless {@code status} is settled
 */
public record MtuSettlement(String deviceId, String zone, Instant start, Instant end, double priceEurMwh,
                            SettlementStatus status, EnergyCounters energy) {

  /** Money's scale: micro-euros. */
  public static final int SCALE = 6;

  public MtuSettlement {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(status, "status");
    if ((status == SettlementStatus.SETTLED) != (energy != null)) {
      throw new IllegalArgumentException("energy is given exactly when the MTU is settled");
    }
  }

  /** The battery's value: what it sold minus what it bought, {@code price * (discharged - charged)}. */
  public BigDecimal batteryValueEur() {
    return energy == null ? null : eur(energy.dischargedWh() - energy.chargedWh());
  }

  /** The site's grid cost with its battery: {@code price * (import - export)}. */
  public BigDecimal gridCostEur() {
    return energy == null ? null : eur(energy.importWh() - energy.exportWh());
  }

  /**
   * The same site's grid cost without the battery: its net import plus what the battery supplied, minus what it
   * took, {@code price * (import - export + discharged - charged)}.
   */
  public BigDecimal gridCostWithoutBatteryEur() {
    return energy == null ? null
      : eur(energy.importWh() - energy.exportWh() + energy.dischargedWh() - energy.chargedWh());
  }

  private BigDecimal eur(long wh) {
    return BigDecimal.valueOf(priceEurMwh).multiply(BigDecimal.valueOf(wh))
      .movePointLeft(6).setScale(SCALE, RoundingMode.HALF_EVEN);
  }
}
