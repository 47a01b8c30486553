package io.nattery.cloud.prices;

import io.vertx.core.Future;

import java.time.LocalDate;

/** Where day-ahead prices come from: ENTSO-E, or the demo's generated curves. */
public interface PriceSource {

  /** The prices of the delivery days {@code first..last} (Europe/Brussels) of a zone. */
  Future<FetchOutcome> dayAhead(String zone, LocalDate first, LocalDate last);

  void close();
}
