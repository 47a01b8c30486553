package io.nattery.edge.simulator;

import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.battery.BatteryModel;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * One inverter with its battery, stepped by the simulator. The battery follows PROTOCOL.md's model:
 * the requested power is clamped by {@link BatteryModel#clampPowerKw} (rating and SOC limits) and the
 * stored energy advanced by {@link BatteryModel#nextEnergyKwh}. Grid = load - PV - battery. Voltage from
 * a simple open-circuit curve and internal resistance; temperature relaxes towards ambient plus a rise
 * proportional to the power. Not thread-safe: the simulator steps it under its own lock.
 */
final class BatteryPhysics {
  private static final double RESISTANCE_OHM = 0.025;
  private static final double THERMAL_TAU_S = 1800;
  private static final double RISE_C_PER_W = 0.002;
  private static final double FAULT_TEMP_C = 60;
  private static final double FAULT_CLEAR_TEMP_C = 50;

  private final BatteryModel model;
  private final SiteProfile site;

  private double energyKwh;
  private double tempC = 22;
  private boolean fault;
  private double chargedWh;
  private double dischargedWh;
  private double importWh;
  private double exportWh;
  private double pvWh;

  private double pvW;
  private double loadW;
  private double batteryW;
  private double gridW;
  private double voltageV;
  private double currentA;
  private InverterState state = InverterState.STANDBY;
  private final List<String> alarms = new ArrayList<>();

  BatteryPhysics(BatteryModel model, SiteProfile site) {
    this.model = model;
    this.site = site;
    this.energyKwh = model.initialEnergyKwh();
    this.voltageV = openCircuitV();
  }

  void step(ZonedDateTime local, double dtSeconds, Mode mode, double setpointW) {
    double hours = dtSeconds / 3600;
    pvW = site.pvW(local, dtSeconds);
    loadW = site.loadW(local, dtSeconds);
    double requestedW = switch (mode) {
      case CHARGE -> -Math.abs(setpointW);
      case DISCHARGE -> Math.abs(setpointW);
      case IDLE -> 0;
      case SELF_CONSUMPTION -> loadW - pvW;
    };
    if (fault) {
      requestedW = 0;
    }
    double kw = model.clampPowerKw(energyKwh, requestedW / 1000, hours);
    double chargeKw = Math.max(0, -kw);
    double dischargeKw = Math.max(0, kw);
    energyKwh = model.nextEnergyKwh(energyKwh, chargeKw, dischargeKw, hours);
    // floating point may land a hair outside the limits the clamp kept us within
    energyKwh = Math.min(model.maxEnergyKwh(), Math.max(model.minEnergyKwh(), energyKwh));
    batteryW = kw * 1000;
    gridW = loadW - pvW - batteryW;

    chargedWh += chargeKw * 1000 * hours;
    dischargedWh += dischargeKw * 1000 * hours;
    importWh += Math.max(0, gridW) * hours;
    exportWh += Math.max(0, -gridW) * hours;
    pvWh += pvW * hours;

    double ocv = openCircuitV();
    currentA = batteryW / ocv;
    voltageV = ocv - currentA * RESISTANCE_OHM;
    currentA = batteryW / voltageV;

    double hour = local.getHour() + local.getMinute() / 60.0;
    double ambientC = 20 + 4 * Math.sin(2 * Math.PI * (hour - 9) / 24);
    double equilibriumC = ambientC + RISE_C_PER_W * Math.abs(batteryW);
    tempC = equilibriumC + (tempC - equilibriumC) * Math.exp(-dtSeconds / THERMAL_TAU_S);
    if (tempC >= FAULT_TEMP_C) {
      fault = true;
    } else if (fault && tempC < FAULT_CLEAR_TEMP_C) {
      fault = false;
    }

    alarms.clear();
    if (tempC > 55) {
      alarms.add("battery_over_temp_alarm");
    } else if (tempC > 45) {
      alarms.add("battery_over_temp_warning");
    }
    if (requestedW > 0 && kw == 0 && !fault) {
      alarms.add("battery_under_soc_min_warning");
    }
    if (requestedW < 0 && kw == 0 && !fault) {
      alarms.add("battery_over_soc_max_warning");
    }
    state = fault ? InverterState.FAULT
        : (pvW > 1 || batteryW != 0) ? InverterState.RUNNING : InverterState.STANDBY;
  }

  private double openCircuitV() {
    // 16 LFP cells: about 48 V empty to 54.4 V full
    return 48.0 + 6.4 * socPct() / 100;
  }

  double socPct() {
    return model.socPct(energyKwh);
  }

  double energyKwh() {
    return energyKwh;
  }

  BatteryModel model() {
    return model;
  }

  double pvW() {
    return pvW;
  }

  double loadW() {
    return loadW;
  }

  double batteryW() {
    return batteryW;
  }

  double gridW() {
    return gridW;
  }

  double voltageV() {
    return voltageV;
  }

  double currentA() {
    return currentA;
  }

  double tempC() {
    return tempC;
  }

  InverterState state() {
    return state;
  }

  List<String> alarms() {
    return List.copyOf(alarms);
  }

  double chargedWh() {
    return chargedWh;
  }

  double dischargedWh() {
    return dischargedWh;
  }

  double importWh() {
    return importWh;
  }

  double exportWh() {
    return exportWh;
  }

  double pvWh() {
    return pvWh;
  }

  /** The "ChaSt" code of SunSpec model 124. */
  String chargeStatus() {
    if (batteryW < 0) {
      return "charging";
    }
    if (batteryW > 0) {
      return "discharging";
    }
    if (energyKwh >= model.maxEnergyKwh() - 1e-6) {
      return "full";
    }
    if (energyKwh <= model.minEnergyKwh() + 1e-6) {
      return "empty";
    }
    return "holding";
  }
}
