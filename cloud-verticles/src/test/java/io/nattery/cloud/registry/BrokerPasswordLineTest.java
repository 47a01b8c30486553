package io.nattery.cloud.registry;

import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerPasswordLineTest {

  /** Written by Mosquitto 2.0.11's own tool: {@code mosquitto_passwd -b pw.txt pi-0001 'S3cret-known-vector'}. */
  private static final String MOSQUITTO_LINE = "pi-0001:$7$101$clUXfNj8nBpMqqpu$y5kBQyma94ua2dpQK3AbOIhCX2WdEvxX2F3D"
    + "u1jLWWyUwToarAWnKLk3ZLUw8YiAs4JDVWNhok18ARnT26+Diw==";

  @Test
  void givenMosquittosSaltTheLineIsTheOneMosquittoPasswdWrote() {
    byte[] salt = Base64.getDecoder().decode(MOSQUITTO_LINE.split("\\$")[3]);

    assertEquals(MOSQUITTO_LINE, BrokerPasswordLine.of("pi-0001", "S3cret-known-vector", salt, 101));
  }

  @Test
  void anotherPasswordGivesAnotherHash() {
    byte[] salt = Base64.getDecoder().decode(MOSQUITTO_LINE.split("\\$")[3]);

    assertNotEquals(MOSQUITTO_LINE, BrokerPasswordLine.of("pi-0001", "S3cret-known-vectoR", salt, 101));
  }

  @Test
  void aFreshLineHasAFreshSaltAndTheDefaultIterations() {
    String first = BrokerPasswordLine.of("pi-0002", "same");
    String second = BrokerPasswordLine.of("pi-0002", "same");

    assertTrue(first.startsWith("pi-0002:$7$101$"), first);
    assertNotEquals(first, second);
    assertEquals(12, Base64.getDecoder().decode(first.split("\\$")[3]).length);
    assertEquals(64, Base64.getDecoder().decode(first.split("\\$")[4]).length);
  }
}
