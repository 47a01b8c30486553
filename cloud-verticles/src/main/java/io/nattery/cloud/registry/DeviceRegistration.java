package io.nattery.cloud.registry;

import io.nattery.cloud.api.Problems.FieldProblem;
import io.nattery.protocol.Contract;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A provisioning request, {@code {"device_id","site","model","rated_power_kw","capacity_kwh"}}, checked field by
 * field. Every field is required and no other is accepted, so a misspelt one is an error rather than a silent
 * default. The site becomes a metric label: it is kept short and printable.
 */
public record DeviceRegistration(String deviceId, String site, String model, double ratedPowerKw,
                                 double capacityKwh) {

  private static final Set<String> FIELDS = Set.of("device_id", "site", "model", "rated_power_kw", "capacity_kwh");
  private static final int MAX_SITE = 64;
  private static final int MAX_MODEL = 128;
  /** Bounds of the plausible, well above any home or grid battery behind one inverter. */
  private static final double MAX_POWER_KW = 10_000;
  private static final double MAX_CAPACITY_KWH = 100_000;

  /** The registration, or the problems of each field. */
  public record Parsed(DeviceRegistration registration, List<FieldProblem> errors) {
  }

  public static Parsed parse(JsonObject body) {
    List<FieldProblem> errors = new ArrayList<>();
    for (String name : body.fieldNames()) {
      if (!FIELDS.contains(name)) {
        errors.add(new FieldProblem(name, "is not a field of a device"));
      }
    }
    Object id = body.getValue("device_id");
    if (!(id instanceof String s) || !Contract.isValidDeviceId(s)) {
      errors.add(new FieldProblem("device_id", "must be a string matching [A-Za-z0-9_-]{1,64}"));
    }
    String site = text(body, "site", MAX_SITE, errors);
    String model = text(body, "model", MAX_MODEL, errors);
    double power = positive(body, "rated_power_kw", MAX_POWER_KW, errors);
    double capacity = positive(body, "capacity_kwh", MAX_CAPACITY_KWH, errors);
    if (!errors.isEmpty()) {
      return new Parsed(null, List.copyOf(errors));
    }
    return new Parsed(new DeviceRegistration((String) id, site, model, power, capacity), List.of());
  }

  public JsonObject toJson() {
    return new JsonObject().put("device_id", deviceId).put("site", site).put("model", model)
      .put("rated_power_kw", ratedPowerKw).put("capacity_kwh", capacityKwh);
  }

  private static String text(JsonObject body, String name, int max, List<FieldProblem> errors) {
    Object value = body.getValue(name);
    if (!(value instanceof String s) || s.isBlank() || s.length() > max || !s.equals(s.strip())
      || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      errors.add(new FieldProblem(name, "must be a non-blank string of at most " + max
        + " characters, without control characters or surrounding spaces"));
      return null;
    }
    return s;
  }

  private static double positive(JsonObject body, String name, double max, List<FieldProblem> errors) {
    Object value = body.getValue(name);
    if (!(value instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > max) {
      errors.add(new FieldProblem(name, "must be a number above 0 and at most " + (long) max));
      return Double.NaN;
    }
    return n.doubleValue();
  }
}
