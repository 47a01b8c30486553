package io.nattery.cloud.bridge;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.auth.Role;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outbound addresses of PROTOCOL.md's SockJS bridge and who may receive them. Per-device addresses also come
 * with {@code *} for the id ({@code device.*.telemetry}): the whole fleet's stream on one address, which is how
 * {@code tail} and other operators' tools take a glob, and which needs the operator role (it is a bulk export).
 */
public final class BridgeAddresses {

  public static final String FLEET_SUMMARY = "fleet.summary";
  public static final String PRICES_UPDATED = "prices.updated";
  public static final String ALERTS = "alerts";
  public static final String SCHEDULES_STATUS = Addresses.SCHEDULES_STATUS;
  /** The id that stands for every device in a per-device address. */
  public static final String ANY_DEVICE = "*";

  private static final List<String> FLEET_ADDRESSES = List.of(FLEET_SUMMARY, PRICES_UPDATED, ALERTS, SCHEDULES_STATUS);
  private static final List<String> DEVICE_KINDS = List.of("telemetry", "state");
  private static final Pattern DEVICE = Pattern.compile("device\\.([A-Za-z0-9_-]{1,64}|\\*)\\.(telemetry|state)");

  /** What the bridge lets out at all; who may register each is {@link #leastRole}'s answer. */
  public static final String OUTBOUND_REGEX =
    "(fleet\\.summary|prices\\.updated|alerts|schedules\\.status|" + DEVICE.pattern() + ")";

  private BridgeAddresses() {
  }

  public static String telemetry(String deviceId) {
    return "device." + deviceId + ".telemetry";
  }

  public static String state(String deviceId) {
    return "device." + deviceId + ".state";
  }

  /** The least role that may receive the address; empty when no browser may ever see it. */
  public static Optional<Role> leastRole(String address) {
    if (address == null) {
      return Optional.empty();
    }
    if (FLEET_ADDRESSES.contains(address)) {
      return Optional.of(Role.VIEWER);
    }
    Matcher device = DEVICE.matcher(address);
    if (device.matches()) {
      return Optional.of(device.group(1).equals(ANY_DEVICE) ? Role.OPERATOR : Role.VIEWER);
    }
    return Optional.empty();
  }

  /** Whether the address is a per-device one (for one device or for {@code *}). */
  public static boolean isDeviceAddress(String address) {
    return address != null && DEVICE.matcher(address).matches();
  }

  /**
   * The bridge addresses a glob names, {@code *} standing for one dot-separated part: {@code device.*.telemetry}
   * is every device's telemetry, {@code device.pi-1.*} both of that device's addresses, {@code *.*} the dotted
   * fleet-wide ones (fleet.summary, prices.updated, schedules.status). A part that is a device id names that device.
   *
   * @throws IllegalArgumentException when the glob names no bridge address
   */
  public static List<String> expand(String glob) {
    String[] parts = glob.split("\\.", -1);
    List<String> addresses = new ArrayList<>();
    if (parts.length == 1 || parts.length == 2) {
      for (String fleet : FLEET_ADDRESSES) {
        if (matches(parts, fleet.split("\\."))) {
          addresses.add(fleet);
        }
      }
    } else if (parts.length == 3 && (parts[0].equals("device") || parts[0].equals("*"))
      && (parts[1].equals(ANY_DEVICE) || leastRole(telemetry(parts[1])).isPresent())) {
      for (String kind : DEVICE_KINDS) {
        if (parts[2].equals("*") || parts[2].equals(kind)) {
          addresses.add("device." + parts[1] + "." + kind);
        }
      }
    }
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no bridge address matches '" + glob + "' (the addresses are "
        + String.join(", ", FLEET_ADDRESSES) + ", device.{id}.telemetry and device.{id}.state; * stands for one part)");
    }
    return addresses;
  }

  private static boolean matches(String[] glob, String[] address) {
    if (glob.length != address.length) {
      return false;
    }
    for (int i = 0; i < glob.length; i++) {
      if (!glob[i].equals("*") && !glob[i].equals(address[i])) {
        return false;
      }
    }
    return true;
  }
}
