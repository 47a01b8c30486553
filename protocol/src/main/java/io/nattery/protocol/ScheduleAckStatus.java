package io.nattery.protocol;

/** Schedule ack: RECEIVED, then APPLIED or FAILED. Upper case on the wire. */
public enum ScheduleAckStatus {
  RECEIVED, APPLIED, FAILED;

  public String wire() {
    return name();
  }

  public static ScheduleAckStatus fromWire(String value) {
    for (ScheduleAckStatus candidate : values()) {
      if (candidate.name().equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown schedule ack status: " + value);
  }
}
