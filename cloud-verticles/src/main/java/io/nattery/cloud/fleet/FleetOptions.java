package io.nattery.cloud.fleet;

import io.nattery.protocol.Contract;
import io.nattery.protocol.battery.BatteryModel;

import java.net.URI;

/**
 * What {@code nattery simulate} runs: how many devices, how often each samples, which broker and how each logs
 * in. {@code password} is null for a broker that allows anonymous logins; it is never printed.
 */
public record FleetOptions(
    int devices,
    double rateHz,
    String host,
    int port,
    boolean ssl,
    String usernamePattern,
    String password,
    String prefix,
    int connectRatePerSecond,
    boolean cleanSession,
    boolean statsJson,
    long statsIntervalMs,
    BatteryModel battery) {

  public static final String ID_PLACEHOLDER = "{id}";

  public FleetOptions {
    if (devices < 1) {
      throw new IllegalArgumentException("--devices must be at least 1: " + devices);
    }
    if (!(rateHz > 0) || rateHz > 100) {
      throw new IllegalArgumentException("--rate must be in (0, 100] Hz: " + rateHz);
    }
    if (connectRatePerSecond < 1) {
      throw new IllegalArgumentException("--connect-rate must be at least 1 per second: " + connectRatePerSecond);
    }
    if (!Contract.isValidDeviceId(deviceId(prefix, devices, devices))) {
      throw new IllegalArgumentException("--prefix makes invalid device ids: " + prefix);
    }
  }

  /** {@code sim-00042}: the prefix and the number, zero-padded to the fleet's width (at least 5 digits). */
  public String deviceId(int index) {
    return deviceId(prefix, devices, index);
  }

  private static String deviceId(String prefix, int devices, int index) {
    int width = Math.max(5, Integer.toString(devices).length());
    String number = Integer.toString(index);
    return prefix + "0".repeat(Math.max(0, width - number.length())) + number;
  }

  public String username(String deviceId) {
    return usernamePattern.replace(ID_PLACEHOLDER, deviceId);
  }

  /** {@code mqtt://host:port} (or tcp://), {@code mqtts://} / {@code ssl://} for TLS; the port defaults to 1883 / 8883. */
  public static Broker broker(String url) {
    URI uri = URI.create(url);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    boolean tls = switch (scheme) {
      case "mqtt", "tcp" -> false;
      case "mqtts", "ssl" -> true;
      default -> throw new IllegalArgumentException("--broker must be mqtt://host:port or mqtts://host:port: " + url);
    };
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("--broker has no host: " + url);
    }
    return new Broker(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883, tls);
  }

  public record Broker(String host, int port, boolean ssl) {
  }
}
