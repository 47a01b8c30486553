package io.nattery.cloud.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerFilesTest {

  private static final Path TEMPLATE = Path.of("../conf/mosquitto/acl.template");
  private static final String TEMPLATE_TEXT = "pattern write devices/%u/telemetry\n\nuser {{cloud_login}}\n"
    + "topic read devices/+/telemetry\n";

  private static BrokerFiles.Login login(String user, String password) {
    return new BrokerFiles.Login(user, BrokerPasswordLine.hash(password));
  }

  /** True when {@code line} is {@code user:$7$...} and its hash is of {@code password} under its own salt. */
  private static boolean verifies(String line, String user, String password) {
    String[] parts = line.split("\\$");
    byte[] salt = Base64.getDecoder().decode(parts[3]);
    return line.equals(BrokerPasswordLine.of(user, password, salt, Integer.parseInt(parts[2])));
  }

  @Test
  void givenServiceAndDeviceLoginsThePasswordFileHasOneMosquittoLineEachServicesFirst() {
    BrokerFiles.Contents contents = BrokerFiles.contents(List.of(login("nattery-cloud", "cloud-secret")),
      List.of(login("pi-0001", "device-one"), login("pi-0002", "device-two")), TEMPLATE_TEXT, "nattery-cloud");

    List<String> lines = contents.passwords().lines().toList();
    assertEquals(3, lines.size(), contents.passwords());
    assertTrue(contents.passwords().endsWith("\n"));
    assertTrue(verifies(lines.get(0), "nattery-cloud", "cloud-secret"), lines.get(0));
    assertTrue(verifies(lines.get(1), "pi-0001", "device-one"), lines.get(1));
    assertTrue(verifies(lines.get(2), "pi-0002", "device-two"), lines.get(2));
    assertFalse(verifies(lines.get(2), "pi-0002", "device-one"), "the check itself can fail");
    assertEquals(3, contents.logins());
    assertEquals(List.of(), contents.shadowed());
  }

  @Test
  void aDeviceNamedLikeAServiceLoginIsLeftOutAndTheServiceKeepsItsPassword() {
    BrokerFiles.Contents contents = BrokerFiles.contents(List.of(login("nattery-cloud", "cloud-secret")),
      List.of(login("nattery-cloud", "impostor")), TEMPLATE_TEXT, "nattery-cloud");

    assertEquals(1, contents.passwords().lines().count());
    assertTrue(verifies(contents.passwords().strip(), "nattery-cloud", "cloud-secret"));
    assertEquals(List.of("nattery-cloud"), contents.shadowed());
  }

  @Test
  void theAclNamesTheCloudsLoginAndATemplateWithoutThePlaceIsRefused() throws Exception {
    String template = Files.readString(TEMPLATE);
    BrokerFiles.Contents contents = BrokerFiles.contents(List.of(login("cloud-a", "x")), List.of(), template,
      "cloud-a");

    assertTrue(contents.acl().contains("\nuser cloud-a\ntopic read devices/+/telemetry\n"), contents.acl());
    assertFalse(contents.acl().contains("{{"));
    assertTrue(contents.acl().contains("pattern write devices/%u/telemetry\n"));
    assertThrows(IllegalArgumentException.class, () -> BrokerFiles.contents(List.of(), List.of(),
      "pattern read devices/%u/commands\n", "cloud-a"));
    assertThrows(IllegalArgumentException.class, () -> BrokerFiles.contents(List.of(), List.of(), template,
      "cloud/#"));
  }

  @Test
  void loginsThatWouldBreakTheFileOrTheAclAreRefused() {
    String hash = BrokerPasswordLine.hash("x");
    for (String bad : new String[] {"a:b", "dev/1", "dev+", "dev#", "", "a b", "x".repeat(65)}) {
      assertThrows(IllegalArgumentException.class, () -> new BrokerFiles.Login(bad, hash), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> new BrokerFiles.Login("pi-0001", "plain-password"));
    assertThrows(IllegalArgumentException.class, () -> new BrokerFiles.Login("pi-0001", hash + "\nevil:" + hash));
  }

  @Test
  void writingReplacesEachFileWholeWithOwnerOnlyPasswordsAndLeavesNoTemporaryFile(@TempDir Path dir)
    throws Exception {
    BrokerFiles.Contents first = BrokerFiles.contents(List.of(login("nattery-cloud", "one")),
      List.of(login("pi-0001", "p")), TEMPLATE_TEXT, "nattery-cloud");
    BrokerFiles.Contents second = BrokerFiles.contents(List.of(login("nattery-cloud", "two")),
      List.of(login("pi-0001", "p"), login("pi-0002", "q")), TEMPLATE_TEXT, "nattery-cloud");
    Path broker = dir.resolve("broker");
    BrokerFiles.write(broker, first);

    try (InputStream before = Files.newInputStream(broker.resolve(BrokerFiles.PASSWORDS))) {
      BrokerFiles.write(broker, second);
      // a reader that opened the old file (the broker mid-reload) still reads all of it: it was renamed over,
      // not truncated and rewritten in place
      assertEquals(first.passwords(), new String(before.readAllBytes(), StandardCharsets.UTF_8));
    }

    assertEquals(second.passwords(), Files.readString(broker.resolve(BrokerFiles.PASSWORDS)));
    assertEquals(second.acl(), Files.readString(broker.resolve(BrokerFiles.ACL)));
    assertEquals("rw-------", PosixFilePermissions.toString(
      Files.getPosixFilePermissions(broker.resolve(BrokerFiles.PASSWORDS))));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(
      Files.getPosixFilePermissions(broker.resolve(BrokerFiles.ACL))));
    try (Stream<Path> files = Files.list(broker)) {
      assertEquals(List.of("acl", "passwords"), files.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void serviceSecretsFromTheConfigurationAreHashedAndAppearNowhereInTheFiles() throws Exception {
    String cloudSecret = "cloud-secret-" + System.nanoTime();
    String edgeSecret = "edge-secret-" + System.nanoTime();
    JsonObject mqtt = new JsonObject().put("username", "cloud-x").put("password", cloudSecret);
    JsonObject settings = new JsonObject().put("acl_template", TEMPLATE.toString())
      .put("logins", new JsonArray().add(new JsonObject().put("username", "sim-0001").put("password", edgeSecret)));

    BrokerFiles.Contents contents = BrokerLogins.contents(settings, mqtt, List.of(login("pi-0001", "p")));

    List<String> lines = contents.passwords().lines().toList();
    assertTrue(verifies(lines.get(0), "cloud-x", cloudSecret));
    assertTrue(verifies(lines.get(1), "sim-0001", edgeSecret));
    assertTrue(lines.get(2).startsWith("pi-0001:$7$"));
    for (String text : List.of(contents.passwords(), contents.acl())) {
      assertFalse(text.contains(cloudSecret));
      assertFalse(text.contains(edgeSecret));
    }
    assertTrue(contents.acl().contains("\nuser cloud-x\n"));
  }

  @Test
  void aMissingCloudSecretIsNamedByItsSetting() {
    JsonObject mqtt = new JsonObject().put("username", "nattery-cloud")
      .put("password_env", "NATTERY_TEST_SURELY_UNSET_" + System.nanoTime());

    IllegalStateException e = assertThrows(IllegalStateException.class,
      () -> BrokerLogins.contents(new JsonObject().put("acl_template", TEMPLATE.toString()), mqtt, List.of()));

    assertTrue(e.getMessage().contains("password_env"), e.getMessage());
  }
}
