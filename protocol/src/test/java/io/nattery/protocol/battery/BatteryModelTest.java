package io.nattery.protocol.battery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BatteryModelTest {

  private static final double EPS = 1e-9;
  private final BatteryModel battery = BatteryModel.defaults();

  @Test
  void defaultsAreTheCliDefaults() {
    assertEquals(new BatteryModel(10, 5, 0.9, 10, 90, 50, 0), battery);
    assertEquals(Math.sqrt(0.9), battery.eta(), EPS);
    assertEquals(1.0, battery.minEnergyKwh(), EPS);
    assertEquals(9.0, battery.maxEnergyKwh(), EPS);
    assertEquals(5.0, battery.initialEnergyKwh(), EPS);
    assertEquals(50.0, battery.socPct(5.0), EPS);
  }

  @Test
  void roundTripLosesTheRoundTripEfficiency() {
    // given 1 kWh bought from the grid
    double stored = battery.nextEnergyKwh(5, 1, 0, 1);
    assertEquals(5 + Math.sqrt(0.9), stored, EPS);

    // when all that was stored is discharged again
    double dischargeKw = (stored - 5) * battery.eta();
    double after = battery.nextEnergyKwh(stored, 0, dischargeKw, 1);

    // then the grid gets 0.9 kWh back and the battery is where it started
    assertEquals(0.9, dischargeKw, EPS);
    assertEquals(5.0, after, EPS);
  }

  @Test
  void dischargeDrainsMoreThanItDelivers() {
    assertEquals(5 - 2 * 0.25 / Math.sqrt(0.9), battery.nextEnergyKwh(5, 0, 2, 0.25), EPS);
  }

  @Test
  void powersOutsideTheRulesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> battery.nextEnergyKwh(5, 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> battery.nextEnergyKwh(5, 5.1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> battery.nextEnergyKwh(5, 0, 6, 1));
    assertThrows(IllegalArgumentException.class, () -> battery.nextEnergyKwh(5, -1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> battery.nextEnergyKwh(5, 1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> battery.slotValueEur(50, 2, 2, 0.25));
  }

  @Test
  void valueOfASlot() {
    // selling 4 kW for a quarter-hour at 100 EUR/MWh earns 0.10 EUR
    assertEquals(0.10, battery.slotValueEur(100, 0, 4, 0.25), EPS);
    // buying it costs the same
    assertEquals(-0.10, battery.slotValueEur(100, 4, 0, 0.25), EPS);
    // the cycle cost is charged on discharged energy
    BatteryModel worn = new BatteryModel(10, 5, 0.9, 10, 90, 50, 0.02);
    assertEquals(0.10 - 0.02, worn.slotValueEur(100, 0, 4, 0.25), EPS);
  }

  @Test
  void negativePricePaysForChargingAndPunishesDischarging() {
    assertEquals(0.05, battery.slotValueEur(-50, 4, 0, 0.25), EPS);
    assertEquals(-0.05, battery.slotValueEur(-50, 0, 4, 0.25), EPS);
  }

  @Test
  void clampKeepsTheRequestWhenFeasible() {
    assertEquals(3.0, battery.clampPowerKw(5, 3, 0.25), EPS);
    assertEquals(-3.0, battery.clampPowerKw(5, -3, 0.25), EPS);
    assertEquals(5.0, battery.clampPowerKw(5, 8, 0.25), EPS);
    assertEquals(-5.0, battery.clampPowerKw(5, -8, 0.25), EPS);
    assertEquals(0.0, battery.clampPowerKw(5, 0, 0.25));
  }

  @Test
  void clampStopsChargingAtTheUpperLimit() {
    double kw = battery.clampPowerKw(8.5, -5, 0.25);

    assertEquals(-0.5 / (Math.sqrt(0.9) * 0.25), kw, EPS);
    assertEquals(battery.maxEnergyKwh(), battery.nextEnergyKwh(8.5, -kw, 0, 0.25), EPS);
  }

  @Test
  void clampStopsDischargingAtTheLowerLimit() {
    double kw = battery.clampPowerKw(1.5, 5, 0.25);

    assertEquals(0.5 * Math.sqrt(0.9) / 0.25, kw, EPS);
    assertEquals(battery.minEnergyKwh(), battery.nextEnergyKwh(1.5, 0, kw, 0.25), EPS);
  }

  @Test
  void clampGivesNothingPastTheLimits() {
    assertEquals(0.0, battery.clampPowerKw(1.0, 5, 0.25));
    assertEquals(0.0, battery.clampPowerKw(0.5, 5, 0.25));
    assertEquals(0.0, battery.clampPowerKw(9.0, -5, 0.25));
    assertEquals(0.0, battery.clampPowerKw(9.5, -5, 0.25));
  }

  @Test
  void constructorRefusesImpossibleBatteries() {
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(0, 5, 0.9, 10, 90, 50, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(10, -1, 0.9, 10, 90, 50, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(10, 5, 1.2, 10, 90, 50, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(10, 5, 0, 10, 90, 50, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(10, 5, 0.9, 90, 10, 50, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(10, 5, 0.9, 10, 101, 50, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(10, 5, 0.9, 10, 90, 95, 0));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(10, 5, 0.9, 10, 90, 50, -0.01));
    assertThrows(IllegalArgumentException.class, () -> new BatteryModel(Double.NaN, 5, 0.9, 10, 90, 50, 0));
  }
}
