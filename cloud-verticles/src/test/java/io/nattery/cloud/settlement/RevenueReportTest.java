package io.nattery.cloud.settlement;

import io.nattery.cloud.api.Problems;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RevenueReportTest {

  private static final Instant LATE = Instant.parse("2026-11-22T22:45:00Z");
  private static final Instant MIDNIGHT_BRUSSELS = Instant.parse("2026-11-22T23:00:00Z");

  @Test
  void daysAreBrusselsDaysAndAddUpToTheTotal() {
    List<RevenueReport.MtuTotals> mtus = List.of(
      settled(LATE, 80.0, 1000, 0, 1200, 0, "-0.080000", "0.096000", "0.016000"),
      settled(MIDNIGHT_BRUSSELS, 120.0, 0, 500, 100, 300, "0.060000", "-0.024000", "0.036000"),
      new RevenueReport.MtuTotals(MIDNIGHT_BRUSSELS.plusSeconds(900), MIDNIGHT_BRUSSELS.plusSeconds(1800), 95.5, 0, 1,
        0, null, null, null, null, null, null, null));

    JsonObject report = RevenueReport.json("pi-1", LATE, MIDNIGHT_BRUSSELS.plusSeconds(1800), mtus, List.of());

    JsonArray days = report.getJsonArray("days");
    assertEquals(2, days.size());
    assertEquals("2026-11-22", days.getJsonObject(0).getString("day"));
    assertEquals("2026-11-23", days.getJsonObject(1).getString("day"));
    assertEquals(2, days.getJsonObject(1).getInteger("mtus"));
    assertEquals(1, days.getJsonObject(1).getInteger("counter_reset"));
    assertEquals(500L, days.getJsonObject(1).getLong("discharged_wh"));
    JsonObject total = report.getJsonObject("total");
    assertEquals(3, total.getInteger("mtus"));
    assertEquals(2, total.getInteger("settled"));
    assertEquals(1000L, total.getLong("charged_wh"));
    assertEquals(1300L, total.getLong("import_wh"));
    assertEquals(new BigDecimal("-0.020000"), new BigDecimal(total.getValue("battery_revenue_eur").toString()));
    assertEquals(new BigDecimal("0.072000"), new BigDecimal(total.getValue("grid_cost_eur").toString()));
    assertEquals(new BigDecimal("0.052000"),
      new BigDecimal(total.getValue("grid_cost_without_battery_eur").toString()));
    JsonObject unsettled = report.getJsonArray("mtus").getJsonObject(2);
    assertNull(unsettled.getValue("charged_wh"));
    assertEquals(95.5, unsettled.getDouble("price_eur_mwh"));
    assertTrue(report.containsKey("schedules"));
    // the encoded JSON carries the exact decimals
    assertTrue(report.encode().contains("\"battery_revenue_eur\":-0.020000"), report.encode());
  }

  @Test
  void theFleetAnswerHasNoSchedules() {
    JsonObject report = RevenueReport.json(null, LATE, MIDNIGHT_BRUSSELS, List.of(), null);

    assertFalse(report.containsKey("schedules"));
    assertNull(report.getString("device_id"));
    assertEquals(0, report.getJsonObject("total").getInteger("mtus"));
    assertEquals(0L, report.getJsonObject("total").getLong("charged_wh"));
  }

  @Test
  void csvHasAHeaderAndOneRowPerMtuWithUnknownsEmpty() {
    List<RevenueReport.MtuTotals> mtus = List.of(
      settled(LATE, 80.0, 1000, 0, 1200, 0, "-0.080000", "0.096000", "0.016000"),
      new RevenueReport.MtuTotals(MIDNIGHT_BRUSSELS, MIDNIGHT_BRUSSELS.plusSeconds(900), null, 0, 0, 2,
        null, null, null, null, null, null, null));

    String[] lines = RevenueReport.csv(mtus).split("\r\n");

    assertEquals(3, lines.length);
    assertEquals(RevenueReport.CSV_HEADER, lines[0]);
    assertEquals("2026-11-22T22:45:00Z,2026-11-22T23:00:00Z,80.0,1,0,0,1000,0,1200,0,0.096000,0.016000,-0.080000",
      lines[1]);
    assertEquals("2026-11-22T23:00:00Z,2026-11-22T23:15:00Z,,0,0,2,,,,,,,", lines[2]);
  }

  @Test
  void csvOnlyWhenTheClientPrefersIt() {
    assertTrue(RevenueReport.prefersCsv("text/csv"));
    assertTrue(RevenueReport.prefersCsv("text/csv, */*;q=0.1"));
    assertTrue(RevenueReport.prefersCsv("application/json;q=0.5, text/csv"));
    assertFalse(RevenueReport.prefersCsv(null));
    assertFalse(RevenueReport.prefersCsv("*/*"));
    assertFalse(RevenueReport.prefersCsv("application/json, text/csv;q=0.9"));
    assertFalse(RevenueReport.prefersCsv("text/csv;q=0"));
    assertFalse(RevenueReport.prefersCsv("text/csv;q=nonsense"));
  }

  @Test
  void aQueryNeedsAValidDeviceAndAnOrderedRangeOfAtMostAYear() {
    assertEquals(List.of(), problems("pi-0001", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"));
    assertEquals(List.of(), problems("pi-0001", "2026-11-23T00:00:00+01:00", "2027-11-24T00:00:00+01:00"));
    assertEquals(List.of("to"), problems(null, "2026-11-23T00:00:00+01:00", "2027-11-24T00:00:00+01:00"));
    assertEquals(List.of("device_id"), problems("pi 1;--", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"));
    assertEquals(List.of("from", "to"), problems(null, null, "yesterday"));
    assertEquals(List.of("from"), problems(null, "2026-11-23", "2026-11-24T00:00:00Z"));
    assertEquals(List.of("to"), problems(null, "2026-11-23T00:00:00Z", "2026-11-23T00:00:00Z"));
    assertEquals(List.of("to"), problems(null, "2026-01-01T00:00:00Z", "2027-01-02T00:00:01Z"));

    RevenueRoutes.Query query = RevenueRoutes.query(null, "2026-11-23T00:00:00+01:00", "2026-11-24T00:00:00Z",
      new ArrayList<>());
    assertEquals(Instant.parse("2026-11-22T23:00:00Z"), query.from());
    assertEquals(LocalDate.of(2026, 11, 23), LocalDate.ofInstant(query.from(), RevenueReport.MARKET_DAY));
  }

  @Test
  void theWholeFleetIsAskedForAMonthAtMost() {
    assertEquals(List.of(), problems(null, "2026-11-01T00:00:00Z", "2026-12-02T00:00:00Z"));
    assertEquals(List.of("to"), problems(null, "2026-11-01T00:00:00Z", "2026-12-02T00:00:01Z"));
    assertEquals(List.of(), problems("pi-0001", "2026-11-01T00:00:00Z", "2026-12-02T00:00:01Z"));
  }

  @Test
  void realisedValueIsNetOfCycleCostAsThePlannedValueIs() {
    // 0.255 EUR gross for 1500 Wh discharged at 0.05 EUR/kWh of cycle cost: 0.075 EUR of wear
    RevenueReport.SchedulePlan worn = plan(new BigDecimal("0.255000"), 1500L, new BigDecimal("0.05"));
    RevenueReport.SchedulePlan unsettled = plan(null, null, new BigDecimal("0.05"));
    RevenueReport.SchedulePlan noStrategy = plan(new BigDecimal("-0.090000"), 0L, BigDecimal.ZERO);

    JsonObject json = RevenueReport.json("pi-1", LATE, MIDNIGHT_BRUSSELS, List.of(), List.of(worn, unsettled, noStrategy));

    JsonObject first = json.getJsonArray("schedules").getJsonObject(0);
    assertTrue(json.encode().contains("\"realised_net_value_eur\":0.180000"), json.encode());
    assertEquals(new BigDecimal("0.075000"), worn.realisedCycleCostEur());
    assertEquals(0.30, first.getDouble("planned_net_value_eur"));
    assertEquals(0.255, first.getDouble("realised_gross_value_eur"), 1e-12);
    assertEquals(1500L, first.getLong("realised_discharged_wh"));
    assertEquals(0.18, first.getDouble("realised_net_value_eur"), 1e-12);
    assertEquals(new BigDecimal("0.000000"), unsettled.realisedNetValueEur());
    assertEquals(new BigDecimal("-0.090000"), noStrategy.realisedNetValueEur());
    assertFalse(first.containsKey("realised_value_eur"), "no field leaves open whether it is gross or net");
  }

  private static RevenueReport.SchedulePlan plan(BigDecimal gross, Long dischargedWh, BigDecimal cycleCost) {
    return new RevenueReport.SchedulePlan("00000000-0000-0000-0000-000000000001", 1, LocalDate.of(2026, 11, 23),
      "arbitrage", 0.30, true, 96, LATE, MIDNIGHT_BRUSSELS, null, 4, 0, gross, dischargedWh, cycleCost);
  }

  private static List<String> problems(String device, String from, String to) {
    List<Problems.FieldProblem> errors = new ArrayList<>();
    RevenueRoutes.query(device, from, to, errors);
    return errors.stream().map(Problems.FieldProblem::field).toList();
  }

  private static RevenueReport.MtuTotals settled(Instant start, double price, long charged, long discharged,
                                                 long imported, long exported, String revenue, String cost,
                                                 String costWithout) {
    return new RevenueReport.MtuTotals(start, start.plusSeconds(900), price, 1, 0, 0, charged, discharged, imported,
      exported, new BigDecimal(cost), new BigDecimal(costWithout), new BigDecimal(revenue));
  }
}
