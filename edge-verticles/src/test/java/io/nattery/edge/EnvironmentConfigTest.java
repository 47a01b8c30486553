package io.nattery.edge;

import io.nattery.edge.modbus.RtuModbusTransport;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvironmentConfigTest {

  @Test
  void referencesAreReplacedWithDefaultsAndTypes() {
    JsonObject config = new JsonObject().put("device_id", "${ID}").put("mqtt", new JsonObject()
        .put("port", "${PORT:-8883}").put("ssl", "${SSL:-true}").put("host", "mqtt.${DOMAIN:-example.net}"));

    JsonObject expanded = EnvironmentConfig.expand(config, Map.of("ID", "pi-0042", "DOMAIN", "nattery.io")::get);

    assertEquals("pi-0042", expanded.getString("device_id"));
    assertEquals(8883, expanded.getJsonObject("mqtt").getInteger("port"));
    assertEquals(true, expanded.getJsonObject("mqtt").getBoolean("ssl"));
    assertEquals("mqtt.nattery.io", expanded.getJsonObject("mqtt").getString("host"));
  }

  @Test
  void aMissingVariableWithoutDefaultIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EnvironmentConfig.expand(new JsonObject().put("device_id", "${NATTERY_DEVICE_ID}"), Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("NATTERY_DEVICE_ID"), e.getMessage());
  }

  @Test
  void theDocumentedExampleAndTheBalenaConfigGiveAValidRtuLink() throws Exception {
    for (String file : new String[] {"../conf/edge.example.json", "../docker/nattery/edge-balena.json"}) {
      JsonObject config = EnvironmentConfig.expand(new JsonObject(Files.readString(Path.of(file))),
          Map.of("NATTERY_DEVICE_ID", "pi-0001", "NATTERY_MQTT_HOST", "broker")::get);

      RtuModbusTransport.Settings rtu = RtuModbusTransport.Settings.fromConfig(config.getJsonObject("modbus"));
      assertEquals(9600, rtu.baud(), file);
      assertEquals("none", rtu.parity(), file);
      assertEquals(1, rtu.stopBits(), file);
      assertEquals(3646, rtu.interFrameGapMicros(), file + ": 3.5 characters of 10 bits (8N1) at 9600 baud");
    }
  }
}
