package io.nattery.cloud.state;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceStatesTest {

  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private final DeviceStates states = new DeviceStates();

  private static JsonObject sample(String id, Instant ts, long seq) {
    return new JsonObject().put("v", 1).put("device_id", id).put("ts", ts.toString()).put("seq", seq);
  }

  @Test
  void aLateReplayDoesNotReplaceTheLatestSample() {
    assertTrue(states.onTelemetry(sample("a", T0.plusSeconds(10), 10), T0.plusSeconds(10)));
    assertFalse(states.onTelemetry(sample("a", T0.plusSeconds(5), 5), T0.plusSeconds(11)));

    JsonObject device = states.get("a").orElseThrow();
    assertEquals(10, device.getJsonObject("telemetry").getLong("seq"));
    assertEquals(T0.plusSeconds(11).toString(), device.getString("last_seen"));
    assertEquals(1, states.replays());
  }

  @Test
  void aNewBootReplacesTheLatestSampleEvenWithAnEarlierClock() {
    states.onTelemetry(sample("a", T0.plusSeconds(100), 100).put("boot_id", "boot-1"), T0.plusSeconds(100));

    boolean replaced = states.onTelemetry(sample("a", T0, 0).put("boot_id", "boot-2"), T0.plusSeconds(101));

    assertTrue(replaced);
    assertEquals("boot-2", states.get("a").orElseThrow().getJsonObject("telemetry").getString("boot_id"));
    assertFalse(states.onTelemetry(sample("a", T0.minusSeconds(1), 1).put("boot_id", "boot-2"), T0.plusSeconds(102)));
  }

  @Test
  void samplesOfAnOldBootReplayedAfterTheNewOneDoNotTakeTheStateBack() {
    states.onTelemetry(sample("a", T0, 0).put("boot_id", "boot-1"), T0);
    states.onTelemetry(sample("a", T0.plusSeconds(1), 0).put("boot_id", "boot-2"), T0.plusSeconds(1));

    boolean replaced = states.onTelemetry(sample("a", T0.plusSeconds(50), 50).put("boot_id", "boot-1"),
      T0.plusSeconds(2));

    assertFalse(replaced);
    assertEquals("boot-2", states.get("a").orElseThrow().getJsonObject("telemetry").getString("boot_id"));
  }

  @Test
  void lastSeenIsOfferedForWritingUntilItsWriteIsConfirmed() {
    states.onTelemetry(sample("a", T0, 0), T0);

    assertEquals(java.util.Map.of("a", T0), states.seenSinceLastSync());
    assertEquals(java.util.Map.of("a", T0), states.seenSinceLastSync());
    states.markSynced(java.util.Map.of("a", T0));
    assertTrue(states.seenSinceLastSync().isEmpty());
  }

  @Test
  void silenceAndLastWillTakeADeviceOffline() {
    states.onTelemetry(sample("a", T0, 0), T0);
    states.onTelemetry(sample("b", T0, 0), T0.plusSeconds(25));

    assertEquals(List.of("a"), states.markSilentOffline(T0.plusSeconds(31), Duration.ofSeconds(30)));
    states.onStatus("b", false, T0.plusSeconds(32));

    assertFalse(states.get("a").orElseThrow().getBoolean("online"));
    assertFalse(states.get("b").orElseThrow().getBoolean("online"));
    assertEquals(0, states.online());
  }

  @Test
  void pagesAreOrderedByIdAndFilteredByOnline() {
    for (String id : List.of("c", "a", "d", "b")) {
      states.onTelemetry(sample(id, T0, 0), T0);
    }
    states.onStatus("b", false, T0);

    DeviceStates.Page first = states.list(null, 2, null);
    DeviceStates.Page second = states.list(first.last(), 2, null);
    DeviceStates.Page online = states.list(null, 10, true);

    assertEquals(List.of("a", "b"), first.items().stream().map(d -> d.getString("device_id")).toList());
    assertEquals("b", first.last());
    assertEquals(List.of("c", "d"), second.items().stream().map(d -> d.getString("device_id")).toList());
    assertNull(second.last());
    assertEquals(List.of("a", "c", "d"), online.items().stream().map(d -> d.getString("device_id")).toList());
  }
}
