package io.nattery.cloud.settlement;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettlementWindowsTest {

  private static final Instant NOW = Instant.parse("2026-11-23T10:07:30Z");
  private final SettlementWindows windows = new SettlementWindows(Duration.ofHours(6), Duration.ofHours(72),
    Duration.ofHours(24), Duration.ofSeconds(120), Duration.ofHours(6));

  @Test
  void theFirstScheduledRunAndThenOneADayReSettleTheLongWindow() {
    SettlementWindows.Window first = windows.scheduled(NOW, null);
    SettlementWindows.Window next = windows.scheduled(NOW.plusSeconds(300), NOW);
    SettlementWindows.Window dayLater = windows.scheduled(NOW.plus(Duration.ofHours(24)), NOW);

    assertTrue(first.resettlement());
    assertEquals(NOW.minus(Duration.ofHours(72)), first.from());
    assertEquals(NOW.minusSeconds(120), first.to());
    assertFalse(next.resettlement());
    assertEquals(NOW.plusSeconds(300).minus(Duration.ofHours(6)), next.from());
    assertEquals(NOW.plusSeconds(180), next.to());
    assertTrue(dayLater.resettlement());
    assertFalse(windows.scheduled(NOW.plus(Duration.ofHours(24)).minusSeconds(1), NOW).resettlement());
  }

  @Test
  void aWindowIsCutIntoChunksAlignedToTheChunkLengthCoveringItExactlyOnce() {
    List<SettlementWindows.Window> chunks = windows.chunks(windows.resettlement(NOW));

    // 2026-11-20T10:07:30 .. 2026-11-23T10:05:30: a partial first chunk to 12:00, 11 whole ones, a partial last
    assertEquals(13, chunks.size());
    assertEquals(NOW.minus(Duration.ofHours(72)), chunks.get(0).from());
    assertEquals(Instant.parse("2026-11-20T12:00:00Z"), chunks.get(0).to());
    assertEquals(Instant.parse("2026-11-23T06:00:00Z"), chunks.get(12).from());
    assertEquals(NOW.minusSeconds(120), chunks.get(12).to());
    for (int i = 1; i < chunks.size(); i++) {
      assertEquals(chunks.get(i - 1).to(), chunks.get(i).from());
      assertTrue(Duration.between(chunks.get(i).from(), chunks.get(i).to()).compareTo(Duration.ofHours(6)) <= 0);
      assertTrue(chunks.get(i).resettlement());
    }
  }

  @Test
  void aThirtyOneDayWindowIsNeverMoreThanOneChunkAtATime() {
    Instant from = Instant.parse("2026-10-01T00:00:00Z");
    List<SettlementWindows.Window> chunks = windows.chunks(
      new SettlementWindows.Window(from, from.plus(Duration.ofDays(31)), false));

    assertEquals(31 * 4, chunks.size());
    chunks.forEach(c -> assertEquals(Duration.ofHours(6), Duration.between(c.from(), c.to())));
  }

  @Test
  void chunksOfPartHoursOrALongWindowShorterThanTheLookBackAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SettlementWindows(Duration.ofHours(6),
      Duration.ofHours(72), Duration.ofHours(24), Duration.ofSeconds(120), Duration.ofMinutes(90)));
    assertThrows(IllegalArgumentException.class, () -> new SettlementWindows(Duration.ofHours(6),
      Duration.ofHours(5), Duration.ofHours(24), Duration.ofSeconds(120), Duration.ofHours(6)));
    assertThrows(IllegalArgumentException.class, () -> new SettlementWindows(Duration.ofHours(6),
      Duration.ofHours(72), Duration.ZERO, Duration.ofSeconds(120), Duration.ofHours(6)));
  }
}
