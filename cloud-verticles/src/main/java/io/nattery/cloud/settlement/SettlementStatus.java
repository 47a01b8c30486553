package io.nattery.cloud.settlement;

/** Whether an MTU's energy is known; only a settled MTU carries energy and money. */
public enum SettlementStatus {
  /** Both boundaries were read and every counter only rose in between. */
  SETTLED("settled"),
  /** A counter went backwards (an inverter reset or replacement): the MTU's delta is not invented. */
  COUNTER_RESET("counter_reset"),
  /** A boundary had no reading close enough before it: what flowed around it cannot be split between MTUs. */
  GAP("gap");

  private final String wire;

  SettlementStatus(String wire) {
    this.wire = wire;
  }

  /** The name in the database and the API. */
  public String wire() {
    return wire;
  }
}
