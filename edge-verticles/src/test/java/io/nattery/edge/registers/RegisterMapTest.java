package io.nattery.edge.registers;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegisterMapTest {

  /** The file in conf/, as the Pi reads it, not only the copy in the jar. */
  static final Path SHIPPED = Path.of("..", "conf", "registers", "generic-hybrid.json");

  private static RegisterMap parse(String registers) {
    return RegisterMap.parse("{\"name\":\"t\",\"registers\":[" + registers + "]}", "test");
  }

  private static RegisterMapException refused(String registers) {
    return assertThrows(RegisterMapException.class, () -> parse(registers));
  }

  private static void assertProblem(RegisterMapException e, String fragment) {
    assertTrue(e.problems().stream().anyMatch(p -> p.contains(fragment)), "expected '" + fragment + "' in " + e.problems());
  }

  @Test
  void theShippedMapLoadsFromConfAndFromTheJar() throws Exception {
    RegisterMap fromConf = RegisterMap.load(SHIPPED);
    RegisterMap fromJar = RegisterMap.genericHybrid();

    assertEquals("generic-hybrid", fromConf.name());
    assertEquals(fromConf.registers(), fromJar.registers());
    Register setpoint = fromConf.get("power_setpoint");
    assertEquals(RegisterType.S32, setpoint.type());
    assertEquals(40108, setpoint.address());
    assertTrue(setpoint.writable());
    assertEquals(-5000.0, setpoint.min());
    assertEquals("soc", fromConf.feeding(TelemetryField.SOC_PCT).get(0).name());
    assertEquals(2, fromConf.feeding(TelemetryField.ALARMS).size());
    assertEquals("power_setpoint", fromConf.at(40109).orElseThrow().name());
    assertTrue(fromConf.at(40122).isEmpty());
  }

  @Test
  void overlappingRegistersAreRefused() {
    RegisterMapException e = refused("""
        {"name":"a","address":100,"type":"u32","access":"read","field":null},
        {"name":"b","address":101,"type":"u16","access":"read","field":null}""");
    assertProblem(e, "'a' (100..101) and 'b' (101..101) overlap");
  }

  @Test
  void unknownTypesAccessesFieldsAndKeysAreRefused() {
    RegisterMapException e = refused("""
        {"name":"a","address":1,"type":"float32","access":"read"},
        {"name":"b","address":2,"type":"u16","access":"sometimes"},
        {"name":"c","address":3,"type":"u16","access":"read","field":"soc"},
        {"name":"d","address":4,"type":"u16","access":"read","colour":"red"},
        {"name":"e","address":5,"type":"string","access":"read"}""");
    assertProblem(e, "unknown register type 'float32'");
    assertProblem(e, "unknown access 'sometimes'");
    assertProblem(e, "unknown Telemetry field 'soc'");
    assertProblem(e, "unknown key 'colour'");
    assertProblem(e, "a string needs 'length'");
  }

  @Test
  void scaleRegisterReferencesMustResolveToAnUnscaledS16() {
    RegisterMapException e = refused("""
        {"name":"p","address":1,"type":"s16","scale_register":"p_sf","access":"read"},
        {"name":"q","address":2,"type":"s16","scale_register":"u","access":"read"},
        {"name":"u","address":3,"type":"u16","access":"read"},
        {"name":"r","address":4,"type":"s16","scale":-1,"scale_register":"s","access":"read"},
        {"name":"s","address":5,"type":"s16","access":"read"},
        {"name":"w","address":6,"type":"s16","scale_register":"s","access":"readwrite"},
        {"name":"x","address":7,"type":"u16","scale":12,"access":"read"}""");
    assertProblem(e, "scale_register 'p_sf' is not in the map");
    assertProblem(e, "scale_register 'u' must be a readable, unscaled s16");
    assertProblem(e, "register 'r': has both scale and scale_register");
    assertProblem(e, "a writable register needs a fixed scale");
    assertProblem(e, "scale 12 is outside -10..10");
  }

  @Test
  void telemetryFieldsNeedTheRightShapeAndOneSource() {
    RegisterMapException e = refused("""
        {"name":"a","address":1,"type":"u16","access":"read","field":"soc_pct"},
        {"name":"b","address":2,"type":"u16","access":"read","field":"soc_pct"},
        {"name":"c","address":3,"type":"u16","access":"readwrite","field":"mode","enum":{"1":"charge","2":"turbo"}},
        {"name":"d","address":4,"type":"u16","access":"read","field":"alarms"},
        {"name":"e","address":5,"type":"u16","access":"write","field":"grid_power_w"},
        {"name":"a","address":6,"type":"u16","access":"read"}""");
    assertProblem(e, "feeds soc_pct, already fed by 'a'");
    assertProblem(e, "enum value 'turbo' is not a mode");
    assertProblem(e, "alarms needs a bitfield");
    assertProblem(e, "feeds grid_power_w but is not readable");
    assertProblem(e, "register name 'a' is used twice");
  }

  @Test
  void malformedJsonIsRefusedWithTheSource() {
    RegisterMapException e = assertThrows(RegisterMapException.class, () -> RegisterMap.parse("{\"registers\": [", "conf/x.json"));
    assertTrue(e.getMessage().startsWith("invalid register map conf/x.json: not a JSON object"), e.getMessage());
  }

  @Test
  void writesAreEncodedAgainstTheMapsLimits() {
    RegisterMap map = RegisterMap.genericHybrid();

    RegisterWrite setpoint = map.encodeWrite("power_setpoint", -2500);
    assertEquals(40108, setpoint.address());
    assertArrayEquals(new int[] {0xFFFF, 0xF63C}, setpoint.words());
    assertEquals(List.of(1), map.encodeWrite("operating_mode", "charge").values());
    assertEquals(List.of(4), map.encodeWrite("operating_mode", "self_consumption").values());
    assertArrayEquals(new int[] {0x0000, 0x1388}, map.encodeWrite("power_setpoint", 5000).words());
  }

  @Test
  void writesTheMapForbidsAreRefused() {
    RegisterMap map = RegisterMap.genericHybrid();

    assertTrue(assertThrows(RegisterWriteException.class, () -> map.encodeWrite("soc", 50)).getMessage().contains("read-only"));
    assertTrue(assertThrows(RegisterWriteException.class, () -> map.encodeWrite("power_setpoint", 5001)).getMessage()
        .contains("outside -5000..5000"));
    assertTrue(assertThrows(RegisterWriteException.class, () -> map.encodeWrite("power_setpoint", -7000)).getMessage()
        .contains("outside -5000..5000"));
    assertThrows(RegisterWriteException.class, () -> map.encodeWrite("operating_mode", "turbo"));
    assertThrows(RegisterWriteException.class, () -> map.encodeWrite("no_such_register", 1));
    assertThrows(RegisterWriteException.class, () -> map.encodeWrite("power_setpoint", "fast"));
  }

  @Test
  void rawWritesMustCoverWholeWritableRegistersWithinLimits() {
    RegisterMap map = RegisterMap.genericHybrid();

    RegisterWrite both = map.checkRawWrite(40107, new int[] {1, 0xFFFF, 0xF830});
    assertEquals(3, both.values().size());
    assertProblem(map, 40108, new int[] {0xFFFF}, "covers only part of register 'power_setpoint'");
    assertProblem(map, 40109, new int[] {0, 1}, "covers only part of register 'power_setpoint'");
    assertProblem(map, 40088, new int[] {500}, "register 'soc' at 40088 is read-only");
    assertProblem(map, 40122, new int[] {1}, "address 40122 is not in register map");
    assertProblem(map, 40107, new int[] {9}, "no enumeration code 9");
    assertProblem(map, 40108, new int[] {0, 6000}, "outside -5000..5000");
    assertProblem(map, 40107, new int[] {70000}, "not a 16-bit word");
    assertProblem(map, 40107, new int[0], "1..123 registers");
  }

  private static void assertProblem(RegisterMap map, int address, int[] values, String fragment) {
    RegisterWriteException e = assertThrows(RegisterWriteException.class, () -> map.checkRawWrite(address, values));
    assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in " + e.getMessage());
  }
}
