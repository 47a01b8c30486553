package io.nattery.cloud.history;

import io.nattery.cloud.api.Problems.FieldProblem;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TelemetryQueryTest {

  private static Set<String> fieldsIn(List<FieldProblem> errors) {
    return errors.stream().map(FieldProblem::field).collect(Collectors.toSet());
  }

  @Test
  void stepIsAnIsoDurationOrSecondsAndDefaultsToAMinute() {
    String from = "2026-11-23T00:00:00Z";
    String to = "2026-11-23T06:00:00Z";

    assertEquals(Duration.ofMinutes(15), TelemetryQuery.parse(from, to, "PT15M").query().step());
    assertEquals(Duration.ofSeconds(90), TelemetryQuery.parse(from, to, "90").query().step());
    assertEquals(Duration.ofMinutes(1), TelemetryQuery.parse(from, to, null).query().step());
  }

  @Test
  void theStrideIsInTheLargestUnitThatDividesTheStep() {
    String from = "2026-11-23T00:00:00Z";
    String to = "2026-11-30T00:00:00Z";

    assertEquals("15m", TelemetryQuery.parse(from, to, "PT15M").query().sampleBy());
    assertEquals("90s", TelemetryQuery.parse(from, to, "90").query().sampleBy());
    assertEquals("2h", TelemetryQuery.parse(from, to, "PT2H").query().sampleBy());
    assertEquals("1d", TelemetryQuery.parse(from, to, "P1D").query().sampleBy());
  }

  @Test
  void badParametersAreNamed() {
    assertEquals(Set.of("from", "to"), fieldsIn(TelemetryQuery.parse(null, "yesterday", null).errors()));
    assertEquals(Set.of("step"), fieldsIn(TelemetryQuery.parse("2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z", "PT0.5S").errors()));
    assertEquals(Set.of("step"), fieldsIn(TelemetryQuery.parse("2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z", "0").errors()));
    assertEquals(Set.of("step"), fieldsIn(TelemetryQuery.parse("2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z", "P8D").errors()));
    assertEquals(Set.of("step"), fieldsIn(TelemetryQuery.parse("2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z", "soon").errors()));
    assertEquals(Set.of("to"), fieldsIn(TelemetryQuery.parse("2026-11-23T01:00:00Z", "2026-11-23T01:00:00Z", null).errors()));
    assertEquals(Set.of("to"), fieldsIn(TelemetryQuery.parse("2026-11-23T01:00:00Z", "+999999999-12-31T23:59:59Z", null).errors()));
  }

  @Test
  void atMostTenThousandPointsPerAnswer() {
    // exactly 10,000 minutes from an aligned start, then one second more, which touches a 10,001st bucket
    Instant from = Instant.parse("2026-01-01T00:00:00Z");
    Instant to = from.plus(Duration.ofMinutes(TelemetryQuery.MAX_POINTS));

    assertEquals(List.of(), TelemetryQuery.parse(from.toString(), to.toString(), "PT1M").errors());
    TelemetryQuery.Parsed tooMany = TelemetryQuery.parse(from.toString(), to.plusSeconds(1).toString(), "PT1M");
    assertNull(tooMany.query());
    assertEquals(Set.of("from", "to", "step"), fieldsIn(tooMany.errors()));
  }

  @Test
  void anUnalignedRangeCountsTheBucketsItTouches() {
    Instant from = Instant.parse("2026-01-01T00:00:30Z");

    assertEquals(2, TelemetryQuery.pointsOf(from, from.plusSeconds(60), Duration.ofMinutes(1)));
    assertEquals(1, TelemetryQuery.pointsOf(from, from.plusSeconds(30), Duration.ofMinutes(1)));
  }
}
