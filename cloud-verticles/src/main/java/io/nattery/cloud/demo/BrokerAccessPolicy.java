package io.nattery.cloud.demo;

import io.moquette.broker.security.IAuthenticator;
import io.moquette.broker.security.IAuthorizatorPolicy;
import io.moquette.broker.subscriptions.Topic;
import io.nattery.protocol.Contract;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Who may do what on the demo's embedded broker, as PROTOCOL.md says for any broker: a device logs in with
 * its own id and password, publishes only under {@code devices/{id}/} and reads only its own {@code schedule}
 * and {@code commands} and {@code prices/#}; the cloud's login may do everything. So that an integrator can
 * watch the demo with a plain {@code mosquitto_sub}, an anonymous client may read (never write) telemetry,
 * status and prices: a demo-only convenience, switched off with {@code anonymousRead = false}.
 */
final class BrokerAccessPolicy implements IAuthenticator, IAuthorizatorPolicy {

  private final String cloudUser;
  private final byte[] cloudPassword;
  private final Map<String, byte[]> devicePasswords;
  private final boolean anonymousRead;

  BrokerAccessPolicy(String cloudUser, String cloudPassword, Map<String, String> devicePasswords,
                     boolean anonymousRead) {
    this.cloudUser = cloudUser;
    this.cloudPassword = cloudPassword.getBytes(StandardCharsets.UTF_8);
    this.devicePasswords = devicePasswords.entrySet().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(
      Map.Entry::getKey, e -> e.getValue().getBytes(StandardCharsets.UTF_8)));
    this.anonymousRead = anonymousRead;
  }

  @Override
  public boolean checkValid(String clientId, String username, byte[] password) {
    if (username == null || username.isEmpty()) {
      return anonymousRead && password == null;
    }
    byte[] expected = cloudUser.equals(username) ? cloudPassword : devicePasswords.get(username);
    return expected != null && password != null && MessageDigest.isEqual(expected, password);
  }

  @Override
  public boolean canWrite(Topic topic, String user, String client) {
    if (cloudUser.equals(user)) {
      return true;
    }
    String[] levels = topic.toString().split("/", -1);
    return isDevice(user) && levels.length >= 3 && levels[0].equals("devices") && levels[1].equals(user)
      && !topic.toString().contains("+") && !topic.toString().contains("#");
  }

  @Override
  public boolean canRead(Topic topic, String user, String client) {
    if (cloudUser.equals(user)) {
      return true;
    }
    String filter = topic.toString();
    if (filter.equals("prices/#") || (filter.startsWith("prices/") && filter.split("/").length == 3
      && !filter.contains("#"))) {
      return isDevice(user) || isAnonymous(user);
    }
    String[] levels = filter.split("/", -1);
    if (levels.length != 3 || !levels[0].equals("devices")) {
      return false;
    }
    if (isDevice(user)) {
      return levels[1].equals(user) && (levels[2].equals("schedule") || levels[2].equals("commands"));
    }
    boolean anyOrOneDevice = levels[1].equals("+") || Contract.isValidDeviceId(levels[1]);
    return isAnonymous(user) && anonymousRead && anyOrOneDevice
      && (levels[2].equals("telemetry") || levels[2].equals("status"));
  }

  private boolean isDevice(String user) {
    return user != null && devicePasswords.containsKey(user);
  }

  private static boolean isAnonymous(String user) {
    return user == null || user.isEmpty();
  }
}
