package io.nattery.cloud.state;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The latest state of every device: newest telemetry, online flag and when it was last heard from.
 * Plain Java, owned by one verticle (not thread-safe). Sorted by device id so that pages are stable.
 * A sample older than the one held from the same boot (a replay from an edge buffer) does not replace it.
 */
public final class DeviceStates {

  /** One device as the API shows it (PROTOCOL.md, "A device in GET /api/v1/devices"). */
  static final class Entry {
    final String deviceId;
    String site;
    boolean online;
    Instant lastSeen;
    Instant lastSynced;
    Instant latestTs;
    JsonObject telemetry;
    final Set<String> supersededBoots = new LinkedHashSet<>();

    Entry(String deviceId) {
      this.deviceId = deviceId;
    }

    JsonObject toJson() {
      JsonArray alarms = telemetry == null ? new JsonArray() : telemetry.getJsonArray("alarms", new JsonArray());
      return new JsonObject()
        .put("device_id", deviceId)
        .put("site", site)
        .put("online", online)
        .put("last_seen", lastSeen == null ? null : lastSeen.truncatedTo(ChronoUnit.MILLIS).toString())
        .put("telemetry", telemetry)
        .put("active_schedule", null)
        .put("alarms", alarms);
    }
  }

  public record Page(List<JsonObject> items, String last) {
  }

  private static final int MAX_SUPERSEDED_BOOTS = 8;

  private final NavigableMap<String, Entry> devices = new TreeMap<>();
  private long replays;

  /** Records a contract-valid telemetry sample; returns false when it was older than the latest held. */
  public boolean onTelemetry(JsonObject telemetry, Instant receivedAt) {
    String id = telemetry.getString("device_id");
    Instant ts = Instant.parse(telemetry.getString("ts"));
    Entry entry = devices.computeIfAbsent(id, Entry::new);
    entry.online = true;
    entry.lastSeen = entry.lastSeen == null || receivedAt.isAfter(entry.lastSeen) ? receivedAt : entry.lastSeen;
    // A restarted edge (new boot_id) may stamp its first samples behind the held ones (a Pi has no RTC
    // until NTP syncs): a new boot wins over the one it replaces, which is remembered, so that the old boot's
    // buffered samples replayed later do not take the state back. Within one boot, time orders the samples.
    String bootId = String.valueOf(telemetry.getString("boot_id"));
    if (entry.supersededBoots.contains(bootId)) {
      replays++;
      return false;
    }
    String heldBoot = entry.telemetry == null ? null : String.valueOf(entry.telemetry.getString("boot_id"));
    if (heldBoot != null && !heldBoot.equals(bootId)) {
      entry.supersededBoots.add(heldBoot);
      if (entry.supersededBoots.size() > MAX_SUPERSEDED_BOOTS) {
        entry.supersededBoots.remove(entry.supersededBoots.iterator().next());
      }
    } else if (entry.latestTs != null && !ts.isAfter(entry.latestTs)) {
      replays++;
      return false;
    }
    entry.latestTs = ts;
    entry.telemetry = telemetry;
    return true;
  }

  public void onStatus(String deviceId, boolean online, Instant receivedAt) {
    Entry entry = devices.computeIfAbsent(deviceId, Entry::new);
    entry.online = online;
    if (online) {
      entry.lastSeen = receivedAt;
    }
  }

  /** A device of the registry: listed from now on, offline until heard from. */
  public void register(String deviceId, String site) {
    devices.computeIfAbsent(deviceId, Entry::new).site = site;
  }

  /** The devices heard from since their last_seen was last written, with when they were last seen. */
  public Map<String, Instant> seenSinceLastSync() {
    Map<String, Instant> seen = new TreeMap<>();
    for (Entry entry : devices.values()) {
      if (entry.lastSeen != null && !entry.lastSeen.equals(entry.lastSynced)) {
        seen.put(entry.deviceId, entry.lastSeen);
      }
    }
    return seen;
  }

  /** Records that these last_seen values were written, so that they are not written again. */
  public void markSynced(Map<String, Instant> written) {
    written.forEach((id, at) -> {
      Entry entry = devices.get(id);
      if (entry != null) {
        entry.lastSynced = at;
      }
    });
  }

  /** Marks offline the devices silent for longer than {@code silence}; returns their ids. */
  public List<String> markSilentOffline(Instant now, Duration silence) {
    List<String> changed = new ArrayList<>();
    for (Entry entry : devices.values()) {
      if (entry.online && entry.lastSeen != null && entry.lastSeen.plus(silence).isBefore(now)) {
        entry.online = false;
        changed.add(entry.deviceId);
      }
    }
    return changed;
  }

  public Optional<JsonObject> get(String deviceId) {
    return Optional.ofNullable(devices.get(deviceId)).map(Entry::toJson);
  }

  /** Up to {@code limit} devices after {@code after} (exclusive), optionally only the online or offline ones. */
  public Page list(String after, int limit, Boolean online) {
    Map<String, Entry> tail = after == null ? devices : devices.tailMap(after, false);
    List<JsonObject> items = new ArrayList<>();
    String last = null;
    boolean more = false;
    for (Entry entry : tail.values()) {
      if (online != null && entry.online != online) {
        continue;
      }
      if (items.size() == limit) {
        more = true;
        break;
      }
      items.add(entry.toJson());
      last = entry.deviceId;
    }
    return new Page(items, more ? last : null);
  }

  public int size() {
    return devices.size();
  }

  public long online() {
    return devices.values().stream().filter(e -> e.online).count();
  }

  public long replays() {
    return replays;
  }
}
