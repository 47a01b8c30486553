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
 * status and prices: a demo-only convenience, switched off with {@code anonymousRead = false}. Moquette
 * never asks the authenticator about anonymous clients, so the demo gives its own clients client ids with a
 * random part that an anonymous client cannot guess and take over.
 */
final class BrokerAccessPolicy implements IAuthenticator, IAuthorizatorPolicy {

  /** A login: its password and the one client id it may use (sessions are keyed by client id alone). */
  record Login(String password, String clientId) {
  }

  private final String cloudUser;
  private final Login cloud;
  private final Map<String, Login> devices;
  private final boolean anonymousRead;

  BrokerAccessPolicy(String cloudUser, Login cloud, Map<String, Login> devices, boolean anonymousRead) {
    this.cloudUser = cloudUser;
    this.cloud = cloud;
    this.devices = Map.copyOf(devices);
    this.anonymousRead = anonymousRead;
  }

  @Override
  public boolean checkValid(String clientId, String username, byte[] password) {
    if (username == null || username.isEmpty()) {
      return anonymousRead && password == null;
    }
    Login login = cloudUser.equals(username) ? cloud : devices.get(username);
    // Bound to its client id, a login cannot take over another client's session (or fire its last will).
    return login != null && password != null && login.clientId().equals(clientId)
      && MessageDigest.isEqual(login.password().getBytes(StandardCharsets.UTF_8), password);
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
    return user != null && devices.containsKey(user);
  }

  private static boolean isAnonymous(String user) {
    return user == null || user.isEmpty();
  }
}
