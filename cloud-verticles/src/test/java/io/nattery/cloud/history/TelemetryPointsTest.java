package io.nattery.cloud.history;

import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class TelemetryPointsTest {

  @Test
  void aSampleBecomesOneRowTaggedByDeviceAtItsOwnTimestamp() {
    Telemetry sample = new Telemetry("pi-0001", Instant.parse("2026-11-23T10:00:01.123Z"), 1042, null,
      57.5, -2500, 51.2, -48.8, 24.1, 3200, -300, 400, InverterState.RUNNING, Mode.CHARGE, -2500,
      List.of("grid_lost"), new Telemetry.Energy(1234567, 1100000, 900000, 450000, 3000000));

    String line = TelemetryPoints.of(sample.toJson()).toLineProtocol();

    assertTrue(line.startsWith("telemetry,device_id=pi-0001 "), line);
    assertTrue(line.endsWith(" 1795428001123000000"), line);
    for (String field : List.of("soc_pct=57.5", "battery_power_w=-2500.0", "seq=1042i", "mode=\"charge\"",
      "inverter_state=\"running\"", "alarm_count=1i", "energy_charged_wh=1234567i", "energy_pv_wh=3000000i")) {
      assertTrue(line.contains(field), field + " missing from " + line);
    }
  }
}
