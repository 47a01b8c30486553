package io.nattery.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

  @Test
  void deviceTopicsFollowTheContract() {
    assertEquals("devices/pi-0001/telemetry", Topics.telemetry("pi-0001"));
    assertEquals("devices/pi-0001/status", Topics.status("pi-0001"));
    assertEquals("devices/pi-0001/health", Topics.health("pi-0001"));
    assertEquals("devices/pi-0001/alarms", Topics.alarms("pi-0001"));
    assertEquals("devices/pi-0001/schedule", Topics.schedule("pi-0001"));
    assertEquals("devices/pi-0001/ack", Topics.ack("pi-0001"));
    assertEquals("devices/pi-0001/commands", Topics.commands("pi-0001"));
    assertEquals("devices/pi-0001/commands/result", Topics.commandResult("pi-0001"));
    assertEquals("prices/DE_LU/day-ahead", Topics.prices("DE_LU"));
  }

  @Test
  void filtersCoverEveryDevice() {
    assertEquals("devices/+/telemetry", Topics.deviceFilter(Topics.Kind.TELEMETRY));
    assertEquals("devices/+/commands/result", Topics.deviceFilter(Topics.Kind.COMMAND_RESULT));
    assertEquals("$share/nattery/devices/+/telemetry", Topics.sharedFilter("nattery", Topics.Kind.TELEMETRY));
    assertEquals("$share/nattery/devices/+/ack", Topics.sharedFilter("nattery", Topics.Kind.ACK));
    assertThrows(IllegalArgumentException.class, () -> Topics.sharedFilter("a/b", Topics.Kind.ACK));
    assertThrows(IllegalArgumentException.class, () -> Topics.sharedFilter("", Topics.Kind.ACK));
  }

  @ParameterizedTest
  @EnumSource(Topics.Kind.class)
  void parseReadsBackWhatWasBuilt(Topics.Kind kind) {
    String topic = Topics.device("Pi_0001-x", kind);

    assertEquals(Optional.of(new Topics.DeviceTopic("Pi_0001-x", kind)), Topics.parse(topic));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "devices/../x/telemetry", "devices//telemetry", "devices/pi 1/telemetry", "devices/+/telemetry",
      "devices/#", "devices/pi-0001", "devices/pi-0001/", "devices/pi-0001/telemetry/extra",
      "devices/pi-0001/commands/other", "devices/pi-0001/Telemetry", "device/pi-0001/telemetry",
      "/devices/pi-0001/telemetry", "prices/DE_LU/day-ahead", "$share/nattery/devices/pi-0001/telemetry", ""})
  void parseRejectsEverythingElse(String topic) {
    assertTrue(Topics.parse(topic).isEmpty(), topic);
  }

  @Test
  void parseRejectsTooLongIdsAndNull() {
    assertTrue(Topics.parse("devices/" + "a".repeat(65) + "/telemetry").isEmpty());
    assertTrue(Topics.parse("devices/" + "a".repeat(64) + "/telemetry").isPresent());
    assertTrue(Topics.parse(null).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"../x", "a/b", "+", "#", "", "pi-0001\n"})
  void buildersRefuseIdsThatWouldChangeTheTopic(String id) {
    assertThrows(IllegalArgumentException.class, () -> Topics.telemetry(id));
    assertThrows(IllegalArgumentException.class, () -> Topics.prices(id));
  }
}
