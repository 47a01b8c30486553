package io.nattery.protocol;

/** Command result: ACCEPTED, then DONE, REJECTED, FAILED or EXPIRED. Upper case on the wire. */
public enum CommandStatus {
  ACCEPTED, DONE, REJECTED, FAILED, EXPIRED;

  public String wire() {
    return name();
  }

  public static CommandStatus fromWire(String value) {
    for (CommandStatus candidate : values()) {
      if (candidate.name().equals(value)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown command status: " + value);
  }
}
