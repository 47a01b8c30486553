package io.nattery.cloud.trading;

import io.nattery.protocol.battery.BatteryModel;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** The benchmark's naive baseline: cheapest hours charge, dearest hours discharge, day by day. */
final class NaiveBaseline {

  static final String DEFINITION = "each Europe/Brussels day, knowing its prices like day-ahead, marks its n cheapest slots"
      + " to charge and then its n dearest of the rest to discharge, n = ceil(usable capacity / (eta * power * h)) (a full"
      + " charge at full power), at most half the day; in time order it charges at full power up to the SOC maximum and"
      + " discharges at full power down to max(SOC minimum, initial energy - eta * power * h * (charge slots left that day)),"
      + " so that each day ends with at least the initial energy, as the day-ahead plans do; same battery model";

  private NaiveBaseline() {
  }

  static Backtest.Result run(PriceHistory prices, BatteryModel battery) {
    int slots = prices.slots();
    double h = prices.slotHours();
    double eta = battery.eta();
    double fullSlot = eta * battery.powerKw() * h;
    double initial = battery.initialEnergyKwh();
    double[] power = new double[slots];
    double[] energy = new double[slots];
    double stored = initial;
    int from = 0;
    while (from < slots) {
      int to = endOfDay(prices, from);
      int length = to - from;
      int n = Math.min((int) Math.ceil((battery.maxEnergyKwh() - battery.minEnergyKwh()) / fullSlot), length / 2);
      double[] day = Arrays.copyOfRange(prices.pricesEurPerMwh(), from, to);
      Integer[] byPrice = IntStream.range(0, length).boxed().sorted(Comparator.comparingDouble(t -> day[t])).toArray(Integer[]::new);
      boolean[] charge = new boolean[length];
      boolean[] discharge = new boolean[length];
      for (int k = 0; k < n; k++) {
        charge[byPrice[k]] = true;
        discharge[byPrice[length - 1 - k]] = true;
      }
      for (int t = 0; t < length; t++) {
        double chargeKw = 0;
        double dischargeKw = 0;
        if (charge[t]) {
          chargeKw = Math.min(battery.powerKw(), Math.max(0, (battery.maxEnergyKwh() - stored) / (eta * h)));
        } else if (discharge[t]) {
          int chargesLeft = 0;
          for (int later = t + 1; later < length; later++) {
            chargesLeft += charge[later] ? 1 : 0;
          }
          double floor = Math.max(battery.minEnergyKwh(), initial - fullSlot * chargesLeft);
          dischargeKw = Math.min(battery.powerKw(), Math.max(0, (stored - floor) * eta / h));
        }
        stored = battery.nextEnergyKwh(stored, chargeKw, dischargeKw, h);
        power[from + t] = dischargeKw - chargeKw;
        energy[from + t] = stored;
      }
      from = to;
    }
    return new Backtest.Result(prices, battery, power, energy, 0, 0, 0);
  }

  private static int endOfDay(PriceHistory prices, int from) {
    LocalDate day = LocalDate.ofInstant(prices.slotStart(from), Backtest.MARKET_ZONE);
    int to = from + 1;
    while (to < prices.slots() && LocalDate.ofInstant(prices.slotStart(to), Backtest.MARKET_ZONE).equals(day)) {
      to++;
    }
    return to;
  }
}
