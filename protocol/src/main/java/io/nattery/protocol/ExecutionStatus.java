package io.nattery.protocol;

/** Execution ack, one per slot that started. Upper case on the wire. */
public enum ExecutionStatus {
  EXECUTED, FAILED;

  public String wire() {
    return name();
  }

  public static ExecutionStatus fromWire(String value) {
    for (ExecutionStatus candidate : values()) {
      if (candidate.name().equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown execution status: " + value);
  }
}
