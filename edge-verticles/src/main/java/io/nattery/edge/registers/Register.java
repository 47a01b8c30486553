package io.nattery.edge.registers;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One entry of a register map.
 *
 * @param name          unique, snake_case
 * @param address       protocol (0-based) holding-register address
 * @param type          data type
 * @param length        words taken (the type's width, or the declared length of a string)
 * @param scale         fixed power-of-ten exponent, or null
 * @param scaleRegister name of the register holding the exponent (SunSpec "_SF"), or null
 * @param unit          engineering unit, or null
 * @param access        read, write or readwrite
 * @param field         the Telemetry field this register feeds, or null
 * @param min           lowest engineering value a write may carry, or null
 * @param max           highest engineering value a write may carry, or null
 * @param enumCodes     code to wire value, empty when the register is not an enumeration
 * @param bits          bit number (0 = least significant) to alarm code, empty when not a bitfield
 * @param value         fixed raw value the device always serves (model ids, markers), or null
 * @param description   free text, or null
 */
public record Register(String name, int address, RegisterType type, int length, Integer scale, String scaleRegister,
    String unit, Access access, TelemetryField field, Double min, Double max,
    Map<Integer, String> enumCodes, Map<Integer, String> bits, Long value, String description) {

  public Register {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(access, "access");
    enumCodes = Map.copyOf(enumCodes == null ? Map.of() : enumCodes);
    bits = Map.copyOf(bits == null ? Map.of() : bits);
  }

  /** First address after this register. */
  public int end() {
    return address + length;
  }

  public boolean contains(int otherAddress) {
    return otherAddress >= address && otherAddress < end();
  }

  public boolean isEnum() {
    return !enumCodes.isEmpty();
  }

  public boolean isBitfield() {
    return !bits.isEmpty();
  }

  public boolean readable() {
    return access.readable();
  }

  public boolean writable() {
    return access.writable();
  }

  /** The code that writes {@code wireValue}: the lowest when several codes read back as the same value. */
  public OptionalInt codeOf(String wireValue) {
    return enumCodes.entrySet().stream()
        .filter(e -> e.getValue().equals(wireValue))
        .mapToInt(Map.Entry::getKey)
        .min();
  }

  @Override
  public String toString() {
    return name + "@" + address;
  }
}
