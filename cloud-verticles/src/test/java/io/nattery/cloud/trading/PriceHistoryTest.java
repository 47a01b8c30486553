package io.nattery.cloud.trading;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PriceHistoryTest {

  private static PriceHistory parse(String csv) throws Exception {
    return PriceHistory.parseCsv(new StringReader(csv));
  }

  private static PriceHistory.Malformed refused(String csv) {
    return assertThrows(PriceHistory.Malformed.class, () -> parse(csv));
  }

  @Test
  void readsConsecutiveRowsAndTheirMtu() throws Exception {
    PriceHistory prices = parse("start,price\n2026-11-23T00:00:00Z,87.12\n2026-11-23T00:15:00Z,-3.5\r\n"
        + "2026-11-23T00:30:00Z,0\n\n");

    assertEquals(Instant.parse("2026-11-23T00:00:00Z"), prices.start());
    assertEquals(Duration.ofMinutes(15), prices.mtu());
    assertArrayEquals(new double[] {87.12, -3.5, 0}, prices.pricesEurPerMwh());
    assertEquals(0.25, prices.slotHours());
    assertEquals(Instant.parse("2026-11-23T00:30:00Z"), prices.slotStart(2));
  }

  @Test
  void namesTheLineOfEachMistake() {
    assertEquals(1, refused("").line());
    assertEquals(1, refused("time,price\n2026-11-23T00:00:00Z,1\n").line());
    assertEquals(3, refused("start,price\n2026-11-23T00:00:00Z,1\n2026-11-23T00:15:00Z\n").line());
    assertEquals(3, refused("start,price\n2026-11-23T00:00:00Z,1\n2026-11-23T00:15:00Z,abc\n").line());
    assertEquals(2, refused("start,price\n2026-11-23T00:00:00Z,NaN\n2026-11-23T00:15:00Z,1\n").line());
    assertEquals(2, refused("start,price\n2026-11-23T00:00:00+01:00,1\n2026-11-23T00:15:00Z,1\n").line());
    assertEquals(2, refused("start,price\n23.11.2026 00:00Z,1\n2026-11-23T00:15:00Z,1\n").line());
    // a gap, then a row out of order, after the MTU was read off the first two rows
    assertEquals(4, refused("start,price\n2026-11-23T00:00:00Z,1\n2026-11-23T00:15:00Z,1\n"
        + "2026-11-23T00:45:00Z,1\n").line());
    assertEquals(4, refused("start,price\n2026-11-23T00:00:00Z,1\n2026-11-23T00:15:00Z,1\n"
        + "2026-11-23T00:15:00Z,1\n").line());
    // an MTU the market does not have, and a single row, from which no MTU can be read
    assertEquals(3, refused("start,price\n2026-11-23T00:00:00Z,1\n2026-11-23T00:20:00Z,1\n").line());
    assertEquals(2, refused("start,price\n2026-11-23T00:00:00Z,1\n").line());
  }

  @Test
  void theMessageSaysWhatIsWrong() {
    PriceHistory.Malformed gap = refused("start,price\n2026-11-23T00:00:00Z,1\n2026-11-23T01:00:00Z,1\n"
        + "2026-11-23T03:00:00Z,1\n");

    assertTrue(gap.getMessage().startsWith("line 4: "), gap.getMessage());
    assertTrue(gap.getMessage().contains("2026-11-23T02:00:00Z"), gap.getMessage());
  }
}
