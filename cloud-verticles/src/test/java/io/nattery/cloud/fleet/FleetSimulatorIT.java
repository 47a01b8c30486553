package io.nattery.cloud.fleet;

import io.nattery.cloud.LocalServices;
import io.nattery.protocol.Ack;
import io.nattery.protocol.CommandResult;
import io.nattery.protocol.CommandStatus;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.ExecutionAck;
import io.nattery.protocol.ExecutionStatus;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.ScheduleAck;
import io.nattery.protocol.ScheduleAckStatus;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.nattery.protocol.battery.BatteryModel;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator against the real Mosquitto: an outside subscriber sees every device's telemetry, valid and
 * without seq gaps; a retained schedule is received, applied and its started slot executed; commands get their
 * results, an expired one EXPIRED. Device ids carry the run's id, and retained topics are cleared at the end.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class FleetSimulatorIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String PREFIX = "it-fleet-" + RUN + "-";
  private static final int DEVICES = 50;
  private static final double RATE_HZ = 5;

  private static Vertx vertx;
  private static MqttClient observer;
  private static FleetOptions options;
  private static String deployment;
  private static MessageValidator validator;
  private static final List<String> blocked = new CopyOnWriteArrayList<>();
  private static volatile boolean watching;
  private static final Map<String, List<Telemetry>> telemetry = new ConcurrentHashMap<>();
  private static final List<String> invalid = new CopyOnWriteArrayList<>();
  private static final List<Ack> acks = new CopyOnWriteArrayList<>();
  private static final List<CommandResult> results = new CopyOnWriteArrayList<>();
  private static final List<DeviceStatus> statuses = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startFleet() throws Exception {
    LocalServices.require("Mosquitto", LocalServices.mqttHost(), LocalServices.mqttPort());
    validator = new MessageValidator();
    vertx = Vertx.vertx(new VertxOptions()
      .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(event -> {
      if (watching) {
        blocked.add(event.thread().getName() + " blocked for " + event.duration() / 1_000_000 + " ms");
      }
    });
    observer = MqttClient.create(vertx, new MqttClientOptions().setClientId("it-observer-" + RUN).setCleanSession(true)
      .setMaxMessageSize(256 * 1024));
    observer.publishHandler(FleetSimulatorIT::observe);
    await(observer.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
    await(observer.subscribe(Map.of("devices/+/telemetry", 0, "devices/+/ack", 1, "devices/+/commands/result", 1,
      "devices/+/status", 1)));

    options = new FleetOptions(DEVICES, RATE_HZ, LocalServices.mqttHost(), LocalServices.mqttPort(), false, "{id}",
      null, PREFIX, 500, true, false, 60_000, BatteryModel.defaults());
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    deployment = await(vertx.deployVerticle(new FleetSimulator(options, quiet, quiet)));
    watching = true;
  }

  @AfterAll
  static void stopFleet() throws Exception {
    List<String> blockedLoops = List.copyOf(blocked);
    try {
      await(vertx.undeploy(deployment));
      // the clean disconnect says offline for every device
      waitUntil(() -> ids().stream().allMatch(id -> statuses.stream()
        .anyMatch(s -> s.deviceId().equals(id) && !s.online())), "every device said offline");
    } finally {
      // leave nothing retained on the shared broker
      List<Future<Integer>> cleared = new ArrayList<>();
      for (String id : ids()) {
        cleared.add(observer.publish(Topics.status(id), Buffer.buffer(), MqttQoS.AT_MOST_ONCE, false, true));
        cleared.add(observer.publish(Topics.schedule(id), Buffer.buffer(), MqttQoS.AT_MOST_ONCE, false, true));
      }
      await(Future.join(cleared).compose(v -> observer.disconnect()));
      await(vertx.close());
    }
    assertTrue(blockedLoops.isEmpty(), () -> "an event loop was blocked: " + blockedLoops);
  }

  private static List<String> ids() {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= DEVICES; i++) {
      ids.add(options.deviceId(i));
    }
    return ids;
  }

  private static void observe(MqttPublishMessage message) {
    var topic = Topics.parse(message.topicName());
    if (topic.isEmpty() || !topic.get().deviceId().startsWith(PREFIX) || message.payload().length() == 0) {
      return; // another test's device, or our own clean-up
    }
    MessageType type = switch (topic.get().kind()) {
      case TELEMETRY -> MessageType.TELEMETRY;
      case ACK -> MessageType.ACK;
      case COMMAND_RESULT -> MessageType.COMMAND_RESULT;
      case STATUS -> MessageType.STATUS;
      default -> null;
    };
    if (type == null) {
      return;
    }
    Decoded<Object> decoded = validator.decode(type, message.payload());
    if (!decoded.isAccepted()) {
      invalid.add(message.topicName() + ": " + decoded.rejection());
      return;
    }
    Object value = decoded.value();
    if (value instanceof Telemetry t) {
      telemetry.computeIfAbsent(t.deviceId(), id -> new CopyOnWriteArrayList<>()).add(t);
    } else if (value instanceof Ack a) {
      acks.add(a);
    } else if (value instanceof CommandResult r) {
      results.add(r);
    } else if (value instanceof DeviceStatus s) {
      statuses.add(s);
    }
  }

  @Test
  void everyDevicePublishesValidTelemetryWithoutSeqGapsAndSaysItIsOnline() throws Exception {
    waitUntil(() -> ids().stream().allMatch(id -> telemetry.getOrDefault(id, List.of()).size() >= 10),
      "10 samples from each of " + DEVICES + " devices");
    assertTrue(invalid.isEmpty(), () -> "invalid payloads: " + invalid);
    for (String id : ids()) {
      List<Telemetry> samples = List.copyOf(telemetry.get(id));
      for (int i = 0; i < samples.size(); i++) {
        assertEquals(i, samples.get(i).seq(), "seq of " + id + " runs from 0 without gaps");
        assertEquals(samples.get(0).bootId(), samples.get(i).bootId());
      }
      assertTrue(statuses.stream().anyMatch(s -> s.deviceId().equals(id) && s.online()), id + " said online");
    }
  }

  @Test
  void aRetainedScheduleIsReceivedAppliedAndItsStartedSlotExecuted() throws Exception {
    String device = options.deviceId(1);
    waitUntil(() -> telemetry.containsKey(device), "the device is up");
    Instant slot = Instant.ofEpochMilli(System.currentTimeMillis() / 900_000 * 900_000);
    String scheduleId = UUID.randomUUID().toString();
    JsonObject schedule = new JsonObject().put("v", 1).put("schedule_id", scheduleId).put("device_id", device)
      .put("version", 1).put("issued_at", Instant.now().toString()).put("source", "test").put("trace_id", "it-" + RUN)
      .put("resolution", "PT15M").put("slots", new JsonArray()
        .add(slotJson(slot, "charge", 2.0))
        .add(slotJson(slot.plusSeconds(900), "idle", 0)));
    await(observer.publish(Topics.schedule(device), schedule.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, true));

    waitUntil(() -> scheduleAcks(scheduleId).contains(ScheduleAckStatus.APPLIED), "APPLIED");
    assertEquals(List.of(ScheduleAckStatus.RECEIVED, ScheduleAckStatus.APPLIED), scheduleAcks(scheduleId));
    waitUntil(() -> executions(scheduleId).size() == 1, "the started slot's execution ack");
    ExecutionAck execution = executions(scheduleId).get(0);
    assertEquals(slot, execution.slotStart());
    assertEquals(ExecutionStatus.EXECUTED, execution.status());
    int before = telemetry.get(device).size();
    waitUntil(() -> telemetry.get(device).size() > before + 2, "samples after the schedule");
    Telemetry latest = telemetry.get(device).get(telemetry.get(device).size() - 1);
    assertEquals("charge", latest.mode().wire());
    assertTrue(latest.batteryPowerW() < 0, "charging: " + latest.batteryPowerW());
  }

  @Test
  void commandsGetResultsAndAnExpiredOneIsNeverRun() throws Exception {
    String device = options.deviceId(2);
    waitUntil(() -> telemetry.containsKey(device), "the device is up");
    Instant now = Instant.now();
    String live = "cmd-" + UUID.randomUUID();
    String late = "cmd-" + UUID.randomUUID();
    await(observer.publish(Topics.commands(device), command(late, device, "set_power",
      new JsonObject().put("power_w", -1000), now.minusSeconds(120), now.minusSeconds(60)), MqttQoS.AT_LEAST_ONCE, false, false));
    await(observer.publish(Topics.commands(device), command(live, device, "set_power",
      new JsonObject().put("power_w", 1500), now, now.plusSeconds(60)), MqttQoS.AT_LEAST_ONCE, false, false));

    waitUntil(() -> resultsOf(live).contains(CommandStatus.DONE), "DONE for the live command");
    assertEquals(List.of(CommandStatus.ACCEPTED, CommandStatus.DONE), resultsOf(live));
    assertEquals(List.of(CommandStatus.EXPIRED), resultsOf(late));
    int before = telemetry.get(device).size();
    waitUntil(() -> telemetry.get(device).size() > before + 2, "samples after the command");
    Telemetry latest = telemetry.get(device).get(telemetry.get(device).size() - 1);
    assertEquals("discharge", latest.mode().wire(), "the live command runs, the expired one never did");
  }

  private static JsonObject slotJson(Instant start, String mode, double rateKw) {
    return new JsonObject().put("start", start.toString()).put("end", start.plusSeconds(900).toString())
      .put("mode", mode).put("rate_kw", rateKw);
  }

  private static Buffer command(String id, String device, String type, JsonObject params, Instant issued, Instant expires) {
    return new JsonObject().put("v", 1).put("command_id", id).put("device_id", device).put("type", type)
      .put("params", params).put("issued_at", issued.toString()).put("expires_at", expires.toString()).toBuffer();
  }

  private static List<ScheduleAckStatus> scheduleAcks(String scheduleId) {
    return acks.stream().filter(a -> a instanceof ScheduleAck s && s.scheduleId().equals(scheduleId))
      .map(a -> ((ScheduleAck) a).status()).toList();
  }

  private static List<ExecutionAck> executions(String scheduleId) {
    return acks.stream().filter(a -> a instanceof ExecutionAck e && e.scheduleId().equals(scheduleId))
      .map(a -> (ExecutionAck) a).toList();
  }

  private static List<CommandStatus> resultsOf(String commandId) {
    return results.stream().filter(r -> r.commandId().equals(commandId)).map(CommandResult::status).toList();
  }

  private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(50);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
