package io.nattery.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Retained {@code prices/{zone}/day-ahead}: one point per MTU of the delivery day, prices in EUR/MWh. */
public record PriceCurve(
    String zone,
    String currency,
    String unit,
    Duration resolution,
    LocalDate deliveryDay,
    Instant fetchedAt,
    String source,
    List<Point> points) {

  public PriceCurve {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(resolution, "resolution");
    Objects.requireNonNull(deliveryDay, "deliveryDay");
    Objects.requireNonNull(fetchedAt, "fetchedAt");
    Objects.requireNonNull(source, "source");
    points = List.copyOf(points);
  }

  /** The price of one MTU, which may be negative. */
  public record Point(Instant start, Instant end, double price) {

    public Point {
      Objects.requireNonNull(start, "start");
      Objects.requireNonNull(end, "end");
    }

    public JsonObject toJson() {
      return new JsonObject().put("start", Wire.text(start)).put("end", Wire.text(end)).put("price", price);
    }

    public static Point fromJson(JsonObject json) {
      return new Point(Wire.instant(json, "start"), Wire.instant(json, "end"), json.getDouble("price"));
    }
  }

  public JsonObject toJson() {
    JsonArray pointArray = new JsonArray();
    points.forEach(point -> pointArray.add(point.toJson()));
    return new JsonObject()
        .put("v", Contract.VERSION)
        .put("zone", zone)
        .put("currency", currency)
        .put("unit", unit)
        .put("resolution", Wire.mtu(resolution))
        .put("delivery_day", deliveryDay.toString())
        .put("fetched_at", Wire.text(fetchedAt))
        .put("source", source)
        .put("points", pointArray);
  }

  public static PriceCurve fromJson(JsonObject json) {
    JsonArray pointArray = json.getJsonArray("points");
    List<Point> points = new ArrayList<>(pointArray.size());
    for (int i = 0; i < pointArray.size(); i++) {
      points.add(Point.fromJson(pointArray.getJsonObject(i)));
    }
    return new PriceCurve(
        json.getString("zone"),
        json.getString("currency"),
        json.getString("unit"),
        Wire.mtu(json.getString("resolution")),
        LocalDate.parse(json.getString("delivery_day")),
        Wire.instant(json, "fetched_at"),
        json.getString("source"),
        points);
  }
}
