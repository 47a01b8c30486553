package io.nattery.cloud.bridge;

import io.nattery.cloud.auth.Role;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BridgeAddressesTest {

  @Test
  void viewersSeeTheFleetAddressesAndOneDeviceAtATimeOperatorsTheWholeStream() {
    for (String address : List.of("fleet.summary", "prices.updated", "alerts", "schedules.status",
      "device.pi-0001.telemetry", "device.pi_2.state")) {
      assertEquals(Optional.of(Role.VIEWER), BridgeAddresses.leastRole(address), address);
    }
    assertEquals(Optional.of(Role.OPERATOR), BridgeAddresses.leastRole("device.*.telemetry"));
    assertEquals(Optional.of(Role.OPERATOR), BridgeAddresses.leastRole("device.*.state"));
  }

  @Test
  void internalAndMalformedAddressesAreNobodys() {
    for (String address : List.of("cloud.ingest.telemetry", "cloud.fleet.partial", "device.a.b.telemetry",
      "device..telemetry", "device.pi 1.telemetry", "device.pi-1.health", "device.**.telemetry", "fleet.summary2",
      "x".repeat(300))) {
      assertEquals(Optional.empty(), BridgeAddresses.leastRole(address), address);
    }
    assertEquals(Optional.empty(), BridgeAddresses.leastRole(null));
    assertEquals(Optional.empty(), BridgeAddresses.leastRole("device." + "a".repeat(65) + ".telemetry"));
  }

  @Test
  void theBridgesOutboundRuleLetsOutExactlyWhatSomeRoleMayReceive() {
    Pattern outbound = Pattern.compile(BridgeAddresses.OUTBOUND_REGEX);
    for (String address : List.of("alerts", "device.*.state", "device.pi-1.telemetry", "schedules.status")) {
      assertTrue(outbound.matcher(address).matches(), address);
    }
    for (String address : List.of("cloud.bridge.interest", "device.a.b.state", "alerts.x")) {
      assertFalse(outbound.matcher(address).matches(), address);
    }
  }

  @Test
  void globsExpandOverTheBridgesAddresses() {
    assertEquals(List.of("device.*.telemetry"), BridgeAddresses.expand("device.*.telemetry"));
    assertEquals(List.of("device.pi-1.telemetry", "device.pi-1.state"), BridgeAddresses.expand("device.pi-1.*"));
    assertEquals(List.of("device.*.telemetry", "device.*.state"), BridgeAddresses.expand("device.*.*"));
    assertEquals(List.of("fleet.summary", "prices.updated", "schedules.status"), BridgeAddresses.expand("*.*"));
    assertEquals(List.of("alerts"), BridgeAddresses.expand("alerts"));
    assertEquals(List.of("fleet.summary"), BridgeAddresses.expand("fleet.*"));
  }

  @Test
  void aGlobThatNamesNothingIsAnError() {
    for (String glob : List.of("cloud.*", "device.pi 1.telemetry", "device.*.health", "nothing", "a.b.c.d")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BridgeAddresses.expand(glob));
      assertTrue(e.getMessage().contains(glob), e.getMessage());
    }
  }
}
