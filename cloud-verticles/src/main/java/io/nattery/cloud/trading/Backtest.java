package io.nattery.cloud.trading;

import io.nattery.protocol.Mode;
import io.nattery.protocol.battery.BatteryModel;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;

/**
 * Runs the optimiser over a price history, as PROTOCOL.md's {@code backtest} does.
 *
 * <p>{@link Horizon#DAY_AHEAD}: each delivery day (a day in Europe/Brussels) is committed at 13:00 of
 * the day before, when that day's prices and the delivery day's are published. The rest of the day
 * before was committed a day earlier, so the energy at the start of the delivery day is already fixed
 * and its prices can change nothing: each delivery day is planned alone, from the energy the previous
 * day's plan ends with, knowing only its own prices. Each day must end with at least the initial
 * energy of the run, the model's terminal rule applied day by day, so that no day borrows energy from
 * a day it cannot see and the whole run ends as the model asks. A partial first or last day is
 * planned the same way. {@link Horizon#FULL} plans the whole history at once (perfect foresight).
 */
public final class Backtest {

  public enum Horizon { DAY_AHEAD, FULL }

  public static final ZoneId MARKET_ZONE = ZoneId.of("Europe/Brussels");

  /** Per plan; the exact programme takes well under a second even for a year of hours. */
  private static final long PLAN_TIME_LIMIT_MILLIS = 60_000;

  private Backtest() {
  }

  /** What the battery did, slot by slot, and the totals PROTOCOL.md's backtest prints. */
  public record Result(PriceHistory prices, BatteryModel battery, double[] powerKw, double[] energyKwh,
      int plans, int plansNotProvenOptimal, long solveNanos) {

    public int slots() {
      return powerKw.length;
    }

    /** Market cash flow: sum of price * (discharge - charge) * h, EUR (before any cycle cost). */
    public double revenueEur() {
      double revenue = 0;
      for (int t = 0; t < slots(); t++) {
        revenue += prices.pricesEurPerMwh()[t] / 1000 * powerKw[t] * prices.slotHours();
      }
      return revenue;
    }

    /** The model's objective: revenue less the cycle cost of the discharged energy. */
    public double valueEur() {
      return revenueEur() - battery.cycleCostEurPerKwh() * dischargedKwh();
    }

    /** Energy taken from the grid, kWh. */
    public double chargedKwh() {
      double total = 0;
      for (double power : powerKw) {
        total += Math.max(0, -power) * prices.slotHours();
      }
      return total;
    }

    /** Energy delivered to the grid, kWh. */
    public double dischargedKwh() {
      double total = 0;
      for (double power : powerKw) {
        total += Math.max(0, power) * prices.slotHours();
      }
      return total;
    }

    /**
     * Full cycles of the usable capacity: the energy drawn out of storage (discharged kWh / eta, the
     * losses included) over the capacity between the SOC limits; one swing from max to min counts 1.
     */
    public double equivalentCycles() {
      double usable = battery.maxEnergyKwh() - battery.minEnergyKwh();
      return dischargedKwh() / battery.eta() / usable;
    }

    public Mode mode(int slot) {
      return powerKw[slot] > 0 ? Mode.DISCHARGE : powerKw[slot] < 0 ? Mode.CHARGE : Mode.IDLE;
    }

    public double rateKw(int slot) {
      return Math.abs(powerKw[slot]);
    }

    /** SOC at the end of the slot. */
    public double socPct(int slot) {
      return battery.socPct(energyKwh[slot]);
    }
  }

  public static Result run(PriceHistory prices, BatteryModel battery, Horizon horizon) {
    DispatchOptimiser optimiser = new DispatchOptimiser();
    int slots = prices.slots();
    double[] power = new double[slots];
    double[] energy = new double[slots];
    double initial = battery.initialEnergyKwh();
    long solveNanos = 0;
    int plans = 0;
    int notProven = 0;
    double stored = initial;
    int from = 0;
    while (from < slots) {
      int to = horizon == Horizon.FULL ? slots : endOfDay(prices, from);
      PlanRequest request = PlanRequest.arbitrage(battery, stored, prices.slotHours(),
          Arrays.copyOfRange(prices.pricesEurPerMwh(), from, to), PLAN_TIME_LIMIT_MILLIS);
      Plan plan = optimiser.plan(request, initial);
      System.arraycopy(plan.powerKw(), 0, power, from, to - from);
      System.arraycopy(plan.energyKwh(), 0, energy, from, to - from);
      stored = plan.energyKwh()[to - from - 1];
      solveNanos += plan.solveNanos();
      plans++;
      notProven += plan.optimal() ? 0 : 1;
      from = to;
    }
    return new Result(prices, battery, power, energy, plans, notProven, solveNanos);
  }

  /** The first slot after {@code from} that starts on another day in the market's time zone. */
  private static int endOfDay(PriceHistory prices, int from) {
    LocalDate day = LocalDate.ofInstant(prices.slotStart(from), MARKET_ZONE);
    int to = from + 1;
    while (to < prices.slots() && LocalDate.ofInstant(prices.slotStart(to), MARKET_ZONE).equals(day)) {
      to++;
    }
    return to;
  }
}
