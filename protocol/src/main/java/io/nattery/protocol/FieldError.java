package io.nattery.protocol;

import java.util.Objects;

/**
 * What is wrong with one field, named like {@code slots[3].rate_kw}; an empty field means the
 * payload as a whole. The shape of problem+json's {@code errors} entries.
 */
public record FieldError(String field, String message) {

  public FieldError {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return field.isEmpty() ? message : field + ": " + message;
  }
}
