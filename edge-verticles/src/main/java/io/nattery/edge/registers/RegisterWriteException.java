package io.nattery.edge.registers;

/** A write the register map refuses: unknown or read-only register, value out of range, partial register. */
public final class RegisterWriteException extends IllegalArgumentException {
  public RegisterWriteException(String message) {
    super(message);
  }
}
