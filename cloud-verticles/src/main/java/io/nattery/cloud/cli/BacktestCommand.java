package io.nattery.cloud.cli;

import io.nattery.cloud.trading.Backtest;
import io.nattery.cloud.trading.PriceHistory;
import io.nattery.protocol.battery.BatteryModel;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code backtest --prices FILE.csv [battery options] [--horizon day-ahead|full] [--out FILE]}: runs the
 * trading optimiser over a price history as PROTOCOL.md says. Prints one JSON object; with {@code --out}
 * writes the schedule CSV. A malformed CSV or an impossible battery exits 2 with the reason on stderr.
 */
@Command(name = "backtest", description = "Run the trading optimiser over a price history.")
final class BacktestCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--prices", required = true, paramLabel = "FILE.csv",
      description = "CSV with the header start,price: one row per MTU, start in ISO-8601 UTC, price in EUR/MWh")
  Path pricesFile;

  @Option(names = "--capacity-kwh", defaultValue = "10", description = "default ${DEFAULT-VALUE}")
  double capacityKwh;

  @Option(names = "--power-kw", defaultValue = "5", description = "default ${DEFAULT-VALUE}")
  double powerKw;

  @Option(names = "--round-trip-efficiency", defaultValue = "0.9", description = "default ${DEFAULT-VALUE}")
  double roundTripEfficiency;

  @Option(names = "--soc-min-pct", defaultValue = "10", description = "default ${DEFAULT-VALUE}")
  double socMinPct;

  @Option(names = "--soc-max-pct", defaultValue = "90", description = "default ${DEFAULT-VALUE}")
  double socMaxPct;

  @Option(names = "--soc-init-pct", defaultValue = "50", description = "default ${DEFAULT-VALUE}")
  double socInitPct;

  @Option(names = "--cycle-cost-eur-per-kwh", defaultValue = "0", description = "per discharged kWh, default ${DEFAULT-VALUE}")
  double cycleCostEurPerKwh;

  @Option(names = "--horizon", defaultValue = "day-ahead", converter = HorizonConverter.class, paramLabel = "day-ahead|full",
      description = "day-ahead (default): each day committed at 13:00 Europe/Brussels the day before; full: the whole file at once")
  Backtest.Horizon horizon;

  @Option(names = "--out", paramLabel = "FILE", description = "write the schedule CSV start,mode,rate_kw,soc_pct here")
  Path out;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    BatteryModel battery;
    try {
      battery = new BatteryModel(capacityKwh, powerKw, roundTripEfficiency, socMinPct, socMaxPct, socInitPct,
          cycleCostEurPerKwh);
    } catch (IllegalArgumentException e) {
      err.println("nattery: impossible battery: " + e.getMessage());
      err.flush();
      return 2;
    }
    PriceHistory prices;
    try (Reader reader = Files.newBufferedReader(pricesFile, StandardCharsets.UTF_8)) {
      prices = PriceHistory.parseCsv(reader);
    } catch (PriceHistory.Malformed e) {
      err.println("nattery: " + pricesFile + ": " + e.getMessage());
      err.flush();
      return 2;
    } catch (IOException e) {
      err.println("nattery: cannot read " + pricesFile + ": " + e);
      err.flush();
      return 2;
    }
    Backtest.Result result = Backtest.run(prices, battery, horizon);
    if (out != null) {
      try (Writer writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
        writeSchedule(result, writer);
      } catch (IOException e) {
        err.println("nattery: cannot write " + out + ": " + e);
        err.flush();
        return 1;
      }
    }
    JsonObject summary = new JsonObject()
        .put("revenue_eur", round(result.revenueEur()))
        .put("charged_kwh", round(result.chargedKwh()))
        .put("discharged_kwh", round(result.dischargedKwh()))
        .put("equivalent_cycles", round(result.equivalentCycles()))
        .put("slots", result.slots())
        .put("solve_ms", round(result.solveNanos() / 1e6));
    if (result.plansNotProvenOptimal() > 0) {
      // stdout's shape is the contract's; the warning goes where an operator sees it without breaking a parser
      err.println("nattery: warning: " + result.plansNotProvenOptimal() + " of " + result.plans()
        + " plans hit the time limit and are not proven within 0.1 % of the optimum");
      err.flush();
    }
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.println(summary.encode());
    stdout.flush();
    return 0;
  }

  static void writeSchedule(Backtest.Result result, Writer writer) throws IOException {
    writer.write("start,mode,rate_kw,soc_pct\n");
    for (int t = 0; t < result.slots(); t++) {
      writer.write(result.prices().slotStart(t) + "," + result.mode(t).wire() + "," + plain(result.rateKw(t)) + ","
          + plain(result.socPct(t)) + "\n");
    }
  }

  /** Six decimals: far below any meter, and no "1.0E-5" in a CSV. */
  private static String plain(double value) {
    BigDecimal rounded = BigDecimal.valueOf(value).setScale(6, RoundingMode.HALF_EVEN).stripTrailingZeros();
    return rounded.signum() == 0 ? "0" : rounded.toPlainString();
  }

  private static double round(double value) {
    return BigDecimal.valueOf(value).setScale(6, RoundingMode.HALF_EVEN).doubleValue();
  }

  static final class HorizonConverter implements CommandLine.ITypeConverter<Backtest.Horizon> {
    @Override
    public Backtest.Horizon convert(String value) {
      return switch (value) {
        case "day-ahead" -> Backtest.Horizon.DAY_AHEAD;
        case "full" -> Backtest.Horizon.FULL;
        default -> throw new CommandLine.TypeConversionException("expected day-ahead or full, found '" + value + "'");
      };
    }
  }
}
