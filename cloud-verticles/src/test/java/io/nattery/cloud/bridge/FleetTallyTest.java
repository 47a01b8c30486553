package io.nattery.cloud.bridge;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class FleetTallyTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:00:30Z");
  private static final Duration WINDOW = Duration.ofSeconds(30);

  private static FleetTally.Sample sample(long secondsAgo, double soc, double battery, boolean alarms) {
    return new FleetTally.Sample(NOW.minusSeconds(secondsAgo).toEpochMilli(), soc, battery, 1000, -200, 800, alarms);
  }

  @Test
  void sumsTheLatestSampleOfEachDeviceHeardWithinTheWindow() {
    FleetTally tally = new FleetTally();
    tally.put("a", sample(2, 40, -2500, false));
    tally.put("b", sample(1, 60, 1500, true));
    tally.put("c", sample(31, 90, 5000, true)); // silent for longer than the window

    JsonObject summary = tally.summary(NOW, WINDOW, 10, 2);

    assertEquals(10, summary.getLong("devices"));
    assertEquals(2, summary.getLong("online"));
    assertEquals(2, summary.getInteger("reporting"));
    assertEquals(50.0, summary.getDouble("soc_pct_mean"));
    assertEquals(-1000, summary.getLong("battery_power_w"));
    assertEquals(2000, summary.getLong("pv_power_w"));
    assertEquals(-400, summary.getLong("grid_power_w"));
    assertEquals(1600, summary.getLong("load_power_w"));
    assertEquals(1, summary.getInteger("devices_with_alarms"));
    assertEquals("2026-11-23T10:00:30Z", summary.getString("ts"));
  }

  @Test
  void anOlderSampleFromAnotherNodeNeverReplacesANewerOne() {
    FleetTally tally = new FleetTally();
    tally.put("a", sample(1, 55, 100, false));
    FleetTally otherNode = new FleetTally();
    otherNode.put("a", sample(3, 20, 9999, true));

    tally.putAll(new JsonArray().addAll(otherNode.toPartial()));

    JsonObject summary = tally.summary(NOW, WINDOW, 1, 1);
    assertEquals(55.0, summary.getDouble("soc_pct_mean"));
    assertEquals(100, summary.getLong("battery_power_w"));
    assertEquals(0, summary.getInteger("devices_with_alarms"));
  }

  @Test
  void aPartialCarriesASampleWhole() {
    FleetTally node = new FleetTally();
    node.put("pi-1", FleetTally.Sample.of(new JsonObject().put("ts", "2026-11-23T10:00:29.500Z").put("soc_pct", 57.5)
      .put("battery_power_w", -2500).put("pv_power_w", 3200).put("grid_power_w", -300).put("load_power_w", 400)
      .put("alarms", new JsonArray().add("inverter_over_temperature"))));
    FleetTally summariser = new FleetTally();

    summariser.putAll(node.toPartial());

    JsonObject summary = summariser.summary(NOW, WINDOW, 1, 1);
    assertEquals(57.5, summary.getDouble("soc_pct_mean"));
    assertEquals(-2500, summary.getLong("battery_power_w"));
    assertEquals(3200, summary.getLong("pv_power_w"));
    assertEquals(-300, summary.getLong("grid_power_w"));
    assertEquals(400, summary.getLong("load_power_w"));
    assertEquals(1, summary.getInteger("devices_with_alarms"));
  }

  @Test
  void anEmptyFleetHasNoMeanSoc() {
    JsonObject summary = new FleetTally().summary(NOW, WINDOW, 3, 0);
    assertNull(summary.getValue("soc_pct_mean"));
    assertEquals(0, summary.getInteger("reporting"));
  }
}
