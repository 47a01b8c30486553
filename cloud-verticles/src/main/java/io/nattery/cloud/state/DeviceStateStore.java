package io.nattery.cloud.state;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the latest state of every device lives: Redis ({@link RedisDeviceStates}) so that every node and outside
 * readers see the same, or this process ({@link DeviceStates}) for the demo. Both pass {@code DeviceStateStoreContract}.
 * <p>
 * Rules both keep: any accepted sample or an online status makes a device online; a last will or a silence
 * longer than the configured one makes it offline. Within one boot of the edge ({@code boot_id}), {@code seq}
 * orders the samples: a higher one is the latest (a jump is a gap), the same one again is a duplicate, a lower
 * one is late (a replay from the edge's buffer) and never replaces the latest. A new boot replaces the held
 * one, which is remembered, so that its samples replayed afterwards are late too.
 */
public interface DeviceStateStore {

  /** How many sequence numbers below the highest seen are remembered to tell a duplicate from a late sample. */
  int SEQ_WINDOW = 32;

  /** What a sample was, against what the store held for its device. */
  enum Verdict { LATEST, DUPLICATE, LATE }

  /**
   * @param missed      sequence numbers skipped by this sample (a gap), 0 when it followed on
   * @param cameOnline  the device was offline (or never heard from) before this sample
   * @param faultChange +1 the inverter went into {@code fault} with this sample, -1 it left it, 0 no change
   */
  record Outcome(Verdict verdict, long missed, boolean cameOnline, int faultChange) {
  }

  /** A page of devices in id order; {@code last} is the id to continue after, null on the last page. */
  record Page(List<JsonObject> items, String last) {
  }

  /** Records contract-valid telemetry samples (JSON of the contract), in order; one outcome per sample. */
  Future<List<Outcome>> recordTelemetry(List<JsonObject> samples, Instant receivedAt);

  /** Records an online or offline status; true when it changed the device's online flag. */
  Future<Boolean> recordStatus(String deviceId, boolean online, Instant receivedAt);

  /**
   * @param rise   how much the communication errors rose since the previous Health, -1 when there was none
   * @param change +1 the device began failing (a rise above the threshold), -1 it stopped, 0 no change
   */
  record HealthOutcome(long rise, int change) {
  }

  /**
   * Records a Health message with its communication error count ({@code modbus.errors + timeouts}); the device is
   * failing while that count rises by more than {@code threshold} from one Health to the next.
   */
  Future<HealthOutcome> recordHealth(String deviceId, JsonObject health, long commErrors, long threshold);

  /** Marks offline the online devices silent since before {@code now - silence}; answers their ids. */
  Future<List<String>> markSilentOffline(Instant now, Duration silence);

  /** Devices of the registry with their sites: listed from now on, offline until heard from. */
  Future<Void> register(Map<String, String> sitesById);

  /** A schedule the device applied becomes its active one, unless a newer version already is. */
  Future<Void> recordAppliedSchedule(String deviceId, String scheduleId, long version);

  /** The device as the API shows it (PROTOCOL.md, "A device in GET /api/v1/devices"). */
  Future<Optional<JsonObject>> get(String deviceId);

  /** Up to {@code limit} devices after {@code after} (exclusive), optionally only the online or offline ones. */
  Future<Page> list(String after, int limit, Boolean online);

  /** {@code {"devices","online"}}. */
  Future<JsonObject> counts();

  Future<Void> close();
}
