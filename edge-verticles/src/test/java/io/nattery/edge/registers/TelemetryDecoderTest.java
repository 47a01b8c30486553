package io.nattery.edge.registers;

import io.nattery.protocol.InverterState;
import io.nattery.protocol.Mode;
import io.nattery.protocol.Telemetry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TelemetryDecoderTest {
  private static final Instant TS = Instant.parse("2026-11-23T10:00:01Z");

  private final RegisterMap map = RegisterMap.genericHybrid();
  private final TelemetryDecoder decoder = new TelemetryDecoder(map);
  private final ReadPlan.Block block = decoder.plan().blocks().get(0);
  private final int[] words = new int[block.count()];

  private void put(String name, long raw) {
    Register register = map.get(name);
    int[] encoded = RegisterCodec.words(register.type(), raw);
    System.arraycopy(encoded, 0, words, register.address() - block.address(), encoded.length);
  }

  /** The sample of PROTOCOL.md, as the inverter would hold it. */
  private void protocolExample() {
    put("pv_power_sf", 0);
    put("pv_power", 3200);
    put("inverter_state", 4);
    put("inverter_events", 0);
    put("soc_sf", -1);
    put("soc", 575);
    put("battery_voltage_sf", -1);
    put("battery_voltage", 512);
    put("battery_current_sf", -1);
    put("battery_current", -488);
    put("battery_power_sf", 0);
    put("battery_power", -2500);
    put("battery_temp_sf", -1);
    put("battery_temp", 241);
    put("battery_events", 0);
    put("grid_power", -300);
    put("load_power", 400);
    put("operating_mode", 1);
    put("power_setpoint", -2500);
    put("energy_charged", 1_234_567);
    put("energy_discharged", 1_100_000);
    put("energy_import", 900_000);
    put("energy_export", 450_000);
    put("energy_pv", 3_000_000);
  }

  @Test
  void decodesTheProtocolExample() {
    protocolExample();

    Telemetry t = decoder.decode(List.of(words), "pi-0001", TS, 1042, "boot-1");

    assertEquals("pi-0001", t.deviceId());
    assertEquals(TS, t.ts());
    assertEquals(1042, t.seq());
    assertEquals("boot-1", t.bootId());
    assertEquals(57.5, t.socPct());
    assertEquals(-2500, t.batteryPowerW());
    assertEquals(51.2, t.batteryVoltageV());
    assertEquals(-48.8, t.batteryCurrentA());
    assertEquals(24.1, t.batteryTempC());
    assertEquals(3200, t.pvPowerW());
    assertEquals(-300, t.gridPowerW());
    assertEquals(400, t.loadPowerW());
    assertEquals(InverterState.RUNNING, t.inverterState());
    assertEquals(Mode.CHARGE, t.mode());
    assertEquals(-2500, t.setpointW());
    assertEquals(List.of(), t.alarms());
    assertEquals(new Telemetry.Energy(1_234_567, 1_100_000, 900_000, 450_000, 3_000_000), t.energy());
  }

  @Test
  void scaleRegistersAreReadWithTheSample() {
    protocolExample();
    put("battery_power_sf", 1);
    put("battery_power", -250);
    put("soc_sf", -2);
    put("soc", 5751);

    Telemetry t = decoder.decode(List.of(words), "pi-0001", TS, 0, null);

    assertEquals(-2500, t.batteryPowerW());
    assertEquals(57.51, t.socPct());
  }

  @Test
  void alarmsOfEveryBitfieldAreJoined() {
    protocolExample();
    put("inverter_events", 1L << 7);
    put("battery_events", (1L << 2) | (1L << 16) | (1L << 30));

    Telemetry t = decoder.decode(List.of(words), "pi-0001", TS, 0, null);

    assertEquals(List.of("inverter_over_temperature", "battery_over_temp_warning", "battery_over_soc_max_warning",
        "battery_events_bit_30"), t.alarms());
  }

  @Test
  void severalDeviceCodesMayMeanOneState() {
    protocolExample();
    put("inverter_state", 2);

    assertEquals(InverterState.STANDBY, decoder.decode(List.of(words), "pi-0001", TS, 0, null).inverterState());
  }

  @Test
  void anUnlistedStateOrModeCodeKeepsTheSampleAndRaisesAnAlarm() {
    protocolExample();
    put("inverter_state", 42);
    put("operating_mode", 0);

    Telemetry t = decoder.decode(List.of(words), "pi-0001", TS, 0, null);

    assertEquals(InverterState.FAULT, t.inverterState());
    assertEquals(Mode.IDLE, t.mode());
    assertEquals(List.of("unknown_inverter_state_code", "unknown_operating_mode_code"), t.alarms());
    assertEquals(57.5, t.socPct());
  }

  @Test
  void wordsThatDoNotDecodeAreRefusedWithTheRegister() {
    protocolExample();
    put("soc_sf", RegisterCodec.S16_NOT_IMPLEMENTED);
    RegisterDecodingException sf = assertThrows(RegisterDecodingException.class,
        () -> decoder.decode(List.of(words), "pi-0001", TS, 0, null));
    assertTrue(sf.getMessage().contains("'soc_sf' at 40096 holds -32768"), sf.getMessage());
  }

  @Test
  void aMapThatMissesTelemetryFieldsIsRefused() {
    RegisterMap partial = RegisterMap.parse("""
        {"name":"pv-only","registers":[
          {"name":"pv","address":1,"type":"u16","access":"read","field":"pv_power_w"}]}""", "pv-only");

    RegisterMapException e = assertThrows(RegisterMapException.class, () -> new TelemetryDecoder(partial));
    assertTrue(e.getMessage().contains("soc_pct"), e.getMessage());
  }
}
