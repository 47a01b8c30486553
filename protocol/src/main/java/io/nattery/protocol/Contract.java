package io.nattery.protocol;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** Constants of wire contract version 1 (PROTOCOL.md). */
public final class Contract {

  public static final int VERSION = 1;

  /** 256 KiB per MQTT payload or REST body. */
  public static final int MAX_PAYLOAD_BYTES = 262_144;

  public static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** Bidding zones become MQTT topic levels, so they get the same safe alphabet as device ids. */
  public static final Pattern ZONE = Pattern.compile("[A-Za-z0-9_-]{1,32}");

  public static final Duration DEFAULT_MTU = Duration.ofMinutes(15);

  public static final List<Duration> SUPPORTED_MTUS =
      List.of(Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofMinutes(60));

  private Contract() {
  }

  public static boolean isValidDeviceId(String deviceId) {
    return deviceId != null && DEVICE_ID.matcher(deviceId).matches();
  }

  public static boolean isValidZone(String zone) {
    return zone != null && ZONE.matcher(zone).matches();
  }
}
