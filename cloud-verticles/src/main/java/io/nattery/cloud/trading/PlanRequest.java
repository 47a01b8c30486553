package io.nattery.cloud.trading;

import io.nattery.protocol.battery.BatteryModel;

public record PlanRequest(BatteryModel battery, double initialEnergyKwh, double slotHours, double[] pricesEurPerMwh,
    double[] siteLoadKw, double importLimitKw, long timeLimitMillis) {
}
