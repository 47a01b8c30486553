package io.nattery.cloud.trading;

import io.nattery.protocol.battery.BatteryModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The optimiser's figures: a fleet of 10,000 devices x 96 quarter-hours planned on 2 threads; a one-year
 * hourly full-horizon backtest; on the same year the rolling day-ahead value as a share of perfect
 * foresight and against a naive baseline; and the ojAlgo MILP on the same days, as the alternative
 * method. Not a test: run by bench/optimiser.sh. Arguments: [devices=10000] [rounds=3] [seed=2025].
 */
public final class OptimiserBench {

  private static final int THREADS = 2;

  private OptimiserBench() {
  }

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 2025;
    System.out.printf("setup: cpu %s, %d cores visible, load average %s, JVM %s %s%n", cpu(),
        Runtime.getRuntime().availableProcessors(), loadAverage(), System.getProperty("java.version"),
        ManagementFactory.getRuntimeMXBean().getInputArguments());

    PriceHistory year = SyntheticPrices.hourly(LocalDate.of(2025, 1, 1), 365, seed);
    long negative = Arrays.stream(year.pricesEurPerMwh()).filter(p -> p < 0).count();
    System.out.printf("prices: SYNTHETIC (no internet here): SyntheticPrices seed %d, 2025 hourly in Europe/Brussels,"
        + " %d slots, mean %.1f, min %.1f, max %.1f EUR/MWh, %d negative hours%n", seed, year.slots(),
        Arrays.stream(year.pricesEurPerMwh()).average().orElseThrow(), Arrays.stream(year.pricesEurPerMwh()).min().orElseThrow(),
        Arrays.stream(year.pricesEurPerMwh()).max().orElseThrow(), negative);

    fleet(devices, rounds, seed);
    yearBacktest(year, rounds);
    milpComparison(seed);
  }

  /** 10,000 devices, each a day of quarter-hours from the synthetic model, varied batteries and SOC. */
  private static void fleet(int devices, int rounds, long seed) throws Exception {
    PriceHistory quarterHours = SyntheticPrices.generate(LocalDate.of(2025, 1, 1), 365, Duration.ofMinutes(15), seed + 1);
    Random random = new Random(seed + 2);
    List<PlanRequest> requests = new ArrayList<>(devices);
    int shaving = 0;
    int negativeDays = 0;
    for (int i = 0; i < devices; i++) {
      int day = random.nextInt(365);
      double[] prices = dayOf(quarterHours, day);
      negativeDays += Arrays.stream(prices).anyMatch(p -> p < 0) ? 1 : 0;
      double socMin = 5 + random.nextDouble() * 10;
      double socMax = 85 + random.nextDouble() * 10;
      BatteryModel battery = new BatteryModel(5 + random.nextDouble() * 15, 2.5 + random.nextDouble() * 7.5,
          0.85 + random.nextDouble() * 0.1, socMin, socMax, socMin, random.nextInt(2) * random.nextDouble() * 0.03);
      double initial = battery.capacityKwh() * random.nextDouble(); // 0..100 %: some below or above the limits
      if (i % 5 == 0) {
        double[] load = new double[96];
        for (int t = 0; t < 96; t++) {
          double hour = t / 4.0;
          load[t] = 0.4 + 3 * Math.exp(-Math.pow((hour - 19) / 1.5, 2)) - 3 * Math.exp(-Math.pow((hour - 13) / 3, 2))
              + 0.5 * random.nextGaussian();
        }
        requests.add(new PlanRequest(battery, initial, 0.25, prices, load, 2.5, 1000));
        shaving++;
      } else {
        requests.add(PlanRequest.arbitrage(battery, initial, 0.25, prices, 1000));
      }
    }
    System.out.printf("%nfleet: %d devices x 96 quarter-hours on %d threads; capacity 5-20 kWh, power 2.5-10 kW, round trip"
        + " 85-95 %%, SOC limits 5-15/85-95 %%, start 0-100 %% (some outside the limits), half with a cycle cost up to"
        + " 0.03 EUR/kWh, %d with a 2.5 kW import limit; %d devices' days have negative prices%n",
        devices, THREADS, shaving, negativeDays);
    DispatchOptimiser optimiser = new DispatchOptimiser();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      double[] seconds = new double[rounds + 1];
      for (int round = 0; round <= rounds; round++) {
        long started = System.nanoTime();
        List<Future<double[]>> parts = new ArrayList<>();
        for (int part = 0; part < THREADS; part++) {
          int from = part * devices / THREADS;
          int to = (part + 1) * devices / THREADS;
          parts.add(pool.submit(() -> {
            double value = 0;
            double notProven = 0;
            for (int i = from; i < to; i++) {
              Plan plan = optimiser.plan(requests.get(i));
              value += plan.valueEur();
              notProven += plan.optimal() ? 0 : 1;
            }
            return new double[] {value, notProven};
          }));
        }
        double value = 0;
        double notProven = 0;
        for (Future<double[]> part : parts) {
          value += part.get()[0];
          notProven += part.get()[1];
        }
        seconds[round] = (System.nanoTime() - started) / 1e9;
        System.out.printf("  round %d%s: %.3f s (%.1f us per plan on one thread), fleet value %.2f EUR, plans not proven optimal: %.0f%n",
            round, round == 0 ? " (cold JVM)" : "", seconds[round], seconds[round] * 1e6 / devices * THREADS, value, notProven);
      }
      double[] warm = Arrays.copyOfRange(seconds, 1, seconds.length);
      Arrays.sort(warm);
      System.out.printf("fleet: median %.3f s over %d warm rounds, cold %.3f s (target < 10 s)%n", warm[warm.length / 2],
          warm.length, seconds[0]);
    } finally {
      pool.shutdown();
    }
  }

  private static void yearBacktest(PriceHistory year, int rounds) {
    BatteryModel battery = BatteryModel.defaults();
    System.out.printf("%nyear: %s, %d hourly slots%n", battery, year.slots());
    Backtest.Result full = null;
    double[] seconds = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      long started = System.nanoTime();
      full = Backtest.run(year, battery, Backtest.Horizon.FULL);
      seconds[round] = (System.nanoTime() - started) / 1e9;
    }
    System.out.printf("full-horizon backtest (one plan of %d slots): %s s per run, first run cold (target < 30 s);"
        + " proven optimal: %s%n", year.slots(), Arrays.toString(round3(seconds)), full.plansNotProvenOptimal() == 0);
    long started = System.nanoTime();
    Backtest.Result dayAhead = Backtest.run(year, battery, Backtest.Horizon.DAY_AHEAD);
    double dayAheadSeconds = (System.nanoTime() - started) / 1e9;
    Backtest.Result naive = NaiveBaseline.run(year, battery);
    System.out.printf("day-ahead backtest (%d daily plans): %.3f s, plans not proven optimal: %d%n", dayAhead.plans(),
        dayAheadSeconds, dayAhead.plansNotProvenOptimal());
    System.out.printf("value over the year (EUR):%n");
    row("perfect foresight (full)", full, full);
    row("rolling day-ahead", dayAhead, full);
    row("naive baseline", naive, full);
    System.out.printf("day-ahead = %.1f %% of perfect foresight, %.2f x the naive baseline (+%.2f EUR)%n",
        100 * dayAhead.valueEur() / full.valueEur(), dayAhead.valueEur() / naive.valueEur(),
        dayAhead.valueEur() - naive.valueEur());
    System.out.println("naive baseline: " + NaiveBaseline.DEFINITION);
  }

  private static void row(String name, Backtest.Result result, Backtest.Result full) {
    System.out.printf("  %-26s %9.2f  (%5.1f %%)  charged %8.1f kWh, discharged %8.1f kWh, %6.1f equivalent cycles%n",
        name, result.valueEur(), 100 * result.valueEur() / full.valueEur(), result.chargedKwh(), result.dischargedKwh(),
        result.equivalentCycles());
  }

  /** The alternative method, measured: ojAlgo's MILP on fleet-like days against the dynamic programme. */
  private static void milpComparison(long seed) {
    PriceHistory quarterHours = SyntheticPrices.generate(LocalDate.of(2025, 1, 1), 365, Duration.ofMinutes(15), seed + 1);
    DispatchOptimiser optimiser = new DispatchOptimiser();
    int days = 5; // the MILP takes seconds per day
    long milpNanos = 0;
    long dpNanos = 0;
    double worstShare = 1;
    for (int i = 0; i < days; i++) {
      // summer days first: the ones with negative prices, where the MILP needs its binaries
      double[] prices = dayOf(quarterHours, 160 + i * 7);
      PlanRequest request = PlanRequest.arbitrage(BatteryModel.defaults(), 5, 0.25, prices, 10_000);
      long started = System.nanoTime();
      MilpReference.Solution exact = MilpReference.solve(request);
      milpNanos += System.nanoTime() - started;
      started = System.nanoTime();
      Plan plan = null;
      for (int k = 0; k < 100; k++) {
        plan = optimiser.plan(request);
      }
      dpNanos += (System.nanoTime() - started) / 100;
      worstShare = Math.min(worstShare, plan.valueEur() / exact.valueEur());
    }
    System.out.printf("%nmethod: on %d summer days of 96 quarter-hours (one thread), ojAlgo MILP %.1f ms per plan,"
        + " dynamic programme %.1f us per plan (%.0f x faster); worst DP/MILP value %.6f%n", days,
        milpNanos / 1e6 / days, dpNanos / 1e3 / days, (double) milpNanos / dpNanos, worstShare);
  }

  /** 96 consecutive quarter-hours from about local midnight of day {@code day} (summer time shifts it an hour). */
  private static double[] dayOf(PriceHistory quarterHours, int day) {
    double[] prices = quarterHours.pricesEurPerMwh();
    int from = Math.min(day * 96, prices.length - 96);
    return Arrays.copyOfRange(prices, from, from + 96);
  }

  private static double[] round3(double[] values) {
    double[] rounded = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      rounded[i] = Math.round(values[i] * 1000) / 1000.0;
    }
    return rounded;
  }

  private static String cpu() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).strip();
      }
    }
    return "unknown";
  }

  private static String loadAverage() {
    return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
