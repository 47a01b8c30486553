package io.nattery.edge.registers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The reads that fetch a set of registers in as few requests as possible: registers sorted by address
 * are packed greedily into blocks of at most {@code maxPerRead} registers, which is optimal for intervals
 * on a line. A block may span registers nobody asked for, but only ones the map declares, so a strict
 * device never sees an address it does not have; a register is never split between two blocks.
 */
public final class ReadPlan {

  /** One read request: {@code count} registers from {@code address}. */
  public record Block(int address, int count) {
    public int end() {
      return address + count;
    }
  }

  private final RegisterMap map;
  private final List<Block> blocks;
  private final List<Register> registers;

  private ReadPlan(RegisterMap map, List<Block> blocks, List<Register> registers) {
    this.map = map;
    this.blocks = List.copyOf(blocks);
    this.registers = List.copyOf(registers);
  }

  /** Everything a Telemetry sample needs: the registers feeding a field, and their scale-factor registers. */
  public static ReadPlan forTelemetry(RegisterMap map) {
    Set<Register> wanted = new LinkedHashSet<>();
    for (Register register : map.registers()) {
      if (register.field() != null) {
        wanted.add(register);
        map.scaleRegisterOf(register).ifPresent(wanted::add);
      }
    }
    return of(map, wanted, RegisterMap.MAX_READ_REGISTERS);
  }

  public static ReadPlan of(RegisterMap map, Collection<Register> wanted) {
    return of(map, wanted, RegisterMap.MAX_READ_REGISTERS);
  }

  public static ReadPlan of(RegisterMap map, Collection<Register> wanted, int maxPerRead) {
    if (maxPerRead < 1 || maxPerRead > RegisterMap.MAX_READ_REGISTERS) {
      throw new IllegalArgumentException("maxPerRead must be 1.." + RegisterMap.MAX_READ_REGISTERS + ", got " + maxPerRead);
    }
    List<Register> sorted = new ArrayList<>(new LinkedHashSet<>(wanted));
    sorted.sort(Comparator.comparingInt(Register::address));
    List<Block> blocks = new ArrayList<>();
    int start = -1;
    int end = -1;
    for (Register register : sorted) {
      if (!register.readable()) {
        throw new IllegalArgumentException("register '" + register.name() + "' is not readable");
      }
      if (!register.equals(map.find(register.name()).orElse(null))) {
        throw new IllegalArgumentException("register '" + register.name() + "' is not in map " + map.name());
      }
      if (register.length() > maxPerRead) {
        throw new IllegalArgumentException("register '" + register.name() + "' (" + register.length()
            + " words) does not fit one read of " + maxPerRead);
      }
      boolean extend = start >= 0 && register.end() - start <= maxPerRead && declaredAndReadable(map, end, register.address());
      if (extend) {
        end = Math.max(end, register.end());
      } else {
        if (start >= 0) {
          blocks.add(new Block(start, end - start));
        }
        start = register.address();
        end = register.end();
      }
    }
    if (start >= 0) {
      blocks.add(new Block(start, end - start));
    }
    return new ReadPlan(map, blocks, sorted);
  }

  /** True when every address in [from, to) belongs to a readable register of the map. */
  private static boolean declaredAndReadable(RegisterMap map, int from, int to) {
    int address = from;
    while (address < to) {
      Register register = map.at(address).orElse(null);
      if (register == null || !register.readable()) {
        return false;
      }
      address = register.end();
    }
    return true;
  }

  public List<Block> blocks() {
    return blocks;
  }

  /** The registers the plan was made for, by address. */
  public List<Register> registers() {
    return registers;
  }

  public RegisterMap map() {
    return map;
  }

  /**
   * Joins the replies to this plan's reads, one per block and in block order.
   * @throws RegisterDecodingException when a reply is missing or has the wrong length
   */
  public RegisterSnapshot snapshot(List<int[]> replies) {
    if (replies.size() != blocks.size()) {
      throw new RegisterDecodingException("expected " + blocks.size() + " replies, got " + replies.size());
    }
    for (int i = 0; i < blocks.size(); i++) {
      if (replies.get(i).length != blocks.get(i).count()) {
        throw new RegisterDecodingException("read of " + blocks.get(i).count() + " registers at "
            + blocks.get(i).address() + " returned " + replies.get(i).length);
      }
    }
    return new RegisterSnapshot(map, blocks, replies);
  }

  @Override
  public String toString() {
    return "ReadPlan" + blocks;
  }
}
