package io.nattery.cloud.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BacktestCommandTest {

  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {
  }

  private Run nattery(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new NatteryCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Three days of hourly prices: cheap nights, dear evenings, a negative midday. */
  private Path threeDays() throws Exception {
    StringBuilder csv = new StringBuilder("start,price\n");
    Instant start = Instant.parse("2026-06-30T22:00:00Z");
    for (int h = 0; h < 72; h++) {
      int hour = h % 24;
      double price = hour < 6 ? 40 : hour >= 11 && hour <= 14 ? -15 : hour >= 18 && hour <= 21 ? 180 : 90;
      csv.append(start.plusSeconds(3600L * h)).append(',').append(price + h % 5).append('\n');
    }
    Path file = dir.resolve("prices.csv");
    Files.writeString(file, csv);
    return file;
  }

  @Test
  void bothHorizonsPrintTheSummary() throws Exception {
    Path prices = threeDays();

    Run dayAhead = nattery("backtest", "--prices", prices.toString());
    Run full = nattery("backtest", "--prices", prices.toString(), "--horizon", "full");

    assertEquals(0, dayAhead.exit(), dayAhead.err());
    assertEquals(0, full.exit(), full.err());
    JsonObject a = new JsonObject(dayAhead.out().strip());
    JsonObject b = new JsonObject(full.out().strip());
    assertEquals(Set.of("revenue_eur", "charged_kwh", "discharged_kwh", "equivalent_cycles", "slots", "solve_ms"),
        a.fieldNames());
    assertEquals(72, a.getInteger("slots"));
    assertTrue(a.getDouble("revenue_eur") > 0);
    assertTrue(b.getDouble("revenue_eur") >= a.getDouble("revenue_eur") - 1e-6);
    assertTrue(a.getDouble("charged_kwh") > a.getDouble("discharged_kwh"), "losses are bought");
    assertTrue(a.getDouble("equivalent_cycles") > 1);
    assertEquals(1, dayAhead.out().lines().count(), "one JSON object on stdout");
  }

  @Test
  void batteryOptionsChangeThePlan() throws Exception {
    Path prices = threeDays();

    JsonObject small = new JsonObject(nattery("backtest", "--prices", prices.toString()).out().strip());
    JsonObject big = new JsonObject(nattery("backtest", "--prices", prices.toString(), "--capacity-kwh", "20",
        "--power-kw", "10", "--round-trip-efficiency", "0.95", "--soc-min-pct", "5", "--soc-max-pct", "95",
        "--soc-init-pct", "20", "--cycle-cost-eur-per-kwh", "0.01").out().strip());

    assertTrue(big.getDouble("discharged_kwh") > small.getDouble("discharged_kwh"));
  }

  @Test
  void outWritesTheSchedule() throws Exception {
    Path prices = threeDays();
    Path schedule = dir.resolve("schedule.csv");

    Run run = nattery("backtest", "--prices", prices.toString(), "--out", schedule.toString());

    assertEquals(0, run.exit(), run.err());
    List<String> lines = Files.readAllLines(schedule);
    assertEquals("start,mode,rate_kw,soc_pct", lines.get(0));
    assertEquals(73, lines.size());
    assertTrue(lines.get(1).startsWith("2026-06-30T22:00:00Z,"));
    double soc = 50;
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",");
      assertTrue(Set.of("charge", "discharge", "idle").contains(fields[1]), line);
      double rate = Double.parseDouble(fields[2]);
      assertTrue(rate >= 0 && rate <= 5 + 1e-9, line);
      assertEquals(fields[1].equals("idle"), rate == 0, line);
      double next = Double.parseDouble(fields[3]);
      assertTrue(next >= 10 - 1e-6 && next <= 90 + 1e-6, line);
      // the SOC moves with the mode: up when charging, down when discharging
      assertTrue(fields[1].equals("charge") ? next > soc : fields[1].equals("discharge") ? next < soc : next == soc, line);
      soc = next;
    }
    assertTrue(soc >= 50 - 1e-6, "ends with at least the initial SOC");
  }

  @Test
  void aMalformedCsvExits2WithTheLineNumber() throws Exception {
    Path bad = dir.resolve("bad.csv");
    Files.writeString(bad, "start,price\n2026-11-23T00:00:00Z,1\n2026-11-23T00:15:00Z,1\n2026-11-23T00:30:00Z,x\n");
    Path header = dir.resolve("header.csv");
    Files.writeString(header, "when;price\n");

    Run badRow = nattery("backtest", "--prices", bad.toString());
    Run badHeader = nattery("backtest", "--prices", header.toString());
    Run missing = nattery("backtest", "--prices", dir.resolve("none.csv").toString());

    assertEquals(2, badRow.exit());
    assertTrue(badRow.err().contains("line 4"), badRow.err());
    assertEquals("", badRow.out());
    assertEquals(2, badHeader.exit());
    assertTrue(badHeader.err().contains("line 1"), badHeader.err());
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("none.csv"), missing.err());
  }

  @Test
  void badOptionsExit2() throws Exception {
    Path prices = threeDays();

    Run horizon = nattery("backtest", "--prices", prices.toString(), "--horizon", "week");
    Run soc = nattery("backtest", "--prices", prices.toString(), "--soc-init-pct", "95");
    Run efficiency = nattery("backtest", "--prices", prices.toString(), "--round-trip-efficiency", "1.5");
    Run noPrices = nattery("backtest");

    assertEquals(2, horizon.exit());
    assertTrue(horizon.err().contains("day-ahead or full"), horizon.err());
    assertEquals(2, soc.exit());
    assertTrue(soc.err().contains("socInitPct"), soc.err());
    assertEquals(2, efficiency.exit());
    assertEquals(2, noPrices.exit());
  }
}
