package io.nattery.cloud.trading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nattery.protocol.battery.BatteryModel;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BacktestTest {

  private static final BatteryModel BATTERY = BatteryModel.defaults();
  /** 00:00 in Brussels on the day summer time starts: that delivery day has 23 hours. */
  private static final Instant SPRING_FORWARD_MIDNIGHT = Instant.parse("2026-03-28T23:00:00Z");

  private static double[] randomPrices(long seed, int slots) {
    Random random = new Random(seed);
    double[] prices = new double[slots];
    for (int t = 0; t < slots; t++) {
      prices[t] = 70 + 50 * Math.sin(2 * Math.PI * t / 96) + 40 * random.nextGaussian();
    }
    return prices;
  }

  /** The backtest's whole run, checked as one plan of the model: limits, balance, terminal, value. */
  private static void assertFeasible(PriceHistory prices, Backtest.Result result) {
    PlanRequest whole = PlanRequest.arbitrage(BATTERY, BATTERY.initialEnergyKwh(), prices.slotHours(),
        prices.pricesEurPerMwh(), 0);
    PlanCheck.assertFeasible(whole, new Plan(result.powerKw(), result.energyKwh(), result.valueEur(),
        result.valueEur(), true, 0, 0));
  }

  @Test
  void perfectForesightEarnsAtLeastTheDayAheadRun() {
    PriceHistory prices = new PriceHistory(SPRING_FORWARD_MIDNIGHT, Duration.ofMinutes(15), randomPrices(1, 92 + 96 * 4));

    Backtest.Result dayAhead = Backtest.run(prices, BATTERY, Backtest.Horizon.DAY_AHEAD);
    Backtest.Result full = Backtest.run(prices, BATTERY, Backtest.Horizon.FULL);

    assertFeasible(prices, dayAhead);
    assertFeasible(prices, full);
    assertEquals(5, dayAhead.plans(), "one plan per delivery day, the 23-hour day included");
    assertEquals(1, full.plans());
    assertEquals(0, dayAhead.plansNotProvenOptimal() + full.plansNotProvenOptimal());
    assertTrue(full.valueEur() >= dayAhead.valueEur() - 1e-9, full.valueEur() + " < " + dayAhead.valueEur());
    assertTrue(dayAhead.valueEur() > 0);
  }

  @Test
  void aDayIsCommittedWithoutKnowingTheNextDaysPrices() {
    // given two histories that agree on the first delivery day (92 quarter-hours) and differ after it
    double[] base = randomPrices(2, 92 + 96);
    double[] changed = base.clone();
    for (int t = 92; t < changed.length; t++) {
      changed[t] = 500 - changed[t] * 3;
    }
    PriceHistory first = new PriceHistory(SPRING_FORWARD_MIDNIGHT, Duration.ofMinutes(15), base);
    PriceHistory second = new PriceHistory(SPRING_FORWARD_MIDNIGHT, Duration.ofMinutes(15), changed);

    Backtest.Result a = Backtest.run(first, BATTERY, Backtest.Horizon.DAY_AHEAD);
    Backtest.Result b = Backtest.run(second, BATTERY, Backtest.Horizon.DAY_AHEAD);
    Backtest.Result c = Backtest.run(second, BATTERY, Backtest.Horizon.FULL);
    Backtest.Result d = Backtest.run(first, BATTERY, Backtest.Horizon.FULL);

    // then the day-ahead runs agree on the first day, where perfect foresight does not
    assertTrue(Arrays.equals(Arrays.copyOf(a.powerKw(), 92), Arrays.copyOf(b.powerKw(), 92)));
    assertTrue(!Arrays.equals(Arrays.copyOf(c.powerKw(), 92), Arrays.copyOf(d.powerKw(), 92)));
  }

  @Test
  void everyDayEndsWithAtLeastTheInitialEnergy() {
    PriceHistory prices = new PriceHistory(Instant.parse("2026-06-30T22:00:00Z"), Duration.ofHours(1), randomPrices(3, 24 * 6));

    Backtest.Result result = Backtest.run(prices, BATTERY, Backtest.Horizon.DAY_AHEAD);

    for (int day = 1; day <= 6; day++) {
      assertTrue(result.energyKwh()[24 * day - 1] >= BATTERY.initialEnergyKwh() - 1e-9, "day " + day);
    }
  }

  @Test
  void totalsFollowFromTheSlots() {
    // 5 kWh stored, 10 then 100 EUR/MWh: buys 4/eta kWh, sells 0.9 of that (see DispatchOptimiserTest)
    PriceHistory prices = new PriceHistory(Instant.parse("2026-06-30T22:00:00Z"), Duration.ofHours(1), new double[] {10, 100});

    Backtest.Result result = Backtest.run(prices, BATTERY, Backtest.Horizon.FULL);

    double bought = 4 / BATTERY.eta();
    assertEquals(bought, result.chargedKwh(), 1e-9);
    assertEquals(0.9 * bought, result.dischargedKwh(), 1e-9);
    assertEquals(0.08 * bought, result.revenueEur(), 1e-9);
    assertEquals(4.0 / 8.0, result.equivalentCycles(), 1e-9); // 4 kWh out of storage, 8 kWh usable
    assertEquals(90, result.socPct(0), 1e-9);
    assertEquals(50, result.socPct(1), 1e-9);
  }
}
