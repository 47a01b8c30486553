package io.nattery.cloud.fleet;

import io.nattery.protocol.Contract;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.ScheduleRules;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A fleet of simulated devices, each on its own MQTT connection (client id = device id), all driven from one
 * event loop by one periodic tick: the tick opens connections at a bounded rate and makes the devices due in
 * it publish a telemetry sample, spread over the sampling period so the broker sees a steady flow rather than
 * bursts. Schedules and commands are answered as they arrive. Prints a summary line to stderr every
 * {@code statsIntervalMs} (and a JSON line to stdout with {@code statsJson}).
 */
public final class FleetSimulator extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FleetSimulator.class);
  private static final long MAX_TICK_MS = 50;
  private static final long CONNECT_TIMEOUT_MS = 10_000;
  private static final long MAX_BACKOFF_MS = 30_000;
  /** Connections waiting for CONNACK at once: a bound on what a slow broker has to take in together. */
  private static final int MAX_CONNECTING = 500;

  private final FleetOptions options;
  private final PrintStream summaryOut;
  private final PrintStream jsonOut;
  private final String bootId = UUID.randomUUID().toString();

  private SimulatedDevice[] devices;
  /** The live connection of each device, null while it has none. */
  private MqttClient[] clients;
  private int[] failures;
  /** Devices waiting for a connection attempt, in a ring: each is in it at most once. */
  private int[] waiting;
  private int waitingHead;
  private int waitingSize;
  private long tickMs;
  private int ticksPerSample;
  private long tick;
  private double connectBudget;
  private boolean stopping;

  private int connected;
  private int connecting;
  private long published;
  private long acks;
  private long results;
  private long connectFailures;
  private long disconnects;
  private long publishErrors;
  private long lastPublished;
  private long lastStatsAt;

  public FleetSimulator(FleetOptions options) {
    this(options, System.err, System.out);
  }

  public FleetSimulator(FleetOptions options, PrintStream summaryOut, PrintStream jsonOut) {
    this.options = options;
    this.summaryOut = summaryOut;
    this.jsonOut = jsonOut;
  }

  @Override
  public Future<?> start() {
    double periodMs = 1000 / options.rateHz();
    tickMs = Math.max(1, Math.min(MAX_TICK_MS, Math.round(periodMs)));
    ticksPerSample = (int) Math.max(1, Math.round(periodMs / tickMs));
    // the schemas compile in a moment, but not on the event loop
    return vertx.executeBlocking(MessageValidator::new).onSuccess(validator -> {
      int n = options.devices();
      ScheduleRules rules = new ScheduleRules();
      devices = new SimulatedDevice[n];
      clients = new MqttClient[n];
      failures = new int[n];
      waiting = new int[n];
      for (int i = 0; i < n; i++) {
        devices[i] = new SimulatedDevice(options.deviceId(i + 1), options.battery(), validator, rules, i + 1, bootId);
        enqueue(i);
      }
      lastStatsAt = System.currentTimeMillis();
      vertx.setPeriodic(tickMs, id -> tick());
      vertx.setPeriodic(options.statsIntervalMs(), id -> printStats());
      LOG.info("simulating {} devices at {} Hz against {}:{} [boot: {}]", n, options.rateHz(), options.host(),
        options.port(), bootId);
    });
  }

  /** Each connected device says it goes offline (a clean DISCONNECT discards the last will), then disconnects. */
  @Override
  public Future<?> stop() {
    stopping = true;
    Instant now = Instant.now();
    Future<?>[] closing = new Future<?>[clients == null ? 0 : clients.length];
    for (int i = 0; i < closing.length; i++) {
      MqttClient client = clients[i];
      closing[i] = Future.succeededFuture();
      if (client != null && client.isConnected()) {
        client.publish(Topics.status(devices[i].id()), Buffer.buffer(devices[i].status(false, now)),
          MqttQoS.AT_MOST_ONCE, false, true);
        closing[i] = client.disconnect().otherwiseEmpty();
      }
    }
    return Future.join(List.of(closing));
  }

  /** Counters so far, read on the simulator's event loop. */
  public JsonObject stats() {
    return new JsonObject()
      .put("devices", options.devices())
      .put("connected", connected)
      .put("published", published)
      .put("acks", acks)
      .put("results", results)
      .put("errors", new JsonObject()
        .put("connect_failures", connectFailures)
        .put("disconnects", disconnects)
        .put("publish", publishErrors));
  }

  private void tick() {
    if (stopping) {
      return;
    }
    openConnections();
    long now = System.currentTimeMillis();
    Instant instant = Instant.ofEpochMilli(now);
    String ts = instant.toString();
    int phase = (int) (tick++ % ticksPerSample);
    for (int i = phase; i < devices.length; i += ticksPerSample) {
      MqttClient client = clients[i];
      if (client == null) {
        continue; // not sampled while offline: a seq gap at the cloud is then a real loss in transit
      }
      SimulatedDevice device = devices[i];
      List<SimulatedDevice.Outgoing> executions = device.dueExecutionAcks(instant);
      if (!executions.isEmpty()) {
        acks += executions.size();
        send(client, executions);
      }
      client.publish(device.telemetryTopic(), Buffer.buffer(device.sample(now, ts)), MqttQoS.AT_MOST_ONCE, false, false)
        .onComplete(done -> {
          if (done.succeeded()) {
            published++;
          } else {
            publishErrors++;
          }
        });
    }
  }

  private void openConnections() {
    connectBudget = Math.min(connectBudget + options.connectRatePerSecond() * tickMs / 1000.0,
      Math.max(1, options.connectRatePerSecond() * tickMs / 1000.0));
    while (connectBudget >= 1 && waitingSize > 0 && connecting < MAX_CONNECTING) {
      connectBudget--;
      connect(dequeue());
    }
  }

  private void connect(int i) {
    SimulatedDevice device = devices[i];
    String id = device.id();
    MqttClientOptions clientOptions = new MqttClientOptions()
      .setClientId(id)
      .setUsername(options.username(id))
      .setCleanSession(options.cleanSession())
      .setKeepAliveInterval(60)
      .setWillFlag(true)
      .setWillTopic(Topics.status(id))
      .setWillQoS(MqttQoS.AT_LEAST_ONCE.value())
      .setWillRetain(true)
      .setWillMessageBytes(Buffer.buffer(device.status(false, Instant.now())))
      // a day's schedule at 15-minute slots is above the client's default limit of 8 KiB
      .setMaxMessageSize(Contract.MAX_PAYLOAD_BYTES);
    clientOptions.setSsl(options.ssl());
    clientOptions.setConnectTimeout((int) CONNECT_TIMEOUT_MS);
    if (options.password() != null) {
      clientOptions.setPassword(options.password());
    }
    MqttClient client = MqttClient.create(vertx, clientOptions);
    client.publishHandler(message -> onMessage(i, client, message));
    client.closeHandler(v -> onClosed(i, client));
    connecting++;
    client.connect(options.port(), options.host())
      .timeout(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
      .onComplete(result -> {
        connecting--;
        if (result.failed() || stopping) {
          try {
            client.disconnect(); // also drops an attempt still waiting for its CONNACK
          } catch (RuntimeException notConnected) {
            // nothing to close
          }
          if (!stopping) {
            connectFailures++;
            retryLater(i, result.failed() ? result.cause().getMessage() : "stopping");
          }
          return;
        }
        clients[i] = client;
        connected++;
        failures[i] = 0;
        client.publish(Topics.status(id), Buffer.buffer(device.status(true, Instant.now())), MqttQoS.AT_LEAST_ONCE,
          false, true).onFailure(e -> publishErrors++);
        client.subscribe(Map.of(Topics.schedule(id), 1, Topics.commands(id), 1))
          .onFailure(e -> publishErrors++);
      });
  }

  private void onClosed(int i, MqttClient client) {
    if (clients[i] != client) {
      return; // a failed attempt, already retried
    }
    clients[i] = null;
    connected--;
    if (!stopping) {
      disconnects++;
      retryLater(i, "connection lost");
    }
  }

  private void retryLater(int i, String why) {
    int attempt = Math.min(failures[i]++, 10);
    long ceiling = Math.min(MAX_BACKOFF_MS, 1000L << attempt);
    // jitter, so that devices dropped together do not come back together
    long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    LOG.debug("[device: {}] {}; next attempt in {} ms", devices[i].id(), why, delay);
    vertx.setTimer(delay, id -> {
      if (!stopping) {
        enqueue(i);
      }
    });
  }

  private void onMessage(int i, MqttClient client, MqttPublishMessage message) {
    SimulatedDevice device = devices[i];
    Instant now = Instant.now();
    String topic = message.topicName();
    List<SimulatedDevice.Outgoing> out;
    if (topic.endsWith("/schedule")) {
      out = device.onSchedule(message.payload(), now);
      acks += out.size();
    } else if (topic.endsWith("/commands")) {
      out = device.onCommand(message.payload(), now);
      results += out.size();
    } else {
      return;
    }
    send(client, out);
  }

  private void send(MqttClient client, List<SimulatedDevice.Outgoing> out) {
    for (SimulatedDevice.Outgoing message : out) {
      client.publish(message.topic(), Buffer.buffer(message.payload()), MqttQoS.valueOf(message.qos()), false, false)
        .onFailure(e -> publishErrors++);
    }
  }

  private void enqueue(int i) {
    waiting[(waitingHead + waitingSize) % waiting.length] = i;
    waitingSize++;
  }

  private int dequeue() {
    int i = waiting[waitingHead];
    waitingHead = (waitingHead + 1) % waiting.length;
    waitingSize--;
    return i;
  }

  private void printStats() {
    long now = System.currentTimeMillis();
    double seconds = Math.max(0.001, (now - lastStatsAt) / 1000.0);
    double rate = (published - lastPublished) / seconds;
    lastPublished = published;
    lastStatsAt = now;
    long errors = connectFailures + disconnects + publishErrors;
    summaryOut.printf("simulate: connected=%d/%d published/s=%.1f published=%d acks=%d results=%d errors=%d"
        + " (connect %d, disconnects %d, publish %d)%n", connected, options.devices(), rate, published, acks, results,
      errors, connectFailures, disconnects, publishErrors);
    if (options.statsJson()) {
      jsonOut.println(stats().put("ts", Instant.ofEpochMilli(now).toString())
        .put("published_per_s", Math.round(rate * 10) / 10.0).encode());
    }
  }
}
