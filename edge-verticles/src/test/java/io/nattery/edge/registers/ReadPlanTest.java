package io.nattery.edge.registers;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ReadPlanTest {

  private static Register u16(String name, int address) {
    return plain(name, address, RegisterType.U16, Access.READ);
  }

  private static Register plain(String name, int address, RegisterType type, Access access) {
    return new Register(name, address, type, type.words(), null, null, null, access, null, null, null, Map.of(), Map.of(), null, null);
  }

  private static RegisterMap contiguous(int count) {
    List<Register> registers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      registers.add(u16("r" + i, 1000 + i));
    }
    return RegisterMap.of("contiguous", registers);
  }

  @Test
  void theShippedMapReadsAWholeSampleInOneRequest() {
    ReadPlan plan = ReadPlan.forTelemetry(RegisterMap.genericHybrid());

    assertEquals(List.of(new ReadPlan.Block(40074, 46)), plan.blocks());
  }

  @Test
  void contiguousRegistersSplitAt125() {
    RegisterMap map = contiguous(300);

    ReadPlan plan = ReadPlan.of(map, map.registers());

    assertEquals(List.of(new ReadPlan.Block(1000, 125), new ReadPlan.Block(1125, 125), new ReadPlan.Block(1250, 50)), plan.blocks());
  }

  @Test
  void exactly125FitOneRead() {
    RegisterMap map = contiguous(125);

    assertEquals(List.of(new ReadPlan.Block(1000, 125)), ReadPlan.of(map, map.registers()).blocks());
  }

  @Test
  void aThirtyTwoBitRegisterIsNeverSplitAcrossReads() {
    List<Register> registers = new ArrayList<>();
    for (int i = 0; i < 124; i++) {
      registers.add(u16("r" + i, i));
    }
    registers.add(plain("wide", 124, RegisterType.U32, Access.READ));
    RegisterMap map = RegisterMap.of("straddle", registers);

    ReadPlan plan = ReadPlan.of(map, map.registers());

    assertEquals(List.of(new ReadPlan.Block(0, 124), new ReadPlan.Block(124, 2)), plan.blocks());
  }

  @Test
  void gapsAreBridgedOnlyOverRegistersTheDeviceDeclaresReadable() {
    RegisterMap map = RegisterMap.of("gaps", List.of(
        u16("a", 10), u16("filler", 11), u16("b", 12),
        u16("c", 20),
        plain("command", 21, RegisterType.U16, Access.WRITE), u16("d", 22)));
    List<Register> wanted = List.of(map.get("a"), map.get("b"), map.get("c"), map.get("d"));

    ReadPlan plan = ReadPlan.of(map, wanted);

    // 11 is declared: bridged; 13..19 is not: a new read; 21 is write-only: a new read
    assertEquals(List.of(new ReadPlan.Block(10, 3), new ReadPlan.Block(20, 1), new ReadPlan.Block(22, 1)), plan.blocks());
  }

  @Test
  void aSmallerLimitMakesMoreReads() {
    RegisterMap map = contiguous(10);

    assertEquals(4, ReadPlan.of(map, map.registers(), 3).blocks().size());
    assertThrows(IllegalArgumentException.class, () -> ReadPlan.of(map, map.registers(), 126));
  }

  @Test
  void writeOnlyRegistersCannotBePlannedForReading() {
    RegisterMap map = RegisterMap.of("w", List.of(plain("command", 1, RegisterType.U16, Access.WRITE)));

    assertThrows(IllegalArgumentException.class, () -> ReadPlan.of(map, map.registers()));
  }

  @Test
  void repliesOfTheWrongShapeAreRefused() {
    RegisterMap map = contiguous(130);
    ReadPlan plan = ReadPlan.of(map, map.registers());

    assertThrows(RegisterDecodingException.class, () -> plan.snapshot(List.of(new int[125])));
    assertThrows(RegisterDecodingException.class, () -> plan.snapshot(List.of(new int[125], new int[4])));
    assertEquals(7, plan.snapshot(List.of(new int[125], new int[] {0, 0, 0, 0, 7})).raw(map.get("r129")));
  }
}
