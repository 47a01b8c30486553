package io.nattery.cloud.demo;

import io.moquette.broker.subscriptions.Topic;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerAccessPolicyTest {

  private final BrokerAccessPolicy policy = new BrokerAccessPolicy("cloud",
    new BrokerAccessPolicy.Login("cloud-pw", "cloud-1"),
    Map.of("dev-a", new BrokerAccessPolicy.Login("pw-a", "dev-a-x1"), "dev-b", new BrokerAccessPolicy.Login("pw-b", "dev-b-x1")),
    true);

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void eachDeviceLogsInWithItsOwnPasswordOnly() {
    assertTrue(policy.checkValid("dev-a-x1", "dev-a", b("pw-a")));
    assertFalse(policy.checkValid("dev-a-x1", "dev-a", b("pw-b")));
    assertFalse(policy.checkValid("x", "dev-c", b("pw-a")));
    assertTrue(policy.checkValid("cloud-1", "cloud", b("cloud-pw")));
    assertTrue(policy.checkValid("watcher", null, null));
    assertFalse(policy.checkValid("watcher", "", b("anything")));
  }

  @Test
  void aLoginCannotTakeOverAnotherClientsSession() {
    assertFalse(policy.checkValid("dev-b-x1", "dev-a", b("pw-a")));
    assertFalse(policy.checkValid("cloud-1", "dev-a", b("pw-a")));
    assertFalse(policy.checkValid("dev-a-x1", "cloud", b("cloud-pw")));
  }

  @Test
  void aDevicePublishesOnlyUnderItsOwnTopics() {
    assertTrue(policy.canWrite(new Topic("devices/dev-a/telemetry"), "dev-a", "dev-a"));
    assertTrue(policy.canWrite(new Topic("devices/dev-a/commands/result"), "dev-a", "dev-a"));
    assertFalse(policy.canWrite(new Topic("devices/dev-b/telemetry"), "dev-a", "dev-a"));
    assertFalse(policy.canWrite(new Topic("prices/DE_LU/day-ahead"), "dev-a", "dev-a"));
    assertFalse(policy.canWrite(new Topic("devices/dev-a/telemetry"), null, "anon"));
    assertTrue(policy.canWrite(new Topic("devices/dev-a/schedule"), "cloud", "cloud-1"));
  }

  @Test
  void aDeviceReadsOnlyItsScheduleCommandsAndPrices() {
    assertTrue(policy.canRead(new Topic("devices/dev-a/schedule"), "dev-a", "dev-a"));
    assertTrue(policy.canRead(new Topic("devices/dev-a/commands"), "dev-a", "dev-a"));
    assertTrue(policy.canRead(new Topic("prices/#"), "dev-a", "dev-a"));
    assertFalse(policy.canRead(new Topic("devices/dev-b/commands"), "dev-a", "dev-a"));
    assertFalse(policy.canRead(new Topic("devices/+/commands"), "dev-a", "dev-a"));
    assertFalse(policy.canRead(new Topic("#"), "dev-a", "dev-a"));
  }

  @Test
  void anonymousClientsMayOnlyWatchTelemetryAndStatus() {
    assertTrue(policy.canRead(new Topic("devices/+/telemetry"), null, "anon"));
    assertTrue(policy.canRead(new Topic("devices/dev-a/status"), null, "anon"));
    assertFalse(policy.canRead(new Topic("devices/+/commands"), null, "anon"));
    assertFalse(policy.canRead(new Topic("devices/#"), null, "anon"));
    assertFalse(policy.canRead(new Topic("#"), null, "anon"));
  }
}
