package io.nattery.edge.control;

import io.nattery.protocol.Mode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetyLimitsTest {
  private final SafetyLimits limits = SafetyLimits.fromConfig(new JsonObject()
      .put("soc_min_pct", 10).put("soc_max_pct", 90).put("max_charge_w", 4000).put("temp_min_c", 0).put("temp_max_c", 45), 5000);

  @Test
  void aWishInsideTheLimitsPassesUnchanged() {
    SafetyLimits.Target t = limits.apply(Mode.CHARGE, -3000, 50.0, 25.0, null, null);
    assertEquals(Mode.CHARGE, t.mode());
    assertEquals(-3000, t.powerW());
    assertNull(t.limitedBy());
    assertEquals(2000, limits.apply(Mode.DISCHARGE, 2000, 50.0, 25.0, null, null).powerW());
  }

  @Test
  void powerIsClippedToTheChargeAndDischargeLimits() {
    SafetyLimits.Target charge = limits.apply(Mode.CHARGE, -5000, 50.0, 25.0, null, null);
    assertEquals(-4000, charge.powerW());
    assertTrue(charge.limitedBy().contains("4000"), charge.limitedBy());
    assertEquals(5000, limits.apply(Mode.DISCHARGE, 9000, 50.0, 25.0, null, null).powerW(), "rated power when not configured");
  }

  @Test
  void theSocWindowStopsChargingFullAndDischargingEmpty() {
    assertEquals(Mode.IDLE, limits.apply(Mode.CHARGE, -3000, 90.0, 25.0, null, null).mode());
    assertEquals(Mode.IDLE, limits.apply(Mode.DISCHARGE, 3000, 10.0, 25.0, null, null).mode());
    assertEquals(Mode.CHARGE, limits.apply(Mode.CHARGE, -3000, 10.0, 25.0, null, null).mode(), "charging an empty battery is fine");
  }

  @Test
  void aSlotMayNarrowTheWindowButNeverWidenIt() {
    assertEquals(Mode.IDLE, limits.apply(Mode.CHARGE, -3000, 80.0, 25.0, 20.0, 80.0).mode(), "slot soc_max 80");
    assertEquals(Mode.IDLE, limits.apply(Mode.CHARGE, -3000, 90.0, 25.0, 0.0, 100.0).mode(), "slot soc_max 100 does not lift 90");
    assertEquals(Mode.IDLE, limits.apply(Mode.DISCHARGE, 3000, 10.0, 25.0, 0.0, 100.0).mode(), "slot soc_min 0 does not lower 10");
  }

  @Test
  void aBatteryOutsideItsTemperatureRangeIsHeldIdle() {
    SafetyLimits.Target hot = limits.apply(Mode.DISCHARGE, 2000, 50.0, 46.0, null, null);
    assertEquals(Mode.IDLE, hot.mode());
    assertTrue(hot.limitedBy().contains("battery_temp"), hot.limitedBy());
    assertEquals(Mode.IDLE, limits.apply(Mode.SELF_CONSUMPTION, 0, 50.0, -5.0, null, null).mode());
  }

  @Test
  void inconsistentLimitsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SafetyLimits(90, 10, 1000, 1000, 0, 45));
    assertThrows(IllegalArgumentException.class, () -> new SafetyLimits(10, 90, -1, 1000, 0, 45));
  }
}
