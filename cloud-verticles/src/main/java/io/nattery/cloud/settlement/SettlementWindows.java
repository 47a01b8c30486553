package io.nattery.cloud.settlement;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which window a settlement run covers, and the time chunks it is settled in. The frequent run covers the
 * look-back; a re-settlement of a longer window runs when a node starts settling and then every
 * {@code resettleEvery}, so a Pi that replays its buffer after being offline longer than the look-back is still
 * settled. Every window is settled chunk by chunk, each read, settled and written before the next, so memory is
 * bounded by one chunk of the fleet's history however long the window.
 */
public final class SettlementWindows {

  private final Duration lookback;
  private final Duration resettle;
  private final Duration resettleEvery;
  private final Duration grace;
  private final Duration chunk;

  /**
   * @param chunk a whole number of hours, so that every MTU (15, 30 or 60 min, aligned to the hour) lies wholly in
   *              one chunk
   */
  public SettlementWindows(Duration lookback, Duration resettle, Duration resettleEvery, Duration grace,
                           Duration chunk) {
    if (grace.isNegative() || lookback.compareTo(grace) <= 0 || resettle.compareTo(lookback) < 0
      || resettleEvery.isZero() || resettleEvery.isNegative() || chunk.compareTo(Duration.ofHours(1)) < 0
      || chunk.toSeconds() % 3600 != 0) {
      throw new IllegalArgumentException("0 <= grace < lookback <= resettle, resettle_every > 0 and a chunk of whole "
        + "hours are required");
    }
    this.lookback = lookback;
    this.resettle = resettle;
    this.resettleEvery = resettleEvery;
    this.grace = grace;
    this.chunk = chunk;
  }

  /** A window of MTUs to settle: those lying wholly in {@code [from, to)}. */
  public record Window(Instant from, Instant to, boolean resettlement) {
  }

  /** The frequent run's window. */
  public Window recent(Instant now) {
    return new Window(now.minus(lookback), now.minus(grace), false);
  }

  /** The long re-settlement's window. */
  public Window resettlement(Instant now) {
    return new Window(now.minus(resettle), now.minus(grace), true);
  }

  /**
   * A scheduled run's window: the long one when this node has not completed one yet ({@code lastResettlement}
   * null) or the last one began at least {@code resettleEvery} ago; the look-back otherwise.
   */
  public Window scheduled(Instant now, Instant lastResettlement) {
    boolean due = lastResettlement == null || !now.isBefore(lastResettlement.plus(resettleEvery));
    return due ? resettlement(now) : recent(now);
  }

  /** {@code [from, to)} cut at multiples of the chunk length since the epoch (UTC), in time order. */
  public List<Window> chunks(Window window) {
    List<Window> chunks = new ArrayList<>();
    long length = chunk.toSeconds();
    Instant start = window.from();
    while (start.isBefore(window.to())) {
      Instant next = Instant.ofEpochSecond((Math.floorDiv(start.getEpochSecond(), length) + 1) * length);
      Instant end = next.isBefore(window.to()) ? next : window.to();
      chunks.add(new Window(start, end, window.resettlement()));
      start = end;
    }
    return chunks;
  }
}
