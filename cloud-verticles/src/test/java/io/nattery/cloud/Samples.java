package io.nattery.cloud;

import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;

import java.time.Instant;
import java.util.List;

/** Contract-valid samples for the tests, the PROTOCOL.md example with the values a test varies. */
public final class Samples {

  private Samples() {
  }

  /** A sample stamped now (plus {@code seq} ms, so later sequence numbers are later in time). */
  public static Telemetry telemetry(String deviceId, long seq, double soc) {
    return new Telemetry(deviceId, Instant.now().plusMillis(seq), seq, null, soc, -2500, 51.2, -48.8, 24.1,
      3200, -300, 400, InverterState.RUNNING, Mode.CHARGE, -2500, List.of(),
      new Telemetry.Energy(1234567, 1100000, 900000, 450000, 3000000));
  }
}
