package io.nattery.edge.registers;

import java.util.ArrayList;
import java.util.List;

/** Words read at one moment from a device, decoded on demand under its register map. */
public final class RegisterSnapshot {
  private final RegisterMap map;
  private final List<ReadPlan.Block> blocks;
  private final List<int[]> words;

  RegisterSnapshot(RegisterMap map, List<ReadPlan.Block> blocks, List<int[]> words) {
    this.map = map;
    this.blocks = List.copyOf(blocks);
    List<int[]> copies = new ArrayList<>();
    for (int[] block : words) {
      copies.add(block.clone());
    }
    this.words = List.copyOf(copies);
  }

  public RegisterMap map() {
    return map;
  }

  /** True when every word of the register was read. */
  public boolean covers(Register register) {
    return blockOf(register) >= 0;
  }

  /** The integer a numeric register holds, sign applied, scale not applied. */
  public long raw(Register register) {
    int block = requireBlock(register);
    return RegisterCodec.raw(register.type(), words.get(block), register.address() - blocks.get(block).address());
  }

  /** The engineering value of a plain numeric register, scale applied (fixed or from its scale register). */
  public double number(Register register) {
    if (!register.type().numeric() || register.isEnum() || register.isBitfield()) {
      throw new IllegalArgumentException("register '" + register.name() + "' is not a plain number");
    }
    return RegisterCodec.scale(raw(register), scaleOf(register));
  }

  public double number(String name) {
    return number(map.get(name));
  }

  /** The wire value of an enumeration register. */
  public String enumValue(Register register) {
    long code = raw(register);
    String value = register.enumCodes().get((int) code);
    if (value == null) {
      throw new RegisterDecodingException("register '" + register.name() + "' at " + register.address()
          + " holds code " + code + ", which the map does not list");
    }
    return value;
  }

  public String enumValue(String name) {
    return enumValue(map.get(name));
  }

  /** The alarm codes of a bitfield register's set bits. */
  public List<String> bitCodes(Register register) {
    return RegisterCodec.bitCodes(register, raw(register));
  }

  public String text(Register register) {
    int block = requireBlock(register);
    return RegisterCodec.string(words.get(block), register.address() - blocks.get(block).address(), register.length());
  }

  public String text(String name) {
    return text(map.get(name));
  }

  /** A typed value: String for strings and enumerations, List of codes for bitfields, Double otherwise. */
  public Object value(Register register) {
    if (register.type() == RegisterType.STRING) {
      return text(register);
    }
    if (register.isEnum()) {
      return enumValue(register);
    }
    if (register.isBitfield()) {
      return bitCodes(register);
    }
    return number(register);
  }

  private int scaleOf(Register register) {
    if (register.scaleRegister() == null) {
      return register.scale() == null ? 0 : register.scale();
    }
    Register sfRegister = map.get(register.scaleRegister());
    long sf = raw(sfRegister);
    if (sf == RegisterCodec.S16_NOT_IMPLEMENTED || Math.abs(sf) > RegisterCodec.MAX_SCALE) {
      throw new RegisterDecodingException("scale factor '" + sfRegister.name() + "' at " + sfRegister.address()
          + " holds " + sf + ", not a usable exponent (-10..10)");
    }
    return (int) sf;
  }

  private int requireBlock(Register register) {
    int block = blockOf(register);
    if (block < 0) {
      throw new IllegalArgumentException("register '" + register.name() + "' was not read in this snapshot");
    }
    return block;
  }

  private int blockOf(Register register) {
    for (int i = 0; i < blocks.size(); i++) {
      ReadPlan.Block block = blocks.get(i);
      if (register.address() >= block.address() && register.end() <= block.end()) {
        return i;
      }
    }
    return -1;
  }
}
