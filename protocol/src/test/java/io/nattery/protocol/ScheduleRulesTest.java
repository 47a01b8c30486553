package io.nattery.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleRulesTest {

  private static final ScheduleRules RULES = new ScheduleRules();
  private static final Instant ISSUED = Instant.parse("2026-11-22T15:05:00Z");
  private static final double RATED_KW = 5;

  /** The example: three PT15M slots from 2026-11-23T00:00Z, the fastest at 4.5 kW. */
  private static Schedule example() {
    return Schedule.fromJson(Examples.json("schedule.json"));
  }

  @Test
  void exampleIsValid() {
    assertEquals(List.of(), RULES.check(example(), ISSUED, RATED_KW));
  }

  @Test
  void misalignedSlot() {
    Schedule schedule = withSlot(example(), 0, slot("2026-11-22T23:50:00Z", "2026-11-23T00:05:00Z"));

    assertEquals(List.of("slots[0].start"), fields(RULES.check(schedule, ISSUED, RATED_KW)));
  }

  @Test
  void slotsAlignedToQuarterHoursAreMisalignedForHourlyResolution() {
    Schedule schedule = new Schedule("s", "pi-0001", 1, ISSUED, "api", null, Duration.ofMinutes(60), List.of(
        slot("2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z"),
        slot("2026-11-23T01:15:00Z", "2026-11-23T02:15:00Z")));

    assertEquals(List.of("slots[1].start"), fields(RULES.check(schedule, ISSUED, RATED_KW)));
  }

  @Test
  void overlappingSlots() {
    Schedule schedule = withSlot(example(), 1, slot("2026-11-23T00:00:00Z", "2026-11-23T00:15:00Z"));

    List<FieldError> errors = RULES.check(schedule, ISSUED, RATED_KW);

    assertEquals(List.of(new FieldError("slots[1].start", "overlaps slots[0]")), errors);
  }

  @Test
  void unsortedSlots() {
    Schedule ordered = example();
    List<Schedule.Slot> slots = new ArrayList<>(ordered.slots());
    slots.add(slots.remove(0));
    Schedule schedule = withSlots(ordered, slots);

    assertEquals(List.of("slots[2].start"), fields(RULES.check(schedule, ISSUED, RATED_KW)));
  }

  @Test
  void slotLongerThanOneMtu() {
    Schedule schedule = withSlot(example(), 2, slot("2026-11-23T00:30:00Z", "2026-11-23T01:00:00Z"));

    assertEquals(List.of("slots[2].end"), fields(RULES.check(schedule, ISSUED, RATED_KW)));
  }

  @Test
  void slotsAfterTheHorizon() {
    // now + 48 h ends at 00:20, inside the second slot
    Instant now = Instant.parse("2026-11-21T00:20:00Z");

    assertEquals(List.of("slots[1].end", "slots[2].end"), fields(RULES.check(example(), now, RATED_KW)));
  }

  @Test
  void slotsInThePastExceptTheRunningOne() {
    // now - 1 MTU is 00:25: the slot that started at 00:30 is still fine
    Instant now = Instant.parse("2026-11-23T00:40:00Z");

    assertEquals(List.of("slots[0].start", "slots[1].start"), fields(RULES.check(example(), now, RATED_KW)));
  }

  @Test
  void slotAtTheWindowEdgesIsValid() {
    Instant now = Instant.parse("2026-11-23T00:15:00Z");
    Schedule schedule = withSlots(example(), List.of(
        slot("2026-11-23T00:00:00Z", "2026-11-23T00:15:00Z"),
        slot("2026-11-25T00:00:00Z", "2026-11-25T00:15:00Z")));

    assertEquals(List.of(), RULES.check(schedule, now, RATED_KW));
  }

  @Test
  void rateAboveRatedPower() {
    assertEquals(List.of("slots[2].rate_kw"), fields(RULES.check(example(), ISSUED, 4.0)));
  }

  @Test
  void unsupportedResolution() {
    Schedule schedule = new Schedule("s", "pi-0001", 1, ISSUED, "api", null, Duration.ofMinutes(5),
        example().slots());

    assertEquals(List.of("resolution"), fields(RULES.check(schedule, ISSUED, RATED_KW)));
  }

  @Test
  void ratedPowerMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> RULES.check(example(), ISSUED, 0));
  }

  private static Schedule.Slot slot(String start, String end) {
    return new Schedule.Slot(Instant.parse(start), Instant.parse(end), Mode.CHARGE, 2.0, null, null);
  }

  private static Schedule withSlot(Schedule schedule, int index, Schedule.Slot slot) {
    List<Schedule.Slot> slots = new ArrayList<>(schedule.slots());
    slots.set(index, slot);
    return withSlots(schedule, slots);
  }

  private static Schedule withSlots(Schedule s, List<Schedule.Slot> slots) {
    return new Schedule(s.scheduleId(), s.deviceId(), s.version(), s.issuedAt(), s.source(), s.traceId(),
        s.resolution(), slots);
  }

  private static List<String> fields(List<FieldError> errors) {
    return errors.stream().map(FieldError::field).toList();
  }
}
