package io.nattery.protocol;

import java.util.List;
import java.util.Objects;

/** A refused payload: why, and which fields (at least one entry). */
public record Rejection(RejectReason reason, List<FieldError> errors) {

  public Rejection {
    Objects.requireNonNull(reason, "reason");
    errors = List.copyOf(errors);
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a rejection names at least one error");
    }
  }

  public static Rejection of(RejectReason reason, String field, String message) {
    return new Rejection(reason, List.of(new FieldError(field, message)));
  }

  /**
   * The reason of a FAILED ack as PROTOCOL.md writes it: {@code unsupported_version}, or the first
   * field for content errors, {@code schema_invalid: slots[3].rate_kw}.
   */
  public String ackReason() {
    String field = errors.get(0).field();
    boolean namesField = reason == RejectReason.SCHEMA_INVALID || reason == RejectReason.SEMANTIC_INVALID;
    return namesField && !field.isEmpty() ? reason.code() + ": " + field : reason.code();
  }
}
