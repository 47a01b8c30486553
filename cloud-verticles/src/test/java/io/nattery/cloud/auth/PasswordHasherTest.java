package io.nattery.cloud.auth;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswordHasherTest {

  private final PasswordHasher hasher = new PasswordHasher();

  @Test
  void aHashVerifiesItsPasswordOnlyAndIsSalted() {
    String hash = hasher.hash("correct horse");

    assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
    assertTrue(hasher.verify("correct horse", hash));
    assertFalse(hasher.verify("correct horsf", hash));
    assertFalse(hash.contains("correct horse"));
    assertNotEquals(hash, hasher.hash("correct horse"));
  }

  @Test
  void malformedStoredHashesNeverMatch() {
    assertFalse(hasher.verify("x", null));
    assertFalse(hasher.verify("x", ""));
    assertFalse(hasher.verify("x", "$argon2i$v=19$m=8,t=1,p=1$AAAA$AAAA"));
    assertFalse(hasher.verify("x", "$argon2id$v=19$m=oops$AAAA$AAAA"));
    assertFalse(hasher.verify("x", "plain-text-password"));
  }
}
