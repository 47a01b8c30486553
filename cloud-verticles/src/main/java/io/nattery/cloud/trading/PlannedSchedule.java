package io.nattery.cloud.trading;

import io.nattery.protocol.Mode;
import io.nattery.protocol.PriceCurve;
import io.nattery.protocol.Schedule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A schedule the trading run is about to send, with what it planned for each slot (price, expected SOC) and
 * the value it expects, so that settlement can later compare planned against realised.
 */
public record PlannedSchedule(Schedule schedule, JsonArray plannedSlots, double plannedValueEur, boolean optimal) {

  /** Powers below this are noise of the optimiser, not a plan: the slot is idle. */
  private static final double IDLE_BELOW_KW = 0.001;

  /**
   * Turns an optimiser plan over {@code points} (one per slot, same order) into a schedule. Rates are rounded
   * to watts, never above the battery's power.
   */
  public static PlannedSchedule fromPlan(String scheduleId, String deviceId, long version, Instant issuedAt,
                                         String traceId, Duration resolution, List<PriceCurve.Point> points,
                                         Plan plan, Strategy strategy) {
    if (plan.powerKw().length != points.size()) {
      throw new IllegalArgumentException("plan has " + plan.powerKw().length + " slots for " + points.size() + " prices");
    }
    List<Schedule.Slot> slots = new ArrayList<>();
    JsonArray planned = new JsonArray();
    double limitKw = strategy.battery().powerKw();
    for (int i = 0; i < points.size(); i++) {
      PriceCurve.Point point = points.get(i);
      double power = plan.powerKw()[i];
      Mode mode = Math.abs(power) < IDLE_BELOW_KW ? Mode.IDLE : power > 0 ? Mode.DISCHARGE : Mode.CHARGE;
      double rate = mode == Mode.IDLE ? 0 : Math.min(limitKw, Math.round(Math.abs(power) * 1000) / 1000.0);
      slots.add(new Schedule.Slot(point.start(), point.end(), mode, rate, null, null));
      planned.add(new JsonObject()
        .put("start", point.start().toString())
        .put("end", point.end().toString())
        .put("mode", mode.wire())
        .put("rate_kw", rate)
        .put("price", point.price())
        .put("soc_pct", round2(strategy.battery().socPct(plan.energyKwh()[i]))));
    }
    Schedule schedule = new Schedule(scheduleId, deviceId, version, issuedAt, "trading", traceId, resolution, slots);
    return new PlannedSchedule(schedule, planned, plan.valueEur(), plan.optimal());
  }

  /** A schedule that hands every slot to the inverter's own self-consumption logic; no market value planned. */
  public static PlannedSchedule selfConsumption(String scheduleId, String deviceId, long version, Instant issuedAt,
                                                String traceId, Duration resolution, List<PriceCurve.Point> points) {
    List<Schedule.Slot> slots = new ArrayList<>();
    JsonArray planned = new JsonArray();
    for (PriceCurve.Point point : points) {
      slots.add(new Schedule.Slot(point.start(), point.end(), Mode.SELF_CONSUMPTION, 0, null, null));
      planned.add(new JsonObject().put("start", point.start().toString()).put("end", point.end().toString())
        .put("mode", Mode.SELF_CONSUMPTION.wire()).put("rate_kw", 0).put("price", point.price()));
    }
    Schedule schedule = new Schedule(scheduleId, deviceId, version, issuedAt, "trading", traceId, resolution, slots);
    return new PlannedSchedule(schedule, planned, 0, true);
  }

  private static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
