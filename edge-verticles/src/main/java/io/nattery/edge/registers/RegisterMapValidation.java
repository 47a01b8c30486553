package io.nattery.edge.registers;

import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The map's checks, kept apart from parsing so that maps built in code get the same ones. */
final class RegisterMapValidation {
  private RegisterMapValidation() {
  }

  static List<String> problems(List<Register> registers) {
    List<String> problems = new ArrayList<>();
    Map<String, Register> byName = new HashMap<>();
    for (Register r : registers) {
      if (byName.putIfAbsent(r.name(), r) != null) {
        problems.add("register name '" + r.name() + "' is used twice");
      }
    }
    Set<String> alarmCodes = new HashSet<>();
    Map<TelemetryField, String> fieldSources = new EnumMap<>(TelemetryField.class);
    for (Register r : registers) {
      String label = "register '" + r.name() + "'";
      checkShape(r, label, problems);
      checkScale(r, label, byName, problems);
      checkField(r, label, fieldSources, alarmCodes, problems);
    }
    List<Register> sorted = new ArrayList<>(registers);
    sorted.sort(Comparator.comparingInt(Register::address));
    for (int i = 1; i < sorted.size(); i++) {
      Register previous = sorted.get(i - 1);
      Register current = sorted.get(i);
      if (current.address() < previous.end()) {
        problems.add("registers '" + previous.name() + "' (" + previous.address() + ".." + (previous.end() - 1)
            + ") and '" + current.name() + "' (" + current.address() + ".." + (current.end() - 1) + ") overlap");
      }
    }
    return problems;
  }

  private static void checkShape(Register r, String label, List<String> problems) {
    if (r.address() < 0 || r.end() > 0x10000) {
      problems.add(label + ": addresses " + r.address() + ".." + (r.end() - 1) + " are outside 0..65535");
    }
    if (r.type() == RegisterType.STRING && (r.length() < 1 || r.length() > RegisterMap.MAX_READ_REGISTERS)) {
      problems.add(label + ": string length " + r.length() + " is outside 1.." + RegisterMap.MAX_READ_REGISTERS);
    }
    if (!r.type().numeric() && (r.isEnum() || r.isBitfield() || r.min() != null || r.max() != null)) {
      problems.add(label + ": a string has no enum, bits, min or max");
    }
    if (r.isEnum() && r.isBitfield()) {
      problems.add(label + ": is both an enumeration and a bitfield");
    }
    for (int code : r.enumCodes().keySet()) {
      if (code < r.type().minRaw() || code > r.type().maxRaw()) {
        problems.add(label + ": enum code " + code + " does not fit " + r.type().wire());
      }
    }
    if (r.isBitfield() && r.type().signed()) {
      problems.add(label + ": a bitfield must be u16 or u32");
    }
    for (int bit : r.bits().keySet()) {
      if (bit < 0 || bit >= r.length() * 16) {
        problems.add(label + ": bit " + bit + " is outside 0.." + (r.length() * 16 - 1));
      }
    }
    if (r.min() != null && r.max() != null && r.min() > r.max()) {
      problems.add(label + ": min " + r.min() + " is above max " + r.max());
    }
    if ((r.min() != null || r.max() != null) && !r.writable()) {
      problems.add(label + ": min and max limit writes, but the register is not writable");
    }
    if (r.value() != null && r.type().numeric() && (r.value() < r.type().minRaw() || r.value() > r.type().maxRaw())) {
      problems.add(label + ": value " + r.value() + " does not fit " + r.type().wire());
    }
    if (r.value() != null && !r.type().numeric()) {
      problems.add(label + ": a fixed value is only for numeric registers");
    }
  }

  private static void checkScale(Register r, String label, Map<String, Register> byName, List<String> problems) {
    if (r.scale() != null && r.scaleRegister() != null) {
      problems.add(label + ": has both scale and scale_register");
    }
    boolean scaled = r.scale() != null || r.scaleRegister() != null;
    if (scaled && (!r.type().numeric() || r.isEnum() || r.isBitfield())) {
      problems.add(label + ": only plain numbers take a scale");
    }
    if (r.scale() != null && Math.abs(r.scale()) > RegisterCodec.MAX_SCALE) {
      problems.add(label + ": scale " + r.scale() + " is outside -10..10");
    }
    if (r.scaleRegister() != null) {
      Register sf = byName.get(r.scaleRegister());
      if (sf == null) {
        problems.add(label + ": scale_register '" + r.scaleRegister() + "' is not in the map");
      } else if (sf == r) {
        problems.add(label + ": is its own scale_register");
      } else if (sf.type() != RegisterType.S16 || sf.scale() != null || sf.scaleRegister() != null
          || sf.isEnum() || sf.isBitfield() || !sf.readable()) {
        problems.add(label + ": scale_register '" + sf.name() + "' must be a readable, unscaled s16");
      }
      if (r.writable()) {
        problems.add(label + ": a writable register needs a fixed scale, not scale_register"
            + " (a write must not depend on a value read earlier)");
      }
    }
  }

  private static void checkField(Register r, String label, Map<TelemetryField, String> sources,
                   Set<String> alarmCodes, List<String> problems) {
    TelemetryField field = r.field();
    if (field == null) {
      return;
    }
    if (!r.readable()) {
      problems.add(label + ": feeds " + field.wire() + " but is not readable");
    }
    String previous = sources.putIfAbsent(field, r.name());
    if (previous != null && !field.allowsSeveralRegisters()) {
      problems.add(label + ": feeds " + field.wire() + ", already fed by '" + previous + "'");
    }
    switch (field.kind()) {
      case NUMBER, COUNTER -> {
        if (!r.type().numeric() || r.isEnum() || r.isBitfield()) {
          problems.add(label + ": " + field.wire() + " needs a plain number");
        }
      }
      case BITS -> {
        if (!r.isBitfield()) {
          problems.add(label + ": " + field.wire() + " needs a bitfield ('bits')");
        }
        for (String code : r.bits().values()) {
          if (!alarmCodes.add(code)) {
            problems.add(label + ": alarm code '" + code + "' is used twice");
          }
        }
      }
      case ENUM -> {
        Set<String> allowed = field == TelemetryField.MODE
            ? Arrays.stream(Mode.values()).map(Mode::wire).collect(Collectors.toSet())
            : Arrays.stream(InverterState.values()).map(InverterState::wire).collect(Collectors.toSet());
        if (!r.isEnum()) {
          problems.add(label + ": " + field.wire() + " needs an enumeration ('enum')");
        }
        for (String value : r.enumCodes().values()) {
          if (!allowed.contains(value)) {
            problems.add(label + ": enum value '" + value + "' is not a " + field.wire()
                + " (" + String.join(", ", new TreeSet<>(allowed)) + ")");
          }
        }
      }
    }
  }
}
