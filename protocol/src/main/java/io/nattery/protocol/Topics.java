package io.nattery.protocol;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** MQTT topic names and filters of PROTOCOL.md. */
public final class Topics {

  private static final String DEVICES = "devices/";

  /** What a device topic carries, with the topic level(s) after {@code devices/{device_id}/}. */
  public enum Kind {
    TELEMETRY("telemetry"),
    STATUS("status"),
    HEALTH("health"),
    ALARMS("alarms"),
    SCHEDULE("schedule"),
    ACK("ack"),
    COMMANDS("commands"),
    COMMAND_RESULT("commands/result");

    private final String suffix;

    Kind(String suffix) {
      this.suffix = suffix;
    }

    public String suffix() {
      return suffix;
    }
  }

  /** A topic under {@code devices/} taken apart. */
  public record DeviceTopic(String deviceId, Kind kind) {
  }

  private static final Map<String, Kind> KIND_BY_SUFFIX =
      Stream.of(Kind.values()).collect(Collectors.toUnmodifiableMap(Kind::suffix, Function.identity()));

  private Topics() {
  }

  /** Throws IllegalArgumentException for an invalid id, so that no id can inject levels or wildcards. */
  public static String device(String deviceId, Kind kind) {
    if (!Contract.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("invalid device_id: " + deviceId);
    }
    return DEVICES + deviceId + "/" + kind.suffix();
  }

  public static String telemetry(String deviceId) {
    return device(deviceId, Kind.TELEMETRY);
  }

  public static String status(String deviceId) {
    return device(deviceId, Kind.STATUS);
  }

  public static String health(String deviceId) {
    return device(deviceId, Kind.HEALTH);
  }

  public static String alarms(String deviceId) {
    return device(deviceId, Kind.ALARMS);
  }

  public static String schedule(String deviceId) {
    return device(deviceId, Kind.SCHEDULE);
  }

  public static String ack(String deviceId) {
    return device(deviceId, Kind.ACK);
  }

  public static String commands(String deviceId) {
    return device(deviceId, Kind.COMMANDS);
  }

  public static String commandResult(String deviceId) {
    return device(deviceId, Kind.COMMAND_RESULT);
  }

  public static String prices(String zone) {
    if (!Contract.isValidZone(zone)) {
      throw new IllegalArgumentException("invalid zone: " + zone);
    }
    return "prices/" + zone + "/day-ahead";
  }

  /** {@code devices/+/telemetry}: one kind of topic of every device. */
  public static String deviceFilter(Kind kind) {
    return DEVICES + "+/" + kind.suffix();
  }

  /** {@code $share/{group}/devices/+/telemetry}, so that every cloud node takes a share. */
  public static String sharedFilter(String group, Kind kind) {
    if (group == null || group.isEmpty() || group.chars().anyMatch(c -> c == '/' || c == '+' || c == '#')) {
      throw new IllegalArgumentException("invalid share group: " + group);
    }
    return "$share/" + group + "/" + deviceFilter(kind);
  }

  /** Empty for anything that is not exactly {@code devices/{valid id}/{known suffix}}. */
  public static Optional<DeviceTopic> parse(String topic) {
    if (topic == null || !topic.startsWith(DEVICES)) {
      return Optional.empty();
    }
    int slash = topic.indexOf('/', DEVICES.length());
    if (slash < 0) {
      return Optional.empty();
    }
    String deviceId = topic.substring(DEVICES.length(), slash);
    Kind kind = KIND_BY_SUFFIX.get(topic.substring(slash + 1));
    if (kind == null || !Contract.isValidDeviceId(deviceId)) {
      return Optional.empty();
    }
    return Optional.of(new DeviceTopic(deviceId, kind));
  }
}
