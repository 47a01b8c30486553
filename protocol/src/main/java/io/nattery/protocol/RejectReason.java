package io.nattery.protocol;

/** Why a payload was refused, in the order the checks run. */
public enum RejectReason {
  OVERSIZED("oversized"),
  MALFORMED_JSON("malformed_json"),
  /** {@code "v"} is not 1: the payload is never read against the version 1 schema. */
  UNKNOWN_VERSION("unsupported_version"),
  SCHEMA_INVALID("schema_invalid"),
  /** Schema-valid, but its values contradict each other (e.g. a slot that ends before it starts). */
  SEMANTIC_INVALID("semantic_invalid");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  /** The word a device puts in a FAILED ack's reason (PROTOCOL.md: {@code unsupported_version}, ...). */
  public String code() {
    return code;
  }
}
