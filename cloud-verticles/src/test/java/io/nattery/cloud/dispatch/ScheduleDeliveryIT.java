package io.nattery.cloud.dispatch;

import io.nattery.cloud.LocalServices;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.fleet.FleetOptions;
import io.nattery.cloud.fleet.FleetSimulator;
import io.nattery.protocol.Topics;
import io.nattery.protocol.battery.BatteryModel;
import io.nattery.protocol.Schedule;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schedules and commands end to end against real PostgreSQL, Redis, RabbitMQ, Mosquitto and the fleet simulator:
 * 1,000 devices each get a schedule by REST and all reach APPLIED, as the status route says, with their acks
 * passing through the RabbitMQ queue; a repeat is not delivered again, a conflict is refused, a newer schedule
 * supersedes the older one's overlap, and a set_power command comes back DONE.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScheduleDeliveryIT {

  private static final int DEVICES = 1_000;
  private static TestNode node;
  private static FleetOptions fleet;
  private static io.vertx.core.Vertx fleetVertx;
  private static String trader;
  private static String operator;
  private static String queue;

  @BeforeAll
  static void start() throws Exception {
    LocalServices.require("RabbitMQ", "127.0.0.1", 5672);
    String run = UUID.randomUUID().toString().substring(0, 8);
    queue = "nattery-it-" + run + ".reports";
    node = TestNode.create(config -> config
      .put("rabbitmq", new JsonObject().put("host", "127.0.0.1").put("port", 5672).put("queue", queue))
      .put("rate_limit", new JsonObject().put("per_s", 5_000).put("burst", 5_000)), 300);
    fleet = new FleetOptions(DEVICES, 0.05, LocalServices.mqttHost(), LocalServices.mqttPort(), false, "{id}", null,
      "it-dispatch-" + run + "-", 500, true, false, 60_000, BatteryModel.defaults());
    List<Tuple> rows = new ArrayList<>();
    for (int i = 1; i <= DEVICES; i++) {
      rows.add(Tuple.of(fleet.deviceId(i), "site-" + (i % 10), 5.0, 10.0));
    }
    await(node.pool.preparedQuery("INSERT INTO devices (device_id, site, rated_power_kw, capacity_kwh) "
      + "VALUES ($1, $2, $3, $4)").executeBatch(rows));
    node.deploy();
    trader = node.token(Role.TRADER);
    operator = node.token(Role.OPERATOR);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    // the fleet in a Vert.x of its own, as it would be in processes of its own: the node's loops are its own
    fleetVertx = io.vertx.core.Vertx.vertx();
    await(fleetVertx.deployVerticle(new FleetSimulator(fleet, quiet, quiet)));
    // commands are not retained: a device must be connected and subscribed to get one
    // they connect in order: the last one online means all are (a cheap check, unlike listing a thousand)
    String viewer = node.token(Role.VIEWER);
    String last = fleet.deviceId(DEVICES);
    await(node.waitFor(() -> node.http.get("/api/v1/devices/" + last).bearerTokenAuthentication(viewer).send()
      .map(r -> r.statusCode() == 200 && r.bodyAsJsonObject().getBoolean("online")), online -> online, 60_000), 90);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node == null) {
      return;
    }
    try {
      if (fleetVertx != null) {
        await(fleetVertx.close(), 60);
      }
      clearRetained();
    } finally {
      node.close();
      LocalServices.deleteRabbitQueues(queue, queue + ".dead");
    }
  }

  @Test
  void aThousandDevicesEachGetAScheduleAndAllReachApplied() throws Exception {
    Instant start = nextQuarterHour();
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= DEVICES; i++) {
      ids.add(UUID.randomUUID().toString());
    }
    // 16 at a time, as a trading bot would
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < 16; lane++) {
      int first = lane;
      lanes.add(postEvery(first, 16, ids, start));
    }
    long began = System.nanoTime();
    await(Future.all(lanes), 120);
    System.out.printf("ScheduleDeliveryIT: %d schedules posted in %d ms%n", DEVICES, (System.nanoTime() - began) / 1_000_000);

    // its own schedules only: the other tests of the class may have run first
    String[] own = ids.toArray(new String[0]);
    await(node.waitFor(() -> node.pool.preparedQuery("SELECT count(*) FROM schedules WHERE status = 'APPLIED' "
        + "AND schedule_id = ANY($1)").execute(Tuple.tuple().addValue(own))
      .map(r -> r.iterator().next().getLong(0)), n -> n == DEVICES, 90_000), 100);
    System.out.printf("ScheduleDeliveryIT: all APPLIED %d ms after the first post%n", (System.nanoTime() - began) / 1_000_000);
    for (int i = 0; i < DEVICES; i++) {
      HttpResponse<Buffer> status = await(node.http.get("/api/v1/schedules/" + ids.get(i) + "/status")
        .bearerTokenAuthentication(trader).send());
      assertEquals(200, status.statusCode(), status::bodyAsString);
      assertEquals("APPLIED", status.bodyAsJsonObject().getString("status"), status::bodyAsString);
    }
    // every ack once: RECEIVED and APPLIED for each schedule, nothing twice (the primary key would refuse it)
    assertEquals(2L * DEVICES, await(node.pool.preparedQuery("SELECT count(*) FROM schedule_acks WHERE schedule_id = "
      + "ANY($1)").execute(Tuple.tuple().addValue(own))).iterator().next().getLong(0));
    assertEquals(0L, await(node.pool.query("SELECT count(*) FROM schedules WHERE flagged_at IS NOT NULL")
      .execute()).iterator().next().getLong(0));
  }

  private Future<Void> postEvery(int first, int step, List<String> ids, Instant start) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = first; i < DEVICES; i += step) {
      int index = i;
      chain = chain.compose(v -> node.http.post("/api/v1/schedules").bearerTokenAuthentication(trader)
        .sendJsonObject(schedule(ids.get(index), fleet.deviceId(index + 1), start, 2, "charge", 2.0))
        .compose(r -> r.statusCode() == 201 ? Future.succeededFuture()
          : Future.failedFuture(new AssertionError("POST answered " + r.statusCode() + ": " + r.bodyAsString()))));
    }
    return chain;
  }

  @Test
  void theSameIdAgainIsNotDeliveredTwiceOtherContentConflictsAndANewerOneSupersedes() throws Exception {
    String device = fleet.deviceId(DEVICES);
    Instant start = nextQuarterHour();
    String id = UUID.randomUUID().toString();
    JsonObject body = schedule(id, device, start, 4, "discharge", 1.5);
    HttpResponse<Buffer> created = await(post(body));
    assertEquals(201, created.statusCode(), created::bodyAsString);
    long version = created.bodyAsJsonObject().getLong("version");
    HttpResponse<Buffer> again = await(post(body));
    assertEquals(200, again.statusCode(), again::bodyAsString);
    assertEquals(version, again.bodyAsJsonObject().getLong("version"));
    HttpResponse<Buffer> conflict = await(post(schedule(id, device, start, 4, "discharge", 2.5)));
    assertEquals(409, conflict.statusCode(), conflict::bodyAsString);
    await(node.waitFor(() -> status(id), s -> "APPLIED".equals(s.getString("status"))));
    assertEquals(1, status(id).toCompletionStage().toCompletableFuture().get().getInteger("delivery_attempts"));
    // the device view names it as the active schedule
    await(node.waitFor(() -> node.http.get("/api/v1/devices/" + device).bearerTokenAuthentication(trader).send()
      .map(r -> r.bodyAsJsonObject().getJsonObject("active_schedule")),
      active -> active != null && id.equals(active.getString("schedule_id")) && active.getLong("version") == version));

    // a newer schedule from the third slot on replaces the older one from there
    String newer = UUID.randomUUID().toString();
    HttpResponse<Buffer> replaced = await(post(schedule(newer, device, start.plus(Duration.ofMinutes(30)), 2, "idle", 0)));
    assertEquals(201, replaced.statusCode(), replaced::bodyAsString);
    assertEquals(version + 1, replaced.bodyAsJsonObject().getLong("version"));
    JsonObject older = await(node.http.get("/api/v1/schedules/" + id).bearerTokenAuthentication(trader).send())
      .bodyAsJsonObject();
    JsonArray slots = older.getJsonArray("slots");
    assertEquals(List.of(false, false, true, true), slots.stream()
      .map(s -> ((JsonObject) s).getBoolean("superseded")).toList(), older::encodePrettily);

    // refused: above the rated power (5 kW), an unknown device, a misaligned slot, another version of the contract
    HttpResponse<Buffer> tooStrong = await(post(schedule(UUID.randomUUID().toString(), device, start, 1, "charge", 9)));
    assertEquals(400, tooStrong.statusCode());
    assertEquals("slots[0].rate_kw", tooStrong.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0)
      .getString("field"), tooStrong::bodyAsString);
    assertEquals(404, await(post(schedule(UUID.randomUUID().toString(), "no-such-device", start, 1, "idle", 0)))
      .statusCode());
    JsonObject misaligned = schedule(UUID.randomUUID().toString(), device, start.plusSeconds(60), 1, "idle", 0);
    assertEquals(400, await(post(misaligned)).statusCode());
    assertEquals(400, await(post(schedule(UUID.randomUUID().toString(), device, start, 1, "idle", 0).put("v", 2)))
      .statusCode());
    assertEquals(403, await(node.http.post("/api/v1/schedules").bearerTokenAuthentication(operator)
      .sendJsonObject(schedule(UUID.randomUUID().toString(), device, start, 1, "idle", 0))).statusCode());
    // each accepted schedule and each refusal left an audit entry
    assertTrue(await(node.pool.preparedQuery("SELECT count(*) FROM audit_log WHERE action = 'schedule.create' "
      + "AND target = $1").execute(Tuple.of(device))).iterator().next().getLong(0) >= 5);
  }

  @Test
  void concurrentPostsOfOneNewIdAreStoredOnceAndEachGetsItsOwnAnswer() throws Exception {
    // sent at once, they meet in one group-commit batch: its unique violation must not cost anyone an answer
    String device = fleet.deviceId(DEVICES - 1);
    Instant start = nextQuarterHour();
    String id = UUID.randomUUID().toString();
    List<Future<HttpResponse<Buffer>>> same = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      same.add(post(schedule(id, device, start, 2, "charge", 1.0)));
    }
    List<Future<HttpResponse<Buffer>>> other = new java.util.ArrayList<>();
    String otherId = UUID.randomUUID().toString();
    for (int i = 0; i < 10; i++) {
      other.add(post(schedule(otherId, device, start, 2, "charge", 1.0 + i * 0.25)));
    }
    await(Future.join(new java.util.ArrayList<Future<?>>(same)));
    await(Future.join(new java.util.ArrayList<Future<?>>(other)));
    List<Integer> sameCodes = same.stream().map(f -> f.result().statusCode()).sorted().toList();
    List<Integer> otherCodes = other.stream().map(f -> f.result().statusCode()).toList();
    assertEquals(1, sameCodes.stream().filter(c -> c == 201).count(), sameCodes::toString);
    assertEquals(19, sameCodes.stream().filter(c -> c == 200).count(), sameCodes::toString);
    assertEquals(1, otherCodes.stream().filter(c -> c == 201).count(), otherCodes::toString);
    assertEquals(9, otherCodes.stream().filter(c -> c == 409).count(), otherCodes::toString);
    // two schedules, two versions in a row, one audit entry each that was accepted
    assertEquals(2L, await(node.pool.preparedQuery("SELECT count(DISTINCT version) FROM schedules WHERE device_id = $1 "
      + "AND schedule_id IN ($2, $3)").execute(Tuple.of(device, id, otherId))).iterator().next().getLong(0));
    assertEquals(2L, await(node.pool.preparedQuery("SELECT count(*) FROM audit_log WHERE action = 'schedule.create' "
      + "AND target = $1 AND outcome = 'accepted' AND detail->>'schedule_id' IN ($2, $3)")
      .execute(Tuple.of(device, id, otherId))).iterator().next().getLong(0));
  }

  @Test
  void aGroupCommitBatchRefusedAsAWholeIsRunAgainOneByOne() throws Exception {
    // two batches in flight that both hold one new id: one of them meets the other's row (23505) and is refused
    // whole; each of its submissions must still be stored or answered on its own
    ScheduleStore store = new ScheduleStore(node.pool);
    Instant start = nextQuarterHour();
    String shared = UUID.randomUUID().toString();
    String sharedDevice = fleet.deviceId(9);
    List<Schedule> sent = new ArrayList<>();
    for (int alone = 0; alone < ScheduleStore.SUBMIT_BATCHES; alone++) { // each in flight on its own
      sent.add(plain(UUID.randomUUID().toString(), fleet.deviceId(1 + alone), start));
    }
    int full = ScheduleStore.MAX_SUBMIT_BATCH;
    for (int batch = 0; batch < 2; batch++) { // then two full batches, sent as two of the singles complete
      sent.add(plain(shared, sharedDevice, start));
      for (int i = 0; i < full - 1; i++) {
        sent.add(plain(UUID.randomUUID().toString(), fleet.deviceId(10 + (batch * full + i) % 900), start));
      }
    }
    io.vertx.core.Promise<List<ScheduleStore.Submission>> answered = io.vertx.core.Promise.promise();
    node.vertx.getOrCreateContext().runOnContext(v -> {
      List<Future<ScheduleStore.Submission>> all = sent.stream()
        .map(schedule -> store.submit(schedule, "hash", "it", "127.0.0.1", new JsonObject(), rated -> List.of()))
        .toList();
      Future.all(all).map(done -> all.stream().map(Future::result).toList()).onComplete(answered);
    });
    List<ScheduleStore.Submission> results = await(answered.future(), 60);
    long created = results.stream().filter(r -> r instanceof ScheduleStore.Created).count();
    long repeated = results.stream().filter(r -> r instanceof ScheduleStore.Repeated).count();
    assertEquals(sent.size() - 1, created, results.toString());
    assertEquals(1, repeated);
    assertEquals(1L, await(node.pool.preparedQuery("SELECT count(*) FROM schedules WHERE schedule_id = $1")
      .execute(Tuple.of(shared))).iterator().next().getLong(0));
  }

  private static Schedule plain(String id, String device, Instant start) {
    return new Schedule(id, device, 0, Instant.now(), "it", null, Duration.ofMinutes(15),
      List.of(new Schedule.Slot(start, start.plus(Duration.ofMinutes(15)), io.nattery.protocol.Mode.IDLE, 0, null, null)));
  }

  @Test
  void aSetPowerCommandIsDeliveredAndDone() throws Exception {
    String device = fleet.deviceId(1);
    HttpResponse<Buffer> accepted = await(node.http.post("/api/v1/devices/" + device + "/commands")
      .bearerTokenAuthentication(operator)
      .sendJsonObject(new JsonObject().put("type", "set_power").put("params", new JsonObject().put("power_w", -1500))));
    assertEquals(202, accepted.statusCode(), accepted::bodyAsString);
    String commandId = accepted.bodyAsJsonObject().getString("command_id");
    assertNotNull(commandId);
    JsonObject done = await(node.waitFor(() -> node.http.get("/api/v1/commands/" + commandId)
      .bearerTokenAuthentication(operator).send().map(HttpResponse::bodyAsJsonObject),
      c -> "DONE".equals(c.getString("status"))));
    assertNull(done.getString("reason"));
    assertEquals(-1500, done.getJsonObject("command").getJsonObject("params").getInteger("power_w"));
    assertTrue(done.getJsonArray("results").size() >= 1);
    assertEquals(1L, await(node.pool.preparedQuery("SELECT count(*) FROM audit_log WHERE action = 'command.set_power' "
      + "AND target = $1").execute(Tuple.of(device))).iterator().next().getLong(0));
    // a viewer may not; a trader may not either (operators act on devices)
    String viewer = node.token(Role.VIEWER);
    assertEquals(403, await(node.http.post("/api/v1/devices/" + device + "/commands").bearerTokenAuthentication(viewer)
      .sendJsonObject(new JsonObject().put("type", "resume"))).statusCode());
    assertEquals(400, await(node.http.post("/api/v1/devices/" + device + "/commands").bearerTokenAuthentication(operator)
      .sendJsonObject(new JsonObject().put("type", "set_power").put("params", new JsonObject()))).statusCode());
    assertEquals(404, await(node.http.post("/api/v1/devices/nobody/commands").bearerTokenAuthentication(operator)
      .sendJsonObject(new JsonObject().put("type", "resume"))).statusCode());
  }

  private static Future<HttpResponse<Buffer>> post(JsonObject schedule) {
    return node.http.post("/api/v1/schedules").bearerTokenAuthentication(trader).sendJsonObject(schedule);
  }

  private static Future<JsonObject> status(String id) {
    return node.http.get("/api/v1/schedules/" + id + "/status").bearerTokenAuthentication(trader).send()
      .map(HttpResponse::bodyAsJsonObject);
  }

  static JsonObject schedule(String id, String device, Instant start, int slots, String mode, double rateKw) {
    JsonArray list = new JsonArray();
    for (int i = 0; i < slots; i++) {
      Instant from = start.plus(Duration.ofMinutes(15L * i));
      list.add(new JsonObject().put("start", from.toString()).put("end", from.plus(Duration.ofMinutes(15)).toString())
        .put("mode", mode).put("rate_kw", rateKw));
    }
    return new JsonObject().put("v", 1).put("schedule_id", id).put("device_id", device).put("source", "it")
      .put("resolution", "PT15M").put("slots", list);
  }

  static Instant nextQuarterHour() {
    long quarter = Duration.ofMinutes(15).toMillis();
    return Instant.ofEpochMilli((System.currentTimeMillis() / quarter + 1) * quarter);
  }

  private static void clearRetained() throws Exception {
    MqttClient cleaner = MqttClient.create(node.vertx, new MqttClientOptions().setCleanSession(true));
    await(cleaner.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
    List<Future<Integer>> cleared = new ArrayList<>();
    for (int i = 1; i <= DEVICES; i++) {
      cleared.add(cleaner.publish(Topics.schedule(fleet.deviceId(i)), Buffer.buffer(), MqttQoS.AT_MOST_ONCE, false,
        true));
      cleared.add(cleaner.publish(Topics.status(fleet.deviceId(i)), Buffer.buffer(), MqttQoS.AT_MOST_ONCE, false,
        true));
    }
    await(Future.join(cleared).compose(v -> cleaner.disconnect()));
  }

}
