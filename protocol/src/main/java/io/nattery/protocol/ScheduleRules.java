package io.nattery.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The schedule rules of PROTOCOL.md that depend on the clock and the device: slots sorted and
 * non-overlapping, each aligned to the MTU and exactly one MTU long, inside
 * [now - 1 MTU, now + 48 h], rate_kw at most the rated power. Checked by the cloud before
 * publishing and by the device before applying. Stateless: share one instance.
 */
public final class ScheduleRules {

  public static final Duration HORIZON = Duration.ofHours(48);

  public ScheduleRules() {
  }

  /** Every broken rule, each naming its field ({@code slots[2].start}); empty when the schedule is valid. */
  public List<FieldError> check(Schedule schedule, Instant now, double ratedPowerKw) {
    if (!(ratedPowerKw > 0) || Double.isInfinite(ratedPowerKw)) {
      throw new IllegalArgumentException("rated power must be positive: " + ratedPowerKw);
    }
    List<FieldError> errors = new ArrayList<>();
    Duration mtu = schedule.resolution();
    if (!Contract.SUPPORTED_MTUS.contains(mtu)) {
      errors.add(new FieldError("resolution", "must be one of PT15M, PT30M, PT60M"));
      return errors; // alignment and length mean nothing without a valid MTU
    }
    if (schedule.slots().isEmpty()) {
      errors.add(new FieldError("slots", "must hold at least one slot"));
    }
    long mtuMillis = mtu.toMillis();
    Instant earliest = now.minus(mtu);
    Instant latest = now.plus(HORIZON);
    Schedule.Slot previous = null;
    for (int i = 0; i < schedule.slots().size(); i++) {
      Schedule.Slot slot = schedule.slots().get(i);
      String at = "slots[" + i + "].";
      if (Math.floorMod(slot.start().toEpochMilli(), mtuMillis) != 0 || slot.start().getNano() % 1_000_000 != 0) {
        errors.add(new FieldError(at + "start", "not aligned to " + Wire.mtu(mtu)));
      }
      if (!Duration.between(slot.start(), slot.end()).equals(mtu)) {
        errors.add(new FieldError(at + "end", "slot must be exactly one MTU (" + Wire.mtu(mtu) + ") long"));
      }
      if (slot.start().isBefore(earliest)) {
        errors.add(new FieldError(at + "start", "before the window start " + earliest + " (now - 1 MTU)"));
      }
      if (slot.end().isAfter(latest)) {
        errors.add(new FieldError(at + "end", "after the window end " + latest + " (now + 48 h)"));
      }
      if (slot.rateKw() > ratedPowerKw) {
        errors.add(new FieldError(at + "rate_kw", slot.rateKw() + " kW is above the rated power " + ratedPowerKw + " kW"));
      }
      if (previous != null) {
        if (slot.start().isBefore(previous.start())) {
          errors.add(new FieldError(at + "start", "slots must be sorted by start"));
        } else if (slot.start().isBefore(previous.end())) {
          errors.add(new FieldError(at + "start", "overlaps slots[" + (i - 1) + "]"));
        }
      }
      previous = slot;
    }
    return errors;
  }
}
