package io.nattery.cloud.state;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The in-process {@link DeviceStateStore}, for the demo (one process, no Redis): the same rules as
 * {@link RedisDeviceStates}, held in a map sorted by device id so that pages are stable. Not thread-safe: owned
 * by one verticle, whose event loop calls it.
 */
public final class DeviceStates implements DeviceStateStore {

  private static final int MAX_SUPERSEDED_BOOTS = 8;

  private static final class Entry {
    final String deviceId;
    String site;
    boolean online;
    Instant lastSeen;
    JsonObject telemetry;
    String activeSchedule;
    long activeVersion = -1;
    Long seq;
    String bootId;
    int window;
    String inverterState;
    long commErrors = -1;
    boolean commFailing;
    final Set<String> supersededBoots = new LinkedHashSet<>();

    Entry(String deviceId) {
      this.deviceId = deviceId;
    }

    JsonObject toJson() {
      return DeviceJson.of(deviceId, site, online, lastSeen, telemetry, activeSchedule, activeVersion);
    }
  }

  private final NavigableMap<String, Entry> devices = new TreeMap<>();

  @Override
  public Future<List<Outcome>> recordTelemetry(List<JsonObject> samples, Instant receivedAt) {
    List<Outcome> outcomes = new ArrayList<>(samples.size());
    for (JsonObject sample : samples) {
      outcomes.add(record(sample, receivedAt));
    }
    return Future.succeededFuture(outcomes);
  }

  private Outcome record(JsonObject sample, Instant receivedAt) {
    Entry entry = devices.computeIfAbsent(sample.getString("device_id"), Entry::new);
    boolean cameOnline = !entry.online;
    entry.online = true;
    if (entry.lastSeen == null || receivedAt.isAfter(entry.lastSeen)) {
      entry.lastSeen = receivedAt;
    }
    long seq = sample.getLong("seq");
    String boot = sample.getString("boot_id", "");
    Verdict verdict = Verdict.LATEST;
    long missed = 0;
    if (entry.supersededBoots.contains(boot)) {
      verdict = Verdict.LATE;
    } else if (entry.seq == null) {
      entry.window = 1;
    } else if (!boot.equals(entry.bootId)) {
      // a restarted edge counts from 0 again: its boot replaces the held one, whose replays come late
      entry.supersededBoots.add(entry.bootId);
      if (entry.supersededBoots.size() > MAX_SUPERSEDED_BOOTS) {
        entry.supersededBoots.remove(entry.supersededBoots.iterator().next());
      }
      entry.window = 1;
    } else {
      long ahead = seq - entry.seq;
      if (ahead > 0) {
        missed = ahead - 1;
        entry.window = ahead >= SEQ_WINDOW ? 1 : (entry.window << ahead) | 1;
      } else {
        long back = -ahead;
        int bit = back < SEQ_WINDOW ? 1 << back : 0;
        if (ahead == 0 || (entry.window & bit) != 0) {
          verdict = Verdict.DUPLICATE;
        } else {
          verdict = Verdict.LATE;
          entry.window |= bit;
        }
      }
    }
    int faultChange = 0;
    if (verdict == Verdict.LATEST) {
      String inverterState = sample.getString("inverter_state");
      faultChange = faultChange(entry.inverterState, inverterState);
      entry.seq = seq;
      entry.bootId = boot;
      entry.telemetry = sample;
      entry.inverterState = inverterState;
    }
    return new Outcome(verdict, missed, cameOnline, faultChange);
  }

  static int faultChange(String held, String now) {
    boolean was = "fault".equals(held);
    boolean is = "fault".equals(now);
    return was == is ? 0 : is ? 1 : -1;
  }

  @Override
  public Future<Boolean> recordStatus(String deviceId, boolean online, Instant receivedAt) {
    Entry entry = devices.computeIfAbsent(deviceId, Entry::new);
    boolean changed = entry.online != online;
    entry.online = online;
    if (online && (entry.lastSeen == null || receivedAt.isAfter(entry.lastSeen))) {
      entry.lastSeen = receivedAt;
    }
    return Future.succeededFuture(changed);
  }

  @Override
  public Future<HealthOutcome> recordHealth(String deviceId, JsonObject health, long commErrors, long threshold) {
    Entry entry = devices.computeIfAbsent(deviceId, Entry::new);
    long previous = entry.commErrors;
    entry.commErrors = commErrors;
    if (previous < 0) {
      return Future.succeededFuture(new HealthOutcome(-1, 0));
    }
    // the edge's counters start again at 0 when it restarts
    long rise = commErrors >= previous ? commErrors - previous : commErrors;
    boolean failing = rise > threshold;
    int change = failing == entry.commFailing ? 0 : failing ? 1 : -1;
    entry.commFailing = failing;
    return Future.succeededFuture(new HealthOutcome(rise, change));
  }

  @Override
  public Future<List<String>> markSilentOffline(Instant now, Duration silence) {
    List<String> changed = new ArrayList<>();
    Instant cutoff = now.minus(silence);
    for (Entry entry : devices.values()) {
      if (entry.online && entry.lastSeen != null && !entry.lastSeen.isAfter(cutoff)) {
        entry.online = false;
        changed.add(entry.deviceId);
      }
    }
    return Future.succeededFuture(changed);
  }

  @Override
  public Future<Void> register(Map<String, String> sitesById) {
    sitesById.forEach((id, site) -> devices.computeIfAbsent(id, Entry::new).site = site);
    return Future.succeededFuture();
  }

  @Override
  public Future<Optional<JsonObject>> get(String deviceId) {
    return Future.succeededFuture(Optional.ofNullable(devices.get(deviceId)).map(Entry::toJson));
  }

  @Override
  public Future<Page> list(String after, int limit, Boolean online) {
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
    return Future.succeededFuture(new Page(items, more ? last : null));
  }

  @Override
  public Future<Void> recordAppliedSchedule(String deviceId, String scheduleId, long version) {
    Entry entry = devices.get(deviceId);
    if (entry != null && version > entry.activeVersion) {
      entry.activeSchedule = scheduleId;
      entry.activeVersion = version;
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> counts() {
    long online = devices.values().stream().filter(e -> e.online).count();
    return Future.succeededFuture(new JsonObject().put("devices", devices.size()).put("online", online));
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** The API's device JSON, shared by both stores. */
  static final class DeviceJson {

    private DeviceJson() {
    }

    static JsonObject of(String deviceId, String site, boolean online, Instant lastSeen, JsonObject telemetry,
                         String activeSchedule, long activeVersion) {
      JsonArray alarms = telemetry == null ? new JsonArray() : telemetry.getJsonArray("alarms", new JsonArray());
      return new JsonObject()
        .put("device_id", deviceId)
        .put("site", site)
        .put("online", online)
        .put("last_seen", lastSeen == null ? null : lastSeen.truncatedTo(ChronoUnit.MILLIS).toString())
        .put("telemetry", telemetry)
        .put("active_schedule", activeSchedule == null ? null
          : new JsonObject().put("schedule_id", activeSchedule).put("version", activeVersion))
        .put("alarms", alarms);
    }
  }
}
