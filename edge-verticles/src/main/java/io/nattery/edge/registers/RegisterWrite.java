package io.nattery.edge.registers;

import java.util.List;

/** Words to write with one request (function 16), starting at {@code address}. */
public record RegisterWrite(int address, List<Integer> values) {
  public RegisterWrite {
    values = List.copyOf(values);
  }

  public static RegisterWrite of(int address, int[] words) {
    return new RegisterWrite(address, java.util.Arrays.stream(words).boxed().toList());
  }

  public int[] words() {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }
}
