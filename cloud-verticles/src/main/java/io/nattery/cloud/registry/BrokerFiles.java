package io.nattery.cloud.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Mosquitto's {@code passwords} and {@code acl} files, made from the registry's device hashes, the service logins
 * (the cloud's, a simulated edge's) and an ACL template. Each file is written beside its final name and renamed
 * over it, so the broker, reloading on SIGHUP, reads either the old file or the new one, never half of one.
 * Plain Java: the CLI, a node and the tests share it.
 */
public final class BrokerFiles {

  public static final String PASSWORDS = "passwords";
  public static final String ACL = "acl";
  /** Where the ACL template names the cloud's login. */
  public static final String CLOUD_LOGIN = "{{cloud_login}}";
  /** A login that is safe in both files: no {@code :} (the password file's separator), no MQTT wildcard or level. */
  static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

  /** One line of the password file: a login and its {@code $7$} hash. */
  public record Login(String username, String hash) {
    public Login {
      if (username == null || !USERNAME.matcher(username).matches()) {
        throw new IllegalArgumentException("a broker login must match " + USERNAME.pattern() + ": " + username);
      }
      if (hash == null || !BrokerPasswordLine.HASH.matcher(hash).matches()) {
        throw new IllegalArgumentException("not a $7$ hash for the broker login " + username);
      }
    }
  }

  /** The text of both files, and the device logins left out because a service login has the same name. */
  public record Contents(String passwords, String acl, int logins, List<String> shadowed) {
  }

  private BrokerFiles() {
  }

  /**
   * The files' text. Service logins come first and win over a device of the same name, so that a device
   * provisioned as {@code nattery-cloud} cannot take the cloud's place.
   */
  public static Contents contents(List<Login> services, List<Login> devices, String aclTemplate, String cloudLogin) {
    if (!USERNAME.matcher(cloudLogin).matches()) {
      throw new IllegalArgumentException("the cloud's broker login must match " + USERNAME.pattern());
    }
    if (!aclTemplate.contains("user " + CLOUD_LOGIN)) {
      throw new IllegalArgumentException("the ACL template has no 'user " + CLOUD_LOGIN + "' line");
    }
    Map<String, String> lines = new LinkedHashMap<>();
    for (Login service : services) {
      if (lines.putIfAbsent(service.username(), service.hash()) != null) {
        throw new IllegalArgumentException("the service login " + service.username() + " is named twice");
      }
    }
    List<String> shadowed = new ArrayList<>();
    for (Login device : devices) {
      if (lines.putIfAbsent(device.username(), device.hash()) != null) {
        shadowed.add(device.username());
      }
    }
    StringBuilder passwords = new StringBuilder();
    lines.forEach((user, hash) -> passwords.append(BrokerPasswordLine.line(user, hash)).append('\n'));
    return new Contents(passwords.toString(), aclTemplate.replace(CLOUD_LOGIN, cloudLogin), lines.size(),
      List.copyOf(shadowed));
  }

  /** Writes both files into {@code dir} (made if missing): {@code passwords} 0600, {@code acl} 0644. */
  public static void write(Path dir, Contents contents) throws IOException {
    Files.createDirectories(dir);
    // the ACL first: a new login is only let in once the rules that confine it are in place
    replace(dir.resolve(ACL), contents.acl(), WORLD_READABLE);
    replace(dir.resolve(PASSWORDS), contents.passwords(), OWNER_ONLY);
  }

  static void replace(Path target, String text, Set<PosixFilePermission> mode) throws IOException {
    Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".",
      ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      Files.setPosixFilePermissions(temp, mode);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically", e);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
