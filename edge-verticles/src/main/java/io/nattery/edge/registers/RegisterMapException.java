package io.nattery.edge.registers;

import java.util.List;

/** A register map that cannot be used, with every problem found in it. */
public final class RegisterMapException extends RuntimeException {
  private final List<String> problems;

  public RegisterMapException(String source, List<String> problems) {
    super("invalid register map " + source + ": " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
