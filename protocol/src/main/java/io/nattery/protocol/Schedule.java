package io.nattery.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Retained {@code devices/{id}/schedule}, also the body of {@code POST /api/v1/schedules}.
 * {@code traceId} may be null. Context-dependent rules (alignment, window, rated power) are in
 * {@link ScheduleRules}.
 */
public record Schedule(
    String scheduleId,
    String deviceId,
    long version,
    Instant issuedAt,
    String source,
    String traceId,
    Duration resolution,
    List<Slot> slots) {

  public Schedule {
    Objects.requireNonNull(scheduleId, "scheduleId");
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(resolution, "resolution");
    slots = List.copyOf(slots);
  }

  /**
   * One MTU: {@code rateKw} >= 0 in the mode's direction; the SOC bounds are optional (null) and
   * the device never goes past them.
   */
  public record Slot(Instant start, Instant end, Mode mode, double rateKw, Double socMinPct, Double socMaxPct) {

    public Slot {
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(end, "end");
      Objects.requireNonNull(mode, "mode");
    }

    public JsonObject toJson() {
      JsonObject json = new JsonObject()
          .put("start", Wire.text(start))
          .put("end", Wire.text(end))
          .put("mode", mode.wire())
          .put("rate_kw", rateKw);
      if (socMinPct != null) {
        json.put("soc_min_pct", socMinPct);
      }
      if (socMaxPct != null) {
        json.put("soc_max_pct", socMaxPct);
      }
      return json;
    }

    public static Slot fromJson(JsonObject json) {
      return new Slot(
          Wire.instant(json, "start"),
          Wire.instant(json, "end"),
          Mode.fromWire(json.getString("mode")),
          json.getDouble("rate_kw"),
          json.getDouble("soc_min_pct"),
          json.getDouble("soc_max_pct"));
    }
  }

  public JsonObject toJson() {
    JsonArray slotArray = new JsonArray();
    slots.forEach(slot -> slotArray.add(slot.toJson()));
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("schedule_id", scheduleId)
        .put("device_id", deviceId)
        .put("version", version)
        .put("issued_at", Wire.text(issuedAt))
        .put("source", source)
        .put("trace_id", traceId)
        .put("resolution", Wire.mtu(resolution))
        .put("slots", slotArray);
  }

  public static Schedule fromJson(JsonObject json) {
    JsonArray slotArray = json.getJsonArray("slots");
    List<Slot> slots = new ArrayList<>(slotArray.size());
    for (int i = 0; i < slotArray.size(); i++) {
      slots.add(Slot.fromJson(slotArray.getJsonObject(i)));
    }
    return new Schedule(
        json.getString("schedule_id"),
        json.getString("device_id"),
        json.getLong("version"),
        Wire.instant(json, "issued_at"),
        json.getString("source"),
        json.getString("trace_id"),
        Wire.mtu(json.getString("resolution")),
        slots);
  }
}
