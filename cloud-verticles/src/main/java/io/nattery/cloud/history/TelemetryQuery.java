package io.nattery.cloud.history;

import io.nattery.cloud.api.Problems.FieldProblem;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of {@code GET /api/v1/devices/{id}/telemetry?from&to&step}: {@code from} and {@code to} in
 * ISO-8601 UTC ({@code [from, to)}), {@code step} an ISO-8601 duration ({@code PT15M}) or whole seconds, 60 s when
 * absent. One answer holds at most {@link #MAX_POINTS} buckets.
 */
public record TelemetryQuery(Instant from, Instant to, Duration step) {

  public static final int MAX_POINTS = 10_000;
  public static final Duration DEFAULT_STEP = Duration.ofMinutes(1);
  public static final Duration MAX_STEP = Duration.ofDays(7);
  private static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");

  /** The query, or the problems of each parameter. */
  public record Parsed(TelemetryQuery query, List<FieldProblem> errors) {
  }

  public static Parsed parse(String from, String to, String step) {
    List<FieldProblem> errors = new ArrayList<>();
    Instant start = instant("from", from, errors);
    Instant end = instant("to", to, errors);
    Duration stride = step == null ? DEFAULT_STEP : duration(step, errors);
    if (start != null && end != null && !end.isAfter(start)) {
      errors.add(new FieldProblem("to", "must be after from"));
    }
    if (errors.isEmpty()) {
      long points = pointsOf(start, end, stride);
      if (points > MAX_POINTS) {
        String message = "from, to and step ask for " + points + " points; at most " + MAX_POINTS
          + " per answer: shorten the range or lengthen the step";
        errors.add(new FieldProblem("from", message));
        errors.add(new FieldProblem("to", message));
        errors.add(new FieldProblem("step", message));
      }
    }
    return errors.isEmpty()
      ? new Parsed(new TelemetryQuery(start, end, stride), List.of())
      : new Parsed(null, List.copyOf(errors));
  }

  /** The step as a SAMPLE BY stride, in the largest unit that divides it (QuestDB aligns buckets to that unit). */
  public String sampleBy() {
    long s = step.getSeconds();
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  /** The buckets {@code [from, to)} touches, buckets being aligned to multiples of the step since the epoch. */
  static long pointsOf(Instant from, Instant to, Duration step) {
    long stride = step.toNanos();
    long first = Math.floorDiv(nanos(from), stride);
    long last = Math.floorDiv(nanos(to) - 1, stride);
    return last - first + 1;
  }

  private static long nanos(Instant t) {
    // seconds since the epoch fit a long of nanoseconds until 2262
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static Instant instant(String name, String value, List<FieldProblem> errors) {
    if (value == null) {
      errors.add(new FieldProblem(name, "is required: an ISO-8601 UTC time such as 2026-11-23T00:00:00Z"));
      return null;
    }
    try {
      Instant t = Instant.parse(value);
      if (t.isBefore(Instant.EPOCH) || t.isAfter(LATEST)) {
        errors.add(new FieldProblem(name, "must lie between 1970 and 2200"));
        return null;
      }
      return t;
    } catch (DateTimeParseException e) {
      errors.add(new FieldProblem(name, "must be an ISO-8601 UTC time such as 2026-11-23T00:00:00Z"));
      return null;
    }
  }

  private static Duration duration(String value, List<FieldProblem> errors) {
    Duration step;
    try {
      step = value.matches("[0-9]{1,9}") ? Duration.ofSeconds(Long.parseLong(value)) : Duration.parse(value);
    } catch (DateTimeParseException e) {
      step = null;
    }
    if (step == null || step.getNano() != 0 || step.getSeconds() < 1 || step.compareTo(MAX_STEP) > 0) {
      errors.add(new FieldProblem("step", "must be whole seconds from 1 s to 7 days, as an ISO-8601 duration "
        + "(PT15M) or a number of seconds"));
      return null;
    }
    return step;
  }
}
