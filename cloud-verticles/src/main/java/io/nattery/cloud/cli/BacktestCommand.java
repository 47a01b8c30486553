package io.nattery.cloud.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code backtest --prices FILE.csv ...} (being built). */
@Command(name = "backtest", description = "Run the trading optimiser over a price history.")
final class BacktestCommand implements Callable<Integer> {

  @Unmatched
  List<String> ignored;

  @Override
  public Integer call() {
    System.err.println("nattery: 'backtest' is being built");
    return 2;
  }
}
