package io.nattery.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UtcTimestampsTest {

  @Test
  void readsThePlainFormAsInstantParseDoes() {
    Random random = new Random(11);
    for (int i = 0; i < 50_000; i++) {
      Instant instant = Instant.ofEpochSecond(random.nextLong(253_402_300_799L), random.nextInt(1_000_000_000));
      String text = instant.toString(); // 0, 3, 6 or 9 fraction digits
      int digits = random.nextInt(10);
      String cut = digits == 0 ? text.substring(0, 19) + "Z"
          : (text.length() > 20 ? text.substring(0, 19) + "." + (text.substring(20, text.length() - 1) + "000000000")
              .substring(0, digits) + "Z" : text.substring(0, 19) + "." + "0".repeat(digits) + "Z");
      Instant plain = UtcTimestamps.parsePlain(cut);
      assertNotNull(plain, cut);
      assertEquals(Instant.parse(cut), plain, cut);
    }
  }

  @Test
  void leavesEverythingElseToInstantParse() {
    for (String text : List.of("2026-12-31T23:59:60Z", "1969-12-31T23:59:59Z", "2026-11-23T10:00:00+00:00",
        "2026-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23t10:00:00Z", "2026-11-23T10:00:00.Z",
        "2026-11-23T10:00:00.1234567890Z", "\u0662026-11-23T10:00:00Z", "2026-11-23T10:00:00Z\n", "")) {
      assertNull(UtcTimestamps.parsePlain(text), text);
    }
    assertEquals(Instant.parse("1969-12-31T23:59:59Z"), UtcTimestamps.parse("1969-12-31T23:59:59Z"));
    assertThrows(DateTimeParseException.class, () -> UtcTimestamps.parse("2026-02-29T00:00:00Z"));
    assertNull(UtcTimestamps.parsePlain(42));
  }
}
