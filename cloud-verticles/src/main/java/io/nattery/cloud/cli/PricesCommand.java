package io.nattery.cloud.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code prices import FILE.xml [--zone Z]} and {@code prices fetch --zone Z --day D} (being built). */
@Command(name = "prices", description = "Import or fetch ENTSO-E day-ahead prices.")
final class PricesCommand implements Callable<Integer> {

  @Unmatched
  List<String> ignored;

  @Override
  public Integer call() {
    System.err.println("nattery: 'prices' is being built");
    return 2;
  }
}
