package io.nattery.cloud.state;

import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.state.DeviceStateStore.Outcome;
import io.nattery.cloud.state.DeviceStateStore.Page;
import io.nattery.cloud.state.DeviceStateStore.Verdict;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one contract of {@link DeviceStateStore}, run against Redis (the real one on localhost, under a prefix of
 * its own) and the in-process store of the demo: both must give the same answers.
 */
class DeviceStateStoreContractIT {

  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static Vertx vertx;
  private DeviceStateStore store;
  private String prefix;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  private DeviceStateStore store(String kind) throws Exception {
    if (kind.equals("in-process")) {
      store = new DeviceStates();
    } else {
      LocalServices.require("Redis", LocalServices.redisHost(), LocalServices.redisPort());
      prefix = "nattery-test-" + UUID.randomUUID();
      store = await(RedisDeviceStates.connect(vertx, LocalServices.redis().put("prefix", prefix)));
    }
    return store;
  }

  @AfterEach
  void dropKeys() throws Exception {
    if (store != null) {
      await(store.close());
    }
    if (prefix != null) {
      LocalServices.dropRedisKeys(vertx, prefix);
    }
  }

  private static JsonObject sample(String id, long seq, String boot) {
    JsonObject json = Samples.telemetry(id, seq, 50).toJson().put("soc_pct", (double) seq % 100);
    return boot == null ? json : json.put("boot_id", boot);
  }

  private Outcome record(JsonObject sample, Instant at) throws Exception {
    return await(store.recordTelemetry(List.of(sample), at)).get(0);
  }

  private long heldSeq(String id) throws Exception {
    return await(store.get(id)).orElseThrow().getJsonObject("telemetry").getLong("seq");
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void seqGapsDuplicatesAndLateSamplesAreToldApartAndOnlyTheLatestIsHeld(String kind) throws Exception {
    store(kind);
    List<Outcome> outcomes = await(store.recordTelemetry(List.of(
      sample("a", 0, null), sample("a", 1, null), sample("a", 4, null), sample("a", 4, null),
      sample("a", 1, null), sample("a", 2, null), sample("a", 2, null), sample("a", 3, null)), T0));

    assertEquals(List.of(
      new Outcome(Verdict.LATEST, 0, true, 0),
      new Outcome(Verdict.LATEST, 0, false, 0),
      new Outcome(Verdict.LATEST, 2, false, 0),
      new Outcome(Verdict.DUPLICATE, 0, false, 0),
      new Outcome(Verdict.DUPLICATE, 0, false, 0),
      new Outcome(Verdict.LATE, 0, false, 0),
      new Outcome(Verdict.DUPLICATE, 0, false, 0),
      new Outcome(Verdict.LATE, 0, false, 0)), outcomes);
    assertEquals(4, heldSeq("a"));
    assertEquals(4.0, await(store.get("a")).orElseThrow().getJsonObject("telemetry").getDouble("soc_pct"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void aSampleFarBelowTheWindowIsLateAndAJumpPastItIsAGap(String kind) throws Exception {
    store(kind);
    record(sample("a", 100, null), T0);

    Outcome jump = record(sample("a", 200, null), T0);
    Outcome old = record(sample("a", 150, null), T0);

    assertEquals(new Outcome(Verdict.LATEST, 99, false, 0), jump);
    assertEquals(Verdict.LATE, old.verdict());
    assertEquals(200, heldSeq("a"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void aNewBootReplacesTheHeldOneAndTheOldBootsReplaysComeLate(String kind) throws Exception {
    store(kind);
    record(sample("a", 500, null), T0);

    Outcome reboot = record(sample("a", 0, "boot-2"), T0.plusSeconds(1));
    Outcome replayOfFirstBoot = record(sample("a", 501, null), T0.plusSeconds(2));
    Outcome next = record(sample("a", 1, "boot-2"), T0.plusSeconds(3));

    assertEquals(new Outcome(Verdict.LATEST, 0, false, 0), reboot);
    assertEquals(Verdict.LATE, replayOfFirstBoot.verdict());
    assertEquals(new Outcome(Verdict.LATEST, 0, false, 0), next);
    JsonObject telemetry = await(store.get("a")).orElseThrow().getJsonObject("telemetry");
    assertEquals("boot-2", telemetry.getString("boot_id"));
    assertEquals(1, telemetry.getLong("seq"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void theInverterEnteringAndLeavingFaultIsReportedOnce(String kind) throws Exception {
    store(kind);
    record(sample("a", 0, null), T0);

    Outcome fault = record(sample("a", 1, null).put("inverter_state", "fault"), T0);
    Outcome stillFault = record(sample("a", 2, null).put("inverter_state", "fault"), T0);
    Outcome lateRunning = record(sample("a", 0, null), T0);
    Outcome running = record(sample("a", 3, null).put("inverter_state", "standby"), T0);

    assertEquals(1, fault.faultChange());
    assertEquals(0, stillFault.faultChange());
    assertEquals(0, lateRunning.faultChange());
    assertEquals(-1, running.faultChange());
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void statusAndSilenceMoveADeviceOfflineOnceAndASampleBringsItBack(String kind) throws Exception {
    store(kind);
    record(sample("a", 0, null), T0);
    record(sample("b", 0, null), T0.plusSeconds(20));

    boolean lastWill = await(store.recordStatus("a", false, T0.plusSeconds(1)));
    boolean again = await(store.recordStatus("a", false, T0.plusSeconds(2)));
    List<String> silent = await(store.markSilentOffline(T0.plusSeconds(60), Duration.ofSeconds(30)));
    List<String> silentAgain = await(store.markSilentOffline(T0.plusSeconds(61), Duration.ofSeconds(30)));
    Outcome back = record(sample("b", 1, null), T0.plusSeconds(62));
    boolean onlineStatus = await(store.recordStatus("a", true, T0.plusSeconds(63)));

    assertTrue(lastWill);
    assertFalse(again);
    assertEquals(List.of("b"), silent);
    assertEquals(List.of(), silentAgain);
    assertTrue(back.cameOnline());
    assertTrue(onlineStatus);
    JsonObject a = await(store.get("a")).orElseThrow();
    assertTrue(a.getBoolean("online"));
    assertEquals(T0.plusSeconds(63).toString(), a.getString("last_seen"));
    assertEquals(new JsonObject().put("devices", 2).put("online", 2), await(store.counts()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void registeredDevicesAreListedOfflineWithTheirSiteAndPagedInIdOrder(String kind) throws Exception {
    store(kind);
    Map<String, String> registry = new LinkedHashMap<>();
    for (String id : List.of("d5", "d1", "d3", "d2", "d4")) {
      registry.put(id, "site-" + id);
    }
    await(store.register(registry));
    record(sample("d2", 0, null), T0);
    record(sample("d4", 0, null), T0);

    Page first = await(store.list(null, 2, null));
    Page second = await(store.list(first.last(), 2, null));
    Page third = await(store.list(second.last(), 2, null));
    Page online = await(store.list(null, 10, true));
    Page offline = await(store.list(null, 10, false));
    JsonObject d1 = await(store.get("d1")).orElseThrow();

    assertEquals(List.of("d1", "d2"), ids(first));
    assertEquals(List.of("d3", "d4"), ids(second));
    assertEquals(List.of("d5"), ids(third));
    assertNull(third.last());
    assertEquals(List.of("d2", "d4"), ids(online));
    assertEquals(List.of("d1", "d3", "d5"), ids(offline));
    assertEquals("site-d1", d1.getString("site"));
    assertFalse(d1.getBoolean("online"));
    assertNull(d1.getValue("telemetry"));
    assertNull(d1.getValue("last_seen"));
    assertEquals("site-d2", await(store.get("d2")).orElseThrow().getString("site"));
    assertTrue(await(store.get("unknown")).isEmpty());
    assertEquals(new JsonObject().put("devices", 5).put("online", 2), await(store.counts()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void registeringAgainKeepsAnOnlineDeviceOnline(String kind) throws Exception {
    store(kind);
    record(sample("a", 0, null), T0);

    await(store.register(Map.of("a", "site-a")));

    assertTrue(await(store.get("a")).orElseThrow().getBoolean("online"));
    assertEquals(List.of("a"), ids(await(store.list(null, 10, true))));
    assertEquals(List.of(), ids(await(store.list(null, 10, false))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "in-process"})
  void communicationErrorsRisingPastTheThresholdBeginAndEndFailingOnce(String kind) throws Exception {
    store(kind);
    JsonObject health = new JsonObject().put("v", 1).put("device_id", "a");

    List<DeviceStateStore.HealthOutcome> outcomes = List.of(
      await(store.recordHealth("a", health, 3, 10)),
      await(store.recordHealth("a", health, 40, 10)),
      await(store.recordHealth("a", health, 60, 10)),
      await(store.recordHealth("a", health, 65, 10)),
      await(store.recordHealth("a", health, 2, 10)),
      await(store.recordHealth("a", health, 30, 10)));

    assertEquals(List.of(
      new DeviceStateStore.HealthOutcome(-1, 0),
      new DeviceStateStore.HealthOutcome(37, 1),
      new DeviceStateStore.HealthOutcome(20, 0),
      new DeviceStateStore.HealthOutcome(5, -1),
      new DeviceStateStore.HealthOutcome(2, 0),
      new DeviceStateStore.HealthOutcome(28, 1)), outcomes);
  }

  private static List<String> ids(Page page) {
    return page.items().stream().map(d -> d.getString("device_id")).toList();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
