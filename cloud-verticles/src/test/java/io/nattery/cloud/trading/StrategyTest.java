package io.nattery.cloud.trading;

import io.nattery.protocol.FieldError;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StrategyTest {

  private static JsonObject valid() {
    return new JsonObject().put("zone", "DE_LU").put("strategy", "arbitrage").put("import_limit_kw", null)
      .put("battery", new JsonObject().put("capacity_kwh", 13.5).put("power_kw", 5).put("round_trip_efficiency", 0.9)
        .put("soc_min_pct", 10).put("soc_max_pct", 90).put("cycle_cost_eur_per_kwh", 0.03));
  }

  @Test
  void aValidStrategyRoundTripsThroughJson() {
    Strategy.Parsed parsed = Strategy.parse(valid(), 5);

    assertEquals(List.of(), parsed.errors());
    assertEquals(Strategy.Kind.ARBITRAGE, parsed.strategy().kind());
    assertEquals(13.5, parsed.strategy().battery().capacityKwh());
    assertEquals(0.03, parsed.strategy().battery().cycleCostEurPerKwh());
    assertEquals(parsed.strategy(), Strategy.fromJson(parsed.strategy().toJson()));
  }

  @Test
  void peakShavingNeedsAnImportLimit() {
    List<FieldError> errors = Strategy.parse(valid().put("strategy", "peak_shaving"), 5).errors();

    assertEquals(List.of(new FieldError("import_limit_kw", "is required for peak_shaving")), errors);
    assertEquals(List.of(), Strategy.parse(valid().put("strategy", "peak_shaving").put("import_limit_kw", 4), 5).errors());
  }

  @Test
  void everyWrongFieldIsNamedAndNothingIsDefaulted() {
    JsonObject bad = valid().put("strategy", "moon").put("zone", 7).put("extra", true);
    bad.getJsonObject("battery").put("power_kw", 5.5).put("round_trip_efficiency", 1.2).remove("capacity_kwh");
    bad.getJsonObject("battery").put("soc_min_pct", 80).put("soc_max_pct", 70).put("cycle_cost_eur_per_kwh", -1);

    Strategy.Parsed parsed = Strategy.parse(bad, 5);

    assertNull(parsed.strategy());
    assertEquals(List.of("extra", "zone", "strategy", "battery.capacity_kwh", "battery.power_kw",
        "battery.round_trip_efficiency", "battery.cycle_cost_eur_per_kwh", "battery.soc_max_pct"),
      parsed.errors().stream().map(FieldError::field).toList());
  }

  @Test
  void aBatteryIsNeverMorePowerfulThanItsDevice() {
    assertEquals(List.of("battery.power_kw"),
      Strategy.parse(valid(), 4.9).errors().stream().map(FieldError::field).toList());
  }

  @Test
  void theStoreNeverHandsOutAnInvalidStrategy() {
    assertThrows(IllegalArgumentException.class, () -> Strategy.fromJson(valid().put("strategy", "none?")));
  }
}
