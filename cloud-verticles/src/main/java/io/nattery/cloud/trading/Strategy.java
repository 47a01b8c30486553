package io.nattery.cloud.trading;

import io.nattery.cloud.prices.BiddingZones;
import io.nattery.protocol.FieldError;
import io.nattery.protocol.battery.BatteryModel;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How one device trades, as {@code GET/PUT /api/v1/strategies/{device_id}} show it: the bidding zone whose
 * prices it follows, what the trading run does with it, its battery model, and for peak shaving the site's
 * import limit.
 */
public record Strategy(String zone, Kind kind, BatteryModel battery, Double importLimitKw) {

  /** What the trading run does for the device. */
  public enum Kind {
    /** Buy low, sell high under the battery model. */
    ARBITRAGE,
    /** Arbitrage that never lets the site import more than its limit. */
    PEAK_SHAVING,
    /** No market plan: the inverter covers the site's own load from its PV and battery. */
    SELF_CONSUMPTION,
    /** The trading run leaves the device alone (bots or operators schedule it). */
    NONE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Kind fromWire(String value) {
      for (Kind kind : values()) {
        if (kind.wire().equals(value)) {
          return kind;
        }
      }
      return null;
    }
  }

  private static final Set<String> FIELDS = Set.of("zone", "strategy", "battery", "import_limit_kw");
  private static final Set<String> BATTERY_FIELDS = Set.of("capacity_kwh", "power_kw", "round_trip_efficiency",
    "soc_min_pct", "soc_max_pct", "cycle_cost_eur_per_kwh");

  public Strategy {
    if (kind == Kind.PEAK_SHAVING && importLimitKw == null) {
      throw new IllegalArgumentException("peak shaving needs an import limit");
    }
  }

  /** The strategy of a device nobody configured: the zone and kind of the node's defaults, its own rating. */
  public static Strategy defaultFor(String zone, Kind kind, double ratedPowerKw, double capacityKwh) {
    BatteryModel defaults = BatteryModel.defaults();
    return new Strategy(zone, kind, new BatteryModel(capacityKwh, ratedPowerKw, defaults.roundTripEfficiency(),
      defaults.socMinPct(), defaults.socMaxPct(), defaults.socInitPct(), defaults.cycleCostEurPerKwh()), null);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("zone", zone)
      .put("strategy", kind.wire())
      .put("battery", new JsonObject()
        .put("capacity_kwh", battery.capacityKwh())
        .put("power_kw", battery.powerKw())
        .put("round_trip_efficiency", battery.roundTripEfficiency())
        .put("soc_min_pct", battery.socMinPct())
        .put("soc_max_pct", battery.socMaxPct())
        .put("cycle_cost_eur_per_kwh", battery.cycleCostEurPerKwh()))
      .put("import_limit_kw", importLimitKw);
  }

  /** A strategy read back from the store, which only ever holds what {@link #parse} accepted. */
  public static Strategy fromJson(JsonObject json) {
    Parsed parsed = parse(json, Double.MAX_VALUE);
    if (!parsed.errors().isEmpty()) {
      throw new IllegalArgumentException("stored strategy is invalid: " + parsed.errors());
    }
    return parsed.strategy();
  }

  /** A strategy, or every field that is wrong with it. */
  public record Parsed(Strategy strategy, List<FieldError> errors) {
  }

  /**
   * Checks a strategy as a client sent it: every field is required, unknown fields are refused (a typo must
   * not silently fall back to a default), and the battery's power may not exceed the device's rating.
   */
  public static Parsed parse(JsonObject json, double ratedPowerKw) {
    List<FieldError> errors = new ArrayList<>();
    json.fieldNames().stream().filter(f -> !FIELDS.contains(f)).sorted()
      .forEach(f -> errors.add(new FieldError(f, "is not a strategy field")));
    Object zone = json.getValue("zone");
    if (!(zone instanceof String z) || !BiddingZones.isKnown(z)) {
      errors.add(new FieldError("zone", "must be a bidding zone of the day-ahead market, such as DE_LU"));
    }
    Object kindValue = json.getValue("strategy");
    Kind kind = kindValue instanceof String s ? Kind.fromWire(s) : null;
    if (kind == null) {
      errors.add(new FieldError("strategy", "must be one of arbitrage, peak_shaving, self_consumption, none"));
    }
    Double importLimit = null;
    Object limit = json.getValue("import_limit_kw");
    if (limit != null) {
      if (limit instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() >= 0) {
        importLimit = n.doubleValue();
      } else {
        errors.add(new FieldError("import_limit_kw", "must be a number >= 0 or null"));
      }
    } else if (kind == Kind.PEAK_SHAVING) {
      errors.add(new FieldError("import_limit_kw", "is required for peak_shaving"));
    }
    BatteryModel battery = battery(json.getValue("battery"), ratedPowerKw, errors);
    if (!errors.isEmpty()) {
      return new Parsed(null, errors);
    }
    return new Parsed(new Strategy((String) zone, kind, battery, importLimit), List.of());
  }

  private static BatteryModel battery(Object value, double ratedPowerKw, List<FieldError> errors) {
    if (!(value instanceof JsonObject battery)) {
      errors.add(new FieldError("battery", "must be an object"));
      return null;
    }
    battery.fieldNames().stream().filter(f -> !BATTERY_FIELDS.contains(f)).sorted()
      .forEach(f -> errors.add(new FieldError("battery." + f, "is not a battery field")));
    double capacity = number(battery, "capacity_kwh", 0, 10_000, false, errors);
    double power = number(battery, "power_kw", 0, Math.min(ratedPowerKw, 10_000), false, errors);
    double efficiency = number(battery, "round_trip_efficiency", 0, 1, false, errors);
    double socMin = number(battery, "soc_min_pct", 0, 100, true, errors);
    double socMax = number(battery, "soc_max_pct", 0, 100, true, errors);
    double cycleCost = number(battery, "cycle_cost_eur_per_kwh", 0, 10, true, errors);
    if (socMin >= socMax) {
      errors.add(new FieldError("battery.soc_max_pct", "must be above soc_min_pct"));
    }
    if (errors.stream().anyMatch(e -> e.field().startsWith("battery"))) {
      return null;
    }
    return new BatteryModel(capacity, power, efficiency, socMin, socMax, socMin, cycleCost);
  }

  /** A number in {@code (min, max]}, or {@code [min, max]} when {@code minIncluded}; NaN (and an error) if not. */
  private static double number(JsonObject json, String field, double min, double max, boolean minIncluded,
                               List<FieldError> errors) {
    Object value = json.getValue(field);
    if (value instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isFinite(d) && (minIncluded ? d >= min : d > min) && d <= max) {
        return d;
      }
    }
    errors.add(new FieldError("battery." + field,
      "must be a number " + (minIncluded ? ">= " : "> ") + fmt(min) + " and <= " + fmt(max)));
    return Double.NaN;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
