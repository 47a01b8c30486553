package io.nattery.edge.registers;

/** Words read from a device that do not decode under its map (unknown enum code, unusable scale factor, ...). */
public final class RegisterDecodingException extends RuntimeException {
  public RegisterDecodingException(String message) {
    super(message);
  }
}
