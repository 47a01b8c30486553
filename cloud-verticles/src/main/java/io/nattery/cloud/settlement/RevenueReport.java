package io.nattery.cloud.settlement;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The revenue answer, from settlement rows already summed per MTU: each MTU, each day (Europe/Brussels) and the
 * total; and, for one device, each schedule's planned against realised value. Energy in Wh, money in EUR to the
 * micro-euro, so days add up to the total exactly. Only settled device-MTUs carry energy and money; the others are
 * counted ({@code counter_reset}, {@code gap}). Per MTU, {@code battery_revenue_eur} is the battery's gross value;
 * per schedule, {@code planned_net_value_eur} and {@code realised_net_value_eur} are both net of cycle cost.
 */
public final class RevenueReport {

  public static final ZoneId MARKET_DAY = ZoneId.of("Europe/Brussels");
  public static final String CSV_HEADER = "start,end,price_eur_mwh,settled,counter_reset,gap,charged_wh,"
    + "discharged_wh,import_wh,export_wh,grid_cost_eur,grid_cost_without_battery_eur,battery_revenue_eur";

  /**
   * One MTU, summed over the devices asked for.
   *
   * @param price the price when every device had the same (always for one device), else null
   * @param chargedWh and the other sums: null when no device settled this MTU
   */
  public record MtuTotals(Instant start, Instant end, Double price, int settled, int counterReset, int gap,
                          Long chargedWh, Long dischargedWh, Long importWh, Long exportWh, BigDecimal gridCostEur,
                          BigDecimal gridCostWithoutBatteryEur, BigDecimal batteryRevenueEur) {
  }

  /**
   * One published schedule of the trading run and what it realised over the MTUs it was in force: from its first
   * slot to its last slot's end or the first slot of a newer schedule of the device, whichever comes first.
   *
   * @param plannedNetValueEur     the trading run's value of the plan: market value minus cycle cost, as
   *                               PROTOCOL.md's battery model defines it
   * @param realisedGrossValueEur  the settled MTUs' battery value at the day-ahead price; null when none settled
   * @param dischargedWh           the energy the settled MTUs discharged; null when none settled
   * @param cycleCostEurPerKwh     the device's cycle cost now (its strategy's; 0 without one)
   */
  public record SchedulePlan(String scheduleId, long version, LocalDate deliveryDay, String strategy,
                             double plannedNetValueEur, boolean optimal, int slots, Instant inForceFrom,
                             Instant inForceTo, Instant supersededFrom, int mtusSettled, int mtusUnsettled,
                             BigDecimal realisedGrossValueEur, Long dischargedWh, BigDecimal cycleCostEurPerKwh) {

    /** The cycle cost of the discharged energy, as the planned value charges it. */
    public BigDecimal realisedCycleCostEur() {
      return cycleCostEurPerKwh.multiply(BigDecimal.valueOf(dischargedWh == null ? 0 : dischargedWh))
        .movePointLeft(3).setScale(MtuSettlement.SCALE, RoundingMode.HALF_EVEN);
    }

    /** Realised value on the planned value's terms: gross battery value minus cycle cost. */
    public BigDecimal realisedNetValueEur() {
      BigDecimal gross = realisedGrossValueEur == null ? BigDecimal.ZERO : realisedGrossValueEur;
      return gross.subtract(realisedCycleCostEur()).setScale(MtuSettlement.SCALE, RoundingMode.HALF_EVEN);
    }
  }

  private RevenueReport() {
  }

  /** @param schedules the device's schedules, or null for the fleet (not listed there) */
  public static JsonObject json(String deviceId, Instant from, Instant to, List<MtuTotals> mtus,
                                List<SchedulePlan> schedules) {
    JsonArray mtuArray = new JsonArray();
    Map<LocalDate, Sum> days = new LinkedHashMap<>();
    Sum total = new Sum();
    for (MtuTotals m : mtus) {
      mtuArray.add(mtuJson(m));
      days.computeIfAbsent(LocalDate.ofInstant(m.start(), MARKET_DAY), d -> new Sum()).add(m);
      total.add(m);
    }
    JsonArray dayArray = new JsonArray();
    days.forEach((day, sum) -> dayArray.add(new JsonObject().put("day", day.toString()).mergeIn(sum.toJson())));
    JsonObject answer = new JsonObject()
      .put("device_id", deviceId)
      .put("from", from.toString())
      .put("to", to.toString())
      .put("currency", "EUR")
      .put("mtus", mtuArray)
      .put("days", dayArray)
      .put("total", total.toJson());
    if (schedules != null) {
      JsonArray scheduleArray = new JsonArray();
      schedules.forEach(s -> scheduleArray.add(scheduleJson(s)));
      answer.put("schedules", scheduleArray);
    }
    return answer;
  }

  /** One row per MTU under {@link #CSV_HEADER}; an unknown value is an empty field. */
  public static String csv(List<MtuTotals> mtus) {
    StringBuilder csv = new StringBuilder(CSV_HEADER).append("\r\n");
    for (MtuTotals m : mtus) {
      csv.append(m.start()).append(',').append(m.end()).append(',').append(text(m.price())).append(',')
        .append(m.settled()).append(',').append(m.counterReset()).append(',').append(m.gap()).append(',')
        .append(text(m.chargedWh())).append(',').append(text(m.dischargedWh())).append(',')
        .append(text(m.importWh())).append(',').append(text(m.exportWh())).append(',')
        .append(text(m.gridCostEur())).append(',').append(text(m.gridCostWithoutBatteryEur())).append(',')
        .append(text(m.batteryRevenueEur())).append("\r\n");
    }
    return csv.toString();
  }

  /** CSV when the client prefers {@code text/csv} to JSON; JSON otherwise, including without an Accept header. */
  public static boolean prefersCsv(String accept) {
    if (accept == null) {
      return false;
    }
    double csv = 0;
    double json = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      for (int i = 1; i < parts.length; i++) {
        String param = parts[i].trim();
        if (param.startsWith("q=")) {
          try {
            q = Double.parseDouble(param.substring(2));
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      if (type.equals("text/csv")) {
        csv = Math.max(csv, q);
      } else if (type.equals("application/json")) {
        json = Math.max(json, q);
      }
    }
    return csv > 0 && csv >= json;
  }

  private static JsonObject mtuJson(MtuTotals m) {
    return new JsonObject()
      .put("start", m.start().toString())
      .put("end", m.end().toString())
      .put("price_eur_mwh", m.price())
      .put("settled", m.settled())
      .put("counter_reset", m.counterReset())
      .put("gap", m.gap())
      .put("charged_wh", m.chargedWh())
      .put("discharged_wh", m.dischargedWh())
      .put("import_wh", m.importWh())
      .put("export_wh", m.exportWh())
      .put("grid_cost_eur", m.gridCostEur())
      .put("grid_cost_without_battery_eur", m.gridCostWithoutBatteryEur())
      .put("battery_revenue_eur", m.batteryRevenueEur());
  }

  private static JsonObject scheduleJson(SchedulePlan s) {
    return new JsonObject()
      .put("schedule_id", s.scheduleId())
      .put("version", s.version())
      .put("delivery_day", s.deliveryDay().toString())
      .put("strategy", s.strategy())
      .put("optimal", s.optimal())
      .put("slots", s.slots())
      .put("in_force_from", s.inForceFrom() == null ? null : s.inForceFrom().toString())
      .put("in_force_to", s.inForceTo() == null ? null : s.inForceTo().toString())
      .put("superseded_from", s.supersededFrom() == null ? null : s.supersededFrom().toString())
      .put("mtus_settled", s.mtusSettled())
      .put("mtus_unsettled", s.mtusUnsettled())
      .put("planned_net_value_eur", s.plannedNetValueEur())
      .put("realised_gross_value_eur", s.realisedGrossValueEur() == null
        ? BigDecimal.ZERO.setScale(MtuSettlement.SCALE) : s.realisedGrossValueEur())
      .put("realised_discharged_wh", s.dischargedWh() == null ? 0L : s.dischargedWh())
      .put("cycle_cost_eur_per_kwh", s.cycleCostEurPerKwh())
      .put("realised_cycle_cost_eur", s.realisedCycleCostEur())
      .put("realised_net_value_eur", s.realisedNetValueEur());
  }

  private static String text(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Double price) {
      return BigDecimal.valueOf(price).toPlainString();
    }
    return value instanceof BigDecimal d ? d.toPlainString() : value.toString();
  }

  /** Sums of MTUs: counts, energy, money. */
  private static final class Sum {
    private int mtus;
    private int settled;
    private int counterReset;
    private int gap;
    private long chargedWh;
    private long dischargedWh;
    private long importWh;
    private long exportWh;
    private BigDecimal gridCost = zero();
    private BigDecimal gridCostWithoutBattery = zero();
    private BigDecimal batteryRevenue = zero();

    void add(MtuTotals m) {
      mtus++;
      settled += m.settled();
      counterReset += m.counterReset();
      gap += m.gap();
      if (m.chargedWh() != null) {
        chargedWh += m.chargedWh();
        dischargedWh += m.dischargedWh();
        importWh += m.importWh();
        exportWh += m.exportWh();
        gridCost = gridCost.add(m.gridCostEur());
        gridCostWithoutBattery = gridCostWithoutBattery.add(m.gridCostWithoutBatteryEur());
        batteryRevenue = batteryRevenue.add(m.batteryRevenueEur());
      }
    }

    JsonObject toJson() {
      return new JsonObject()
        .put("mtus", mtus)
        .put("settled", settled)
        .put("counter_reset", counterReset)
        .put("gap", gap)
        .put("charged_wh", chargedWh)
        .put("discharged_wh", dischargedWh)
        .put("import_wh", importWh)
        .put("export_wh", exportWh)
        .put("grid_cost_eur", gridCost)
        .put("grid_cost_without_battery_eur", gridCostWithoutBattery)
        .put("battery_revenue_eur", batteryRevenue);
    }

    private static BigDecimal zero() {
      return BigDecimal.ZERO.setScale(MtuSettlement.SCALE);
    }
  }
}
