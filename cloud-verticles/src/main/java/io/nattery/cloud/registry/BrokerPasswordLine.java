package io.nattery.cloud.registry;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A device's line for Mosquitto's password file, in the format {@code mosquitto_passwd} writes (Mosquitto 2:
 * {@code user:$7$iterations$salt$hash}, PBKDF2-HMAC-SHA512, 12-byte salt, 64-byte hash). The line is returned once,
 * at provisioning; its hash part (never the password) is kept in the registry so that {@link BrokerFiles} can write
 * the broker's whole file again at any time.
 * Mosquitto's default 101 iterations are kept: the password is 256 random bits, which no iteration count adds
 * to, and the broker pays the cost on every device login.
 */
public final class BrokerPasswordLine {

  static final int ITERATIONS = 101;
  private static final int SALT_BYTES = 12;
  private static final int HASH_BITS = 512;
  private static final SecureRandom RANDOM = new SecureRandom();

  private BrokerPasswordLine() {
  }

  /** What Mosquitto's file holds for one login: {@code user:hash}. */
  static final Pattern HASH = Pattern.compile("\\$7\\$[0-9]{1,9}\\$[A-Za-z0-9+/]+={0,2}\\$[A-Za-z0-9+/]+={0,2}");

  public static String of(String username, String password) {
    return line(username, hash(password));
  }

  /** The {@code $7$iterations$salt$hash} part of a line, with a fresh salt. */
  public static String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    return hash(password, salt, ITERATIONS);
  }

  public static String line(String username, String hash) {
    return username + ":" + hash;
  }

  static String of(String username, String password, byte[] salt, int iterations) {
    return line(username, hash(password, salt, iterations));
  }

  private static String hash(String password, byte[] salt, int iterations) {
    Base64.Encoder b64 = Base64.getEncoder();
    return "$7$" + iterations + "$" + b64.encodeToString(salt) + "$"
      + b64.encodeToString(pbkdf2(password, salt, iterations));
  }

  private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA512 is missing from this JVM", e);
    } finally {
      spec.clearPassword();
    }
  }
}
