package io.nattery.edge.registers;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegisterCodecTest {

  @Test
  void sixteenBitWordsKeepTheirSign() {
    int[] words = {0xFFFF, 0x8000, 0x7FFF};

    assertEquals(65535, RegisterCodec.raw(RegisterType.U16, words, 0));
    assertEquals(-1, RegisterCodec.raw(RegisterType.S16, words, 0));
    assertEquals(-32768, RegisterCodec.raw(RegisterType.S16, words, 1));
    assertEquals(32767, RegisterCodec.raw(RegisterType.S16, words, 2));
  }

  @Test
  void thirtyTwoBitValuesPutTheHighWordFirst() {
    assertEquals(0x12345678L, RegisterCodec.raw(RegisterType.U32, new int[] {0x1234, 0x5678}, 0));
    assertEquals(0xFFFFFFFFL, RegisterCodec.raw(RegisterType.U32, new int[] {0xFFFF, 0xFFFF}, 0));
    assertEquals(-2500, RegisterCodec.raw(RegisterType.S32, new int[] {0xFFFF, 0xF63C}, 0));
    assertEquals(70000, RegisterCodec.raw(RegisterType.S32, new int[] {0x0001, 0x1170}, 0));

    assertArrayEquals(new int[] {0xFFFF, 0xF63C}, RegisterCodec.words(RegisterType.S32, -2500));
    assertArrayEquals(new int[] {0x0001, 0x1170}, RegisterCodec.words(RegisterType.U32, 70000));
    assertArrayEquals(new int[] {0xFFFF}, RegisterCodec.words(RegisterType.S16, -1));
  }

  @Test
  void valuesOutsideTheTypeAreRefused() {
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.words(RegisterType.U16, 65536));
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.words(RegisterType.U16, -1));
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.words(RegisterType.S16, 32768));
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.words(RegisterType.U32, 1L << 32));
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.words(RegisterType.S32, 1L << 31));
  }

  @Test
  void scaleFactorsAreExactPowersOfTen() {
    assertEquals(57.5, RegisterCodec.scale(575, -1));
    assertEquals(-48.8, RegisterCodec.scale(-488, -1));
    assertEquals(0.07, RegisterCodec.scale(7, -2));
    assertEquals(12000.0, RegisterCodec.scale(12, 3));
    assertEquals(575, RegisterCodec.unscale(57.5, -1));
    assertEquals(-488, RegisterCodec.unscale(-48.8, -1));
    assertEquals(12, RegisterCodec.unscale(12000, 3));
    assertEquals(3, RegisterCodec.unscale(2.5, 0), "half rounds away from zero");
    assertEquals(-3, RegisterCodec.unscale(-2.5, 0), "half rounds away from zero");
    assertThrows(RegisterDecodingException.class, () -> RegisterCodec.scale(1, 11));
  }

  @Test
  void stringsAreAsciiTwoCharactersPerWordPaddedWithNul() {
    int[] words = RegisterCodec.string("Nattery", 4);

    assertArrayEquals(new int[] {0x4E61, 0x7474, 0x6572, 0x7900}, words);
    assertEquals("Nattery", RegisterCodec.string(words, 0, 4));
    assertEquals("AB", RegisterCodec.string(new int[] {0x4142, 0x2020, 0x0000}, 0, 3), "trailing blanks dropped");
    assertEquals("", RegisterCodec.string(new int[] {0, 0}, 0, 2));
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.string("123456789", 4));
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.string("Grüße", 8));
  }

  @Test
  void bitfieldsNameTheirSetBitsAndKeepUnknownOnes() {
    Register events = new Register("events", 0, RegisterType.U32, 2, null, null, null, Access.READ, TelemetryField.ALARMS,
        null, null, Map.of(), Map.of(0, "ground_fault", 17, "over_soc"), null, null);

    assertEquals(List.of("ground_fault", "over_soc"), RegisterCodec.bitCodes(events, (1L << 17) | 1));
    assertEquals(List.of("events_bit_31"), RegisterCodec.bitCodes(events, 1L << 31));
    assertEquals(List.of(), RegisterCodec.bitCodes(events, 0));
    assertEquals((1L << 17) | 1, RegisterCodec.bitValue(events, List.of("over_soc", "ground_fault")));
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.bitValue(events, List.of("flux_capacitor")));
  }

  @Test
  void enumerationsEncodeByWireValueOrCode() {
    Register mode = new Register("mode", 0, RegisterType.U16, 1, null, null, null, Access.READWRITE, TelemetryField.MODE,
        null, null, Map.of(1, "charge", 2, "discharge"), Map.of(), null, null);

    assertArrayEquals(new int[] {2}, RegisterCodec.encode(mode, "discharge", 0));
    assertArrayEquals(new int[] {1}, RegisterCodec.encode(mode, 1, 0));
    RegisterWriteException unknown = assertThrows(RegisterWriteException.class, () -> RegisterCodec.encode(mode, "turbo", 0));
    assertTrue(unknown.getMessage().contains("charge, discharge"), unknown.getMessage());
    assertThrows(RegisterWriteException.class, () -> RegisterCodec.encode(mode, 7, 0));
  }
}
