package io.nattery.cloud.trading;

import io.nattery.protocol.PriceCurve;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SiteLoadForecastTest {

  private static final ZoneId BRUSSELS = ZoneId.of("Europe/Brussels");

  /** Every quarter-hour of the local day {@code day}, with a net load from the local hour. */
  private static List<SiteLoadForecast.Sample> day(LocalDate day, java.util.function.IntToDoubleFunction byHour) {
    List<SiteLoadForecast.Sample> samples = new ArrayList<>();
    for (ZonedDateTime t = day.atStartOfDay(BRUSSELS); t.isBefore(day.plusDays(1).atStartOfDay(BRUSSELS));
         t = t.plusMinutes(15)) {
      samples.add(new SiteLoadForecast.Sample(t.toInstant(), byHour.applyAsDouble(t.getHour())));
    }
    return samples;
  }

  private static List<PriceCurve.Point> slots(LocalDate day, Duration mtu) {
    List<PriceCurve.Point> points = new ArrayList<>();
    for (ZonedDateTime t = day.atStartOfDay(BRUSSELS); t.isBefore(day.plusDays(1).atStartOfDay(BRUSSELS));
         t = t.plus(mtu)) {
      points.add(new PriceCurve.Point(t.toInstant(), t.plus(mtu).toInstant(), 50));
    }
    return points;
  }

  @Test
  void eachSlotGetsTheWorstLoadSeenAtItsTimeOfDay() {
    List<SiteLoadForecast.Sample> history = new ArrayList<>(day(LocalDate.of(2026, 11, 20), h -> h == 18 ? 4.0 : 0.5));
    history.addAll(day(LocalDate.of(2026, 11, 21), h -> h == 18 ? 6.0 : h == 12 ? -2.0 : 0.4));

    double[] forecast = SiteLoadForecast.of(history, slots(LocalDate.of(2026, 11, 23), Duration.ofMinutes(15)), BRUSSELS);

    assertEquals(96, forecast.length);
    assertEquals(6.0, forecast[18 * 4]);
    assertEquals(0.5, forecast[12 * 4], "the worse of a sunny -2 kW and 0.5 kW");
    assertEquals(0.5, forecast[3 * 4]);
  }

  @Test
  void anHourlySlotTakesItsWorstQuarter() {
    List<SiteLoadForecast.Sample> history = new ArrayList<>(day(LocalDate.of(2026, 11, 21), h -> 1.0));
    ZonedDateTime peak = LocalDate.of(2026, 11, 21).atTime(19, 30).atZone(BRUSSELS);
    history.add(new SiteLoadForecast.Sample(peak.toInstant(), 7.5));

    double[] forecast = SiteLoadForecast.of(history, slots(LocalDate.of(2026, 11, 23), Duration.ofHours(1)), BRUSSELS);

    assertEquals(24, forecast.length);
    assertEquals(7.5, forecast[19]);
    assertEquals(1.0, forecast[20]);
  }

  @Test
  void theEveningStaysInTheEveningAcrossTheDstChange() {
    // history in CEST (October), a forecast for a CET day: the same local hours, not the same UTC hours
    List<SiteLoadForecast.Sample> history = day(LocalDate.of(2026, 10, 24), h -> h == 19 ? 5.0 : 1.0);

    double[] forecast = SiteLoadForecast.of(history, slots(LocalDate.of(2026, 10, 26), Duration.ofMinutes(15)), BRUSSELS);

    assertEquals(5.0, forecast[19 * 4]);
    assertEquals(1.0, forecast[18 * 4]);
  }

  @Test
  void aTimeOfDayWithoutHistoryMeansNoForecast() {
    List<SiteLoadForecast.Sample> history = new ArrayList<>(day(LocalDate.of(2026, 11, 21), h -> 1.0));
    history.removeIf(s -> s.start().atZone(BRUSSELS).getHour() == 3);

    assertNull(SiteLoadForecast.of(history, slots(LocalDate.of(2026, 11, 23), Duration.ofMinutes(15)), BRUSSELS));
    assertArrayEquals(new double[0], SiteLoadForecast.of(history, List.of(), BRUSSELS));
  }

  @Test
  void noHistoryMeansNoForecast() {
    assertNull(SiteLoadForecast.of(List.of(), slots(LocalDate.of(2026, 11, 23), Duration.ofMinutes(15)), BRUSSELS));
  }
}
