package io.nattery.cloud.prices;

import io.nattery.protocol.PriceCurve;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

/** What an ENTSO-E answer to a day-ahead price request says. */
public sealed interface EntsoeDocument {

  /**
   * A {@code Publication_MarketDocument}: a curve for every delivery day (Europe/Brussels) that it covers
   * completely, in day order, and the days it touches without covering them.
   */
  record Prices(String zone, List<PriceCurve> days, List<IncompleteDay> incompleteDays) implements EntsoeDocument {

    public Prices {
      days = List.copyOf(days);
      incompleteDays = List.copyOf(incompleteDays);
    }
  }

  /** An {@code Acknowledgement_MarketDocument} with reason 999: nothing is published for the interval (yet). */
  record NotPublished(String reason) implements EntsoeDocument {
  }

  /** A delivery day the document holds only some market time units of, counted at its finest resolution. */
  record IncompleteDay(LocalDate day, int presentMtus, int expectedMtus, Duration resolution) {

    public String describe() {
      return day + ": " + presentMtus + " of " + expectedMtus + " MTUs of PT" + resolution.toMinutes() + "M";
    }
  }
}
