package io.nattery.edge.registers;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A device's holding registers, loaded from {@code conf/registers/*.json} and checked as a whole before use:
 * a map that would decode wrongly (overlaps, unknown types, dangling scale registers, ...) is refused with
 * every problem listed, never half-used. Vert.x's JSON classes serve only as the parser here.
 */
public final class RegisterMap {
  /** Modbus allows at most 125 registers per read (function 3) and 123 per write (function 16). */
  public static final int MAX_READ_REGISTERS = 125;
  public static final int MAX_WRITE_REGISTERS = 123;
  /** Where the map this project ships lives on the classpath (copied there from conf/registers by the build). */
  public static final String GENERIC_HYBRID_RESOURCE = "registers/generic-hybrid.json";

  private final String name;
  private final String source;
  private final List<Register> registers;
  private final Map<String, Register> byName;
  private final TreeMap<Integer, Register> byAddress;
  private final Map<TelemetryField, List<Register>> byField;

  private RegisterMap(String name, String source, List<Register> sorted) {
    this.name = name;
    this.source = source;
    this.registers = List.copyOf(sorted);
    Map<String, Register> names = new HashMap<>();
    TreeMap<Integer, Register> addresses = new TreeMap<>();
    Map<TelemetryField, List<Register>> fields = new EnumMap<>(TelemetryField.class);
    for (Register register : sorted) {
      names.put(register.name(), register);
      addresses.put(register.address(), register);
      if (register.field() != null) {
        fields.computeIfAbsent(register.field(), f -> new ArrayList<>()).add(register);
      }
    }
    this.byName = Map.copyOf(names);
    this.byAddress = addresses;
    fields.replaceAll((f, list) -> List.copyOf(list));
    this.byField = Collections.unmodifiableMap(fields);
  }

  /** @throws IOException when the file cannot be read; @throws RegisterMapException when it is not a valid map */
  public static RegisterMap load(Path path) throws IOException {
    return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
  }

  /** The map shipped with the edge (conf/registers/generic-hybrid.json); parsed once, maps are immutable. */
  public static RegisterMap genericHybrid() {
    return GenericHybrid.MAP;
  }

  /** Holder: loaded on first use, so a fleet of simulators shares one parsed map. */
  private static final class GenericHybrid {
    static final RegisterMap MAP = loadResource(GENERIC_HYBRID_RESOURCE);
  }

  public static RegisterMap loadResource(String resource) {
    try (InputStream in = RegisterMap.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new RegisterMapException("classpath:" + resource, List.of("resource not found"));
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + resource);
    } catch (IOException e) {
      throw new RegisterMapException("classpath:" + resource, List.of("cannot read: " + e.getMessage()));
    }
  }

  /** @param source where the text came from, for error messages */
  public static RegisterMap parse(String json, String source) {
    JsonObject root;
    try {
      root = new JsonObject(json);
    } catch (DecodeException e) {
      throw new RegisterMapException(source, List.of("not a JSON object: " + e.getMessage()));
    }
    List<String> problems = new ArrayList<>();
    Object list = root.getValue("registers");
    if (!(list instanceof io.vertx.core.json.JsonArray array)) {
      throw new RegisterMapException(source, List.of("'registers' must be an array"));
    }
    List<Register> registers = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      Object entry = array.getValue(i);
      if (!(entry instanceof JsonObject object)) {
        problems.add("registers[" + i + "] is not an object");
        continue;
      }
      String label = "registers[" + i + "]" + (object.getValue("name") instanceof String n ? " '" + n + "'" : "");
      try {
        registers.add(parseRegister(object, label, problems));
      } catch (RuntimeException e) {
        problems.add(label + ": " + e.getMessage());
      }
    }
    String name = root.getValue("name") instanceof String n ? n : source;
    return validated(name, source, registers, problems);
  }

  /** A map built in code (tests, tools), validated like a loaded one. */
  public static RegisterMap of(String name, List<Register> registers) {
    return validated(name, name, registers, new ArrayList<>());
  }

  private static RegisterMap validated(String name, String source, List<Register> registers, List<String> problems) {
    problems.addAll(RegisterMapValidation.problems(registers));
    if (!problems.isEmpty()) {
      throw new RegisterMapException(source, problems);
    }
    List<Register> sorted = new ArrayList<>(registers);
    sorted.sort(Comparator.comparingInt(Register::address));
    return new RegisterMap(name, source, sorted);
  }

  private static Register parseRegister(JsonObject o, String label, List<String> problems) {
    Set<String> known = Set.of("name", "address", "type", "length", "scale", "scale_register", "unit", "access",
        "field", "min", "max", "enum", "bits", "value", "description");
    for (String key : o.fieldNames()) {
      if (!known.contains(key)) {
        problems.add(label + ": unknown key '" + key + "'");
      }
    }
    String registerName = requiredString(o, "name");
    int address = requiredInt(o, "address");
    RegisterType type = RegisterType.fromWire(requiredString(o, "type"));
    Integer declaredLength = optionalInt(o, "length");
    int length;
    if (type == RegisterType.STRING) {
      if (declaredLength == null) {
        throw new IllegalArgumentException("a string needs 'length' (registers)");
      }
      length = declaredLength;
    } else {
      if (declaredLength != null && declaredLength != type.words()) {
        problems.add(label + ": length " + declaredLength + " contradicts type " + type.wire() + " (" + type.words() + " words)");
      }
      length = type.words();
    }
    Access access = Access.fromWire(requiredString(o, "access"));
    String fieldText = o.getValue("field") == null ? null : requiredString(o, "field");
    TelemetryField field = fieldText == null ? null : TelemetryField.fromWire(fieldText);
    return new Register(registerName, address, type, length, optionalInt(o, "scale"),
        o.getValue("scale_register") == null ? null : requiredString(o, "scale_register"),
        o.getValue("unit") == null ? null : requiredString(o, "unit"),
        access, field, optionalDouble(o, "min"), optionalDouble(o, "max"),
        codeTable(o, "enum"), codeTable(o, "bits"), optionalLong(o, "value"),
        o.getValue("description") == null ? null : requiredString(o, "description"));
  }

  private static Map<Integer, String> codeTable(JsonObject o, String key) {
    Object value = o.getValue(key);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject table)) {
      throw new IllegalArgumentException("'" + key + "' must be an object of code to name");
    }
    Map<Integer, String> codes = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : table) {
      int code;
      try {
        code = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("'" + key + "' key '" + e.getKey() + "' is not an integer");
      }
      if (!(e.getValue() instanceof String text) || text.isBlank()) {
        throw new IllegalArgumentException("'" + key + "' entry " + code + " must be a non-empty string");
      }
      codes.put(code, text);
    }
    return codes;
  }

  private static String requiredString(JsonObject o, String key) {
    if (!(o.getValue(key) instanceof String text) || text.isBlank()) {
      throw new IllegalArgumentException("'" + key + "' must be a non-empty string");
    }
    return text;
  }

  private static int requiredInt(JsonObject o, String key) {
    Integer value = optionalInt(o, key);
    if (value == null) {
      throw new IllegalArgumentException("'" + key + "' is required");
    }
    return value;
  }

  private static Integer optionalInt(JsonObject o, String key) {
    Long value = optionalLong(o, key);
    if (value == null) {
      return null;
    }
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("'" + key + "' is out of range");
    }
    return value.intValue();
  }

  private static Long optionalLong(JsonObject o, String key) {
    Object value = o.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
      throw new IllegalArgumentException("'" + key + "' must be an integer");
    }
    return number.longValue();
  }

  private static Double optionalDouble(JsonObject o, String key) {
    Object value = o.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number)) {
      throw new IllegalArgumentException("'" + key + "' must be a number");
    }
    return number.doubleValue();
  }

  public String name() {
    return name;
  }

  /** Where the map was loaded from. */
  public String source() {
    return source;
  }

  /** All registers, by ascending address. */
  public List<Register> registers() {
    return registers;
  }

  public Optional<Register> find(String registerName) {
    return Optional.ofNullable(byName.get(registerName));
  }

  /** @throws IllegalArgumentException when the map has no such register */
  public Register get(String registerName) {
    Register register = byName.get(registerName);
    if (register == null) {
      throw new IllegalArgumentException("register map " + name + " has no register '" + registerName + "'");
    }
    return register;
  }

  /** The register that holds this address, if any. */
  public Optional<Register> at(int address) {
    Map.Entry<Integer, Register> floor = byAddress.floorEntry(address);
    return floor != null && floor.getValue().contains(address) ? Optional.of(floor.getValue()) : Optional.empty();
  }

  /** The registers feeding a Telemetry field, by ascending address (several only for alarms). */
  public List<Register> feeding(TelemetryField field) {
    return byField.getOrDefault(field, List.of());
  }

  /** The register holding this register's scale factor, if it has one. */
  public Optional<Register> scaleRegisterOf(Register register) {
    return register.scaleRegister() == null ? Optional.empty() : Optional.of(get(register.scaleRegister()));
  }

  /**
   * The words that write {@code value} (engineering units, or the wire value of an enumeration, or text)
   * to the named register. Refused: unknown or non-writable registers, values outside the map's
   * min/max or the type's range.
   */
  public RegisterWrite encodeWrite(String registerName, Object value) {
    Register register = byName.get(registerName);
    if (register == null) {
      throw new RegisterWriteException("register map " + name + " has no register '" + registerName + "'");
    }
    if (!register.writable()) {
      throw new RegisterWriteException("register '" + registerName + "' is read-only");
    }
    if (value instanceof Number number && !register.isEnum()) {
      checkLimits(register, number.doubleValue());
    }
    // validation guarantees writable registers have a fixed scale: a write never depends on an earlier read
    int sf = register.scale() == null ? 0 : register.scale();
    return RegisterWrite.of(register.address(), RegisterCodec.encode(register, value, sf));
  }

  /**
   * Checks a raw write (the {@code write_registers} command): every word must land in a writable register,
   * cover whole registers (never half of a 32-bit value), and stay within the map's limits.
   */
  public RegisterWrite checkRawWrite(int address, int[] values) {
    if (values.length == 0 || values.length > MAX_WRITE_REGISTERS) {
      throw new RegisterWriteException("a write carries 1.." + MAX_WRITE_REGISTERS + " registers, got " + values.length);
    }
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] > 0xFFFF) {
        throw new RegisterWriteException("value " + values[i] + " at " + (address + i) + " is not a 16-bit word (0..65535)");
      }
    }
    int a = address;
    while (a < address + values.length) {
      int current = a;
      Register register = at(current).orElseThrow(
          () -> new RegisterWriteException("address " + current + " is not in register map " + name));
      if (!register.writable()) {
        throw new RegisterWriteException("register '" + register.name() + "' at " + register.address() + " is read-only");
      }
      if (register.address() < address || register.end() > address + values.length) {
        throw new RegisterWriteException("write " + address + ".." + (address + values.length - 1)
            + " covers only part of register '" + register.name() + "' (" + register.address() + ".." + (register.end() - 1) + ")");
      }
      int offset = register.address() - address;
      if (register.isEnum()) {
        long code = RegisterCodec.raw(register.type(), values, offset);
        if (!register.enumCodes().containsKey((int) code)) {
          throw new RegisterWriteException("register '" + register.name() + "' has no enumeration code " + code);
        }
      } else if (register.type().numeric()) {
        int sf = register.scale() == null ? 0 : register.scale();
        checkLimits(register, RegisterCodec.scale(RegisterCodec.raw(register.type(), values, offset), sf));
      }
      a = register.end();
    }
    return RegisterWrite.of(address, values);
  }

  private static void checkLimits(Register register, double value) {
    if ((register.min() != null && value < register.min()) || (register.max() != null && value > register.max())) {
      throw new RegisterWriteException("value " + value + (register.unit() == null ? "" : " " + register.unit())
          + " for '" + register.name() + "' is outside " + bound(register.min()) + ".." + bound(register.max()));
    }
  }

  private static String bound(Double limit) {
    return limit == null ? "" : (limit == Math.rint(limit) ? String.valueOf(limit.longValue()) : String.valueOf(limit));
  }

  @Override
  public String toString() {
    return "RegisterMap[" + name + ", " + registers.size() + " registers]";
  }
}
