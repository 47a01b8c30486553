package io.nattery.cloud.prices;

import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.PriceCurve;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticPricesTest {

  private static final Instant NOW = Instant.parse("2026-03-28T10:00:00Z");

  @Test
  void theSameZoneAndDayGiveTheSameLabelledContractValidCurve() {
    PriceCurve curve = SyntheticPrices.curve("DE_LU", LocalDate.parse("2026-06-15"), NOW);

    assertEquals(curve, SyntheticPrices.curve("DE_LU", LocalDate.parse("2026-06-15"), NOW));
    assertNotEquals(curve.points(), SyntheticPrices.curve("NL", LocalDate.parse("2026-06-15"), NOW).points());
    assertEquals("synthetic", curve.source());
    assertEquals(96, curve.points().size());
    assertTrue(new MessageValidator().decode(MessageType.PRICE_CURVE, curve.toJson()).isAccepted());
  }

  @Test
  void dstDaysHave92And100QuarterHours() {
    assertEquals(92, SyntheticPrices.curve("AT", LocalDate.parse("2026-03-29"), NOW).points().size());
    assertEquals(100, SyntheticPrices.curve("AT", LocalDate.parse("2026-10-25"), NOW).points().size());
  }

  @Test
  void morningAndEveningPeaksAboveTheMiddayDipWhichGoesNegativeOnSomeDaysOnly() {
    int negativeDays = 0;
    LocalDate first = LocalDate.parse("2026-01-05");
    for (int d = 0; d < 5; d++) {
      PriceCurve curve = SyntheticPrices.curve("DE_LU", first.plusDays(d), NOW);
      double morning = priceAt(curve, 8);
      double midday = priceAt(curve, 13);
      double evening = priceAt(curve, 19);
      double night = priceAt(curve, 3);
      assertTrue(morning > night && evening > morning && midday < night, curve.deliveryDay() + ": " + night + " "
        + morning + " " + midday + " " + evening);
      if (curve.points().stream().anyMatch(p -> p.price() < 0)) {
        negativeDays++;
      }
    }
    assertTrue(negativeDays >= 1 && negativeDays < 5, "negative on " + negativeDays + " of 5 days");
  }

  private static double priceAt(PriceCurve curve, int localHour) {
    return curve.points().stream()
      .filter(p -> ZonedDateTime.ofInstant(p.start(), EntsoeDocumentParser.DELIVERY_TIME_ZONE).getHour() == localHour)
      .mapToDouble(PriceCurve.Point::price).average().orElseThrow();
  }
}
