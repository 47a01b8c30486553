package io.nattery.cloud.ingest;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.SharedJsonCodec;
import io.nattery.cloud.history.TelemetryHistoryVerticle;
import io.nattery.cloud.metrics.IngestMeters;
import io.nattery.cloud.state.DeviceRegistry;
import io.nattery.protocol.Ack;
import io.nattery.protocol.Alarm;
import io.nattery.protocol.CommandResult;
import io.nattery.protocol.Contract;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.Health;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Rejection;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.nattery.protocol.config.Secrets;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Takes device messages from the broker, checks each against the contract and hands what passes to the
 * cloud's event bus. Several nodes share the load through one shared subscription group; a broker without
 * shared subscriptions (the demo's Moquette) gets plain ones ({@code mqtt.shared_subscription: false}).
 * <p>
 * A QoS 1 message is acknowledged only once it was accepted downstream (Hono's pattern): telemetry once the
 * history writer stored it, status once published. While downstream refuses, it is retried here with
 * backoff (an MQTT 3.1.1 broker redelivers only on reconnect, and its in-flight window bounds how many wait),
 * so nothing acknowledged is lost and nothing unacknowledged is forgotten. Rejected messages are acknowledged
 * (redelivering them would only fail again), counted by reason and logged at a bounded rate.
 * <p>
 * The session is persistent ({@code cleanSession=false}) under a client id stable per node
 * ({@code mqtt.client_id}, default {@code nattery-cloud-<hostname>}), so a restart resumes it instead of
 * leaving an orphan that would keep taking a share of the fleet.
 * <p>
 * With {@code mqtt.drain: true} it instead empties the persistent session of a node that died
 * ({@link io.nattery.cloud.cluster.OrphanSessions}): it connects under that node's client id, unsubscribes so
 * the broker routes it nothing new, stores and acknowledges what the session held, then ends the session and
 * undeploys itself. The broker would otherwise keep queueing the dead node's share of the fleet for it.
 */
public class MqttIngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MqttIngestVerticle.class);
  private static final long MAX_BACKOFF_MS = 30_000;
  private static final long MAX_RETRY_MS = 5_000;
  private static final long LOG_INTERVAL_MS = 10_000;
  private static final int SUBACK_FAILURE = 0x80;
  private static final DeliveryOptions DOWNSTREAM = new DeliveryOptions().setSendTimeout(10_000).setLocalOnly(true);

  /** The device topics the cloud takes. */
  private static final Topics.Kind[] SUBSCRIBED = {Topics.Kind.TELEMETRY, Topics.Kind.STATUS, Topics.Kind.HEALTH,
    Topics.Kind.ALARMS, Topics.Kind.ACK, Topics.Kind.COMMAND_RESULT};

  private final Map<String, Long> accepted = new TreeMap<>();
  private final Map<String, Long> rejected = new TreeMap<>();
  private final Map<String, Long> lastLogged = new LinkedHashMap<>();
  private final IngestMeters meters = new IngestMeters();
  private MessageValidator validator;
  private DeviceRegistry registry;
  private MqttClient client;
  private JsonObject mqtt;
  private long backoffMs = 500;
  private long reconnects;
  private boolean subscribed;
  private boolean connecting;
  private boolean reconnectPending;
  /** Counts closed connections: a message may be acknowledged only on the connection it came on. */
  private long connection;
  private boolean stopping;
  private boolean storeHistory;
  private boolean drain;
  /** QoS 1 messages taken but not yet acknowledged; a drain ends only when none is left. */
  private long unacknowledged;
  private long lastMessageAt;
  /** Outbound QoS 1 publishes waiting for the broker's PUBACK, by packet id. */
  private final Map<Integer, Message<JsonObject>> outbound = new HashMap<>();
  /** QoS 1 publishes waiting for a free slot in the in-flight window, oldest first. */
  private final java.util.ArrayDeque<Message<JsonObject>> waiting = new java.util.ArrayDeque<>();
  private static final int MAX_WAITING_PUBLISHES = 20_000;
  private int maxInflight;
  /** QoS 1 publishes handed to the client and not yet acknowledged by the broker. */
  private int inflight;

  @Override
  public Future<?> start() {
    mqtt = config().getJsonObject("mqtt", new JsonObject());
    storeHistory = config().containsKey("history");
    drain = mqtt.getBoolean("drain", false);
    registry = DeviceRegistry.of(vertx);
    SharedJsonCodec.register(vertx);
    MqttClientOptions options = new MqttClientOptions()
      .setClientId(clientId(mqtt))
      .setUsername(mqtt.getString("username", "nattery-cloud"))
      .setPassword(Secrets.resolve(mqtt, "password"))
      .setCleanSession(mqtt.getBoolean("clean_session", false))
      .setKeepAliveInterval(30)
      // above the contract's limit, so that an oversized payload reaches the validator and is counted
      // instead of breaking the connection's decoder
      .setMaxMessageSize(4 * Contract.MAX_PAYLOAD_BYTES);
    options.setAutoAck(false);
    // schedules and prices go out on this link too: room for the trading run's concurrent QoS 1 publishes
    maxInflight = mqtt.getInteger("max_inflight", 64);
    options.setMaxInflightQueue(maxInflight);
    options.setConnectTimeout(mqtt.getInteger("connect_timeout_ms", 10_000));
    client = MqttClient.create(vertx, options);
    client.publishHandler(this::onPublish);
    client.subscribeCompletionHandler(ack -> {
      subscribed = !ack.grantedQoSLevels().contains(SUBACK_FAILURE);
      if (!subscribed) {
        LOG.error("the broker refused a subscription (granted {}): check the cloud login's ACL",
          ack.grantedQoSLevels());
      }
    });
    client.publishCompletionHandler(packetId -> {
      Message<JsonObject> request = outbound.remove(packetId);
      if (request != null) {
        inflight--;
        request.reply(null);
      }
      // a slot in the in-flight window is free: the oldest waiting publish takes it
      Message<JsonObject> next = waiting.poll();
      if (next != null) {
        publish(next);
      }
    });
    client.closeHandler(v -> {
      subscribed = false;
      outbound.values().forEach(request -> request.fail(503, "the broker link closed before the publish was acknowledged"));
      outbound.clear();
      waiting.forEach(request -> request.fail(503, "the broker link closed"));
      waiting.clear();
      inflight = 0;
      // messages of the closed connection can no longer be acknowledged: their retries stop, and the broker
      // delivers them again on the next connection
      connection++;
      unacknowledged = 0;
      if (drain && !stopping && !connecting) {
        // taken over, most likely by the node itself coming back under its client id: it is its session again
        LOG.info("gave up draining a session: the broker closed the link [client: {}]", client.clientId());
        stopping = true;
        vertx.undeploy(deploymentID());
        return;
      }
      if (!stopping && !connecting) {
        LOG.warn("lost the broker connection; reconnecting");
        scheduleReconnect();
      }
    });
    if (!drain) { // a draining link is temporary: the node's own link answers these
      vertx.eventBus().<JsonObject>localConsumer(Addresses.INGEST_STATS, m -> m.reply(stats()));
      vertx.eventBus().<JsonObject>localConsumer(Addresses.MQTT_PUBLISH, this::publish);
    }
    // Compiling the schemas takes a moment: not on the event loop. The node then starts even when the
    // broker is down; readiness says so until the link is up.
    return vertx.executeBlocking(MessageValidator::new).onSuccess(v -> {
      validator = v;
      connect().onFailure(e -> scheduleReconnect());
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (drain || !client.isConnected() || !subscribed) {
      return closeLink();
    }
    // leave the share group before going, so the broker routes this node's share to the others instead of
    // queueing it for a session nobody reads; then let what is in flight be stored and acknowledged
    List<String> filters = new ArrayList<>();
    for (Topics.Kind kind : SUBSCRIBED) {
      filters.add(filter(kind));
    }
    return client.unsubscribe(filters)
      .timeout(5, TimeUnit.SECONDS)
      .compose(id -> untilAcknowledged(System.currentTimeMillis() + 5_000))
      .onFailure(e -> LOG.warn("left the broker without unsubscribing: {}", e.getMessage()))
      .transform(done -> closeLink());
  }

  private Future<Void> untilAcknowledged(long deadline) {
    if (unacknowledged <= 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(100).compose(t -> untilAcknowledged(deadline));
  }

  /**
   * Publishes {@code {"topic","payload","qos","retain"}} on the node's broker link; answered once the broker
   * took it (PUBACK for QoS 1), failed with 503 when the link is down so the caller retries.
   */
  private void publish(Message<JsonObject> request) {
    JsonObject body = request.body();
    if (!client.isConnected()) {
      request.fail(503, "no broker link");
      return;
    }
    int qos = body.getInteger("qos", 1);
    if (qos > 0 && inflight >= maxInflight) {
      // the client refuses past its in-flight window: wait for a PUBACK, up to a bound
      if (waiting.size() >= MAX_WAITING_PUBLISHES) {
        request.fail(503, "too many publishes waiting for the broker");
      } else {
        waiting.add(request);
      }
      return;
    }
    if (qos > 0) {
      inflight++; // counted now: the packet id comes back only once written
    }
    long onConnection = connection;
    client.publish(body.getString("topic"), Buffer.buffer(body.getString("payload")), MqttQoS.valueOf(qos), false,
        body.getBoolean("retain", false))
      .onSuccess(packetId -> {
        if (qos == 0) {
          request.reply(null);
        } else {
          outbound.put(packetId, request);
        }
      })
      .onFailure(e -> {
        if (qos > 0 && onConnection == connection) {
          inflight--;
        }
        request.fail(503, "publish failed: " + e.getMessage());
      });
  }

  /** Closes the link, connected or still connecting; never fails. */
  private Future<Void> closeLink() {
    try {
      return client.disconnect().otherwiseEmpty();
    } catch (RuntimeException notConnected) {
      return Future.succeededFuture();
    }
  }

  /** The client id of a node's link: {@code mqtt.client_id}, else {@code nattery-cloud-<hostname>}. */
  public static String clientId(JsonObject mqtt) {
    String configured = mqtt.getString("client_id");
    return configured != null ? configured : defaultClientId();
  }

  private static String defaultClientId() {
    try {
      return "nattery-cloud-" + InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_-]", "-");
    } catch (UnknownHostException e) {
      throw new IllegalStateException("set mqtt.client_id: the host has no name to derive it from", e);
    }
  }

  private Future<?> connect() {
    String host = mqtt.getString("host", "127.0.0.1");
    int port = mqtt.getInteger("port", 1883);
    connecting = true;
    // a peer that accepts TCP but never answers CONNECT must not leave the link pending forever
    return client.connect(port, host)
      .timeout(mqtt.getLong("connect_timeout_ms", 10_000L), TimeUnit.MILLISECONDS)
      .compose(ack -> {
        LOG.info("connected to the broker at {}:{} [client: {}]", host, port, client.clientId());
        Map<String, Integer> filters = new LinkedHashMap<>();
        for (Topics.Kind kind : SUBSCRIBED) {
          filters.put(filter(kind), 1);
        }
        if (drain) {
          subscribed = true; // the session's subscriptions brought the messages; no new ones are wanted
          lastMessageAt = System.currentTimeMillis();
          return client.unsubscribe(List.copyOf(filters.keySet())).onSuccess(id -> watchDrain());
        }
        return client.subscribe(filters);
      })
      .onSuccess(v -> backoffMs = 500)
      .recover(e -> {
        LOG.warn("cannot connect to the broker at {}:{}: {}", host, port, e.getMessage());
        // also closes an attempt still waiting for CONNACK, so that a late one cannot linger half-open
        return closeLink().compose(v -> Future.failedFuture(e));
      })
      .onComplete(done -> connecting = false);
  }

  private String filter(Topics.Kind kind) {
    return mqtt.getBoolean("shared_subscription", true)
      ? Topics.sharedFilter(mqtt.getString("share_group", "nattery"), kind)
      : Topics.deviceFilter(kind);
  }

  /** One reconnect chain at a time, with backoff; it ends once the link is up and subscribed. */
  private void scheduleReconnect() {
    if (stopping || reconnectPending) {
      return;
    }
    reconnectPending = true;
    long delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    vertx.setTimer(delay, id -> {
      reconnectPending = false;
      if (stopping || (client.isConnected() && subscribed)) {
        return;
      }
      reconnects++;
      closeLink().compose(v -> connect()).onFailure(e -> scheduleReconnect());
    });
  }

  private void onPublish(MqttPublishMessage message) {
    lastMessageAt = System.currentTimeMillis();
    var topic = Topics.parse(message.topicName());
    MessageType type = topic.map(t -> switch (t.kind()) {
      case TELEMETRY -> MessageType.TELEMETRY;
      case STATUS -> MessageType.STATUS;
      case HEALTH -> MessageType.HEALTH;
      case ALARMS -> MessageType.ALARM;
      case ACK -> MessageType.ACK;
      case COMMAND_RESULT -> MessageType.COMMAND_RESULT;
      default -> null;
    }).orElse(null);
    if (type == null) {
      reject(message, "unknown_topic", message.topicName());
      return;
    }
    // the registry copy is this node's memory, synced from PostgreSQL by the device-state verticle
    if (!registry.contains(topic.get().deviceId())) {
      reject(message, "unknown_device", "device " + topic.get().deviceId() + " is not in the registry");
      return;
    }
    Decoded<?> decoded = validator.decode(type, message.payload());
    if (!decoded.isAccepted()) {
      Rejection rejection = decoded.rejection();
      reject(message, rejection.reason().code(), rejection.errors().toString());
      return;
    }
    String deviceId = topic.get().deviceId();
    JsonObject body;
    String bodyDeviceId;
    Object value = decoded.value();
    if (value instanceof Telemetry telemetry) {
      body = telemetry.toJson();
      bodyDeviceId = telemetry.deviceId();
    } else if (value instanceof DeviceStatus status) {
      body = status.toJson();
      bodyDeviceId = status.deviceId();
    } else if (value instanceof Health health) {
      body = health.toJson();
      bodyDeviceId = health.deviceId();
    } else if (value instanceof Ack ack) {
      body = ack.toJson();
      bodyDeviceId = ack.deviceId();
    } else if (value instanceof CommandResult result) {
      body = result.toJson();
      bodyDeviceId = result.deviceId();
    } else {
      Alarm alarm = (Alarm) value;
      body = alarm.toJson();
      bodyDeviceId = alarm.deviceId();
    }
    if (!deviceId.equals(bodyDeviceId)) {
      reject(message, "topic_mismatch", "topic " + deviceId + " carries device_id of another device");
      return;
    }
    if (message.qosLevel() != MqttQoS.AT_MOST_ONCE) {
      unacknowledged++;
    }
    deliver(message, connection, type, body, 0);
  }

  /** Hands an accepted message downstream; a QoS 1 message is retried until downstream takes it. */
  private void deliver(MqttPublishMessage message, long onConnection, MessageType type, JsonObject body,
                       int attempt) {
    if (onConnection != connection) {
      return; // its connection closed: the broker delivers it again on the next one
    }
    Future<?> downstream = Future.succeededFuture();
    if (type == MessageType.TELEMETRY) {
      if (attempt == 0) {
        // live views get the sample at once, whatever the store says; the ack waits for the store
        // one instance for every local consumer: nobody changes it from here on (SharedJsonCodec)
        bus().publish(Addresses.TELEMETRY_ACCEPTED, body, SharedJsonCodec.LOCAL);
      }
      if (storeHistory) {
        // the writer drops a sample whose requester gave up, so a retry never stores it twice
        downstream = bus().request(Addresses.TELEMETRY_STORE, body, new DeliveryOptions(DOWNSTREAM)
          .addHeader(TelemetryHistoryVerticle.DEADLINE_HEADER,
            Long.toString(System.currentTimeMillis() + DOWNSTREAM.getSendTimeout())));
      }
    } else if (type == MessageType.ACK || type == MessageType.COMMAND_RESULT) {
      // acknowledged to the device's broker once durable: queued in RabbitMQ, or stored
      downstream = bus().request(Addresses.DEVICE_REPORT, new JsonObject()
        .put("kind", type == MessageType.ACK ? "ack" : "command_result").put("body", body), DOWNSTREAM);
    } else if (type == MessageType.ALARM) {
      // an alarm is acknowledged once stored as an alert, as telemetry is once stored as history
      downstream = bus().request(Addresses.ALARM_ACCEPTED, body, DOWNSTREAM);
    } else {
      // device state takes these on this node (and records them once for the cluster)
      bus().publish(type == MessageType.STATUS ? Addresses.STATUS_ACCEPTED : Addresses.HEALTH_ACCEPTED, body);
    }
    downstream
      .onSuccess(reply -> {
        accepted.merge(type.name().toLowerCase(), 1L, Long::sum);
        meters.accepted(type.name().toLowerCase(), registry.site(body.getString("device_id")),
          type == MessageType.TELEMETRY ? body.getString("ts") : null);
        if (onConnection == connection) {
          acknowledge(message);
          if (message.qosLevel() != MqttQoS.AT_MOST_ONCE) {
            unacknowledged--;
          }
        }
      })
      .onFailure(e -> {
        rejected.merge("downstream_unavailable", 1L, Long::sum);
        meters.rejected("downstream_unavailable");
        logAtMostEvery("downstream", "downstream refused a message [device: {}, topic: {}, qos: {}]: {}",
          body.getString("device_id"), message.topicName(), message.qosLevel().value(), e.getMessage());
        if (message.qosLevel() != MqttQoS.AT_MOST_ONCE && !stopping) {
          long delay = Math.min(200L << Math.min(attempt, 5), MAX_RETRY_MS);
          vertx.setTimer(delay, id -> deliver(message, onConnection, type, body, attempt + 1));
        }
      });
  }

  /** Ends the drain once the session has been quiet for a while with nothing left unacknowledged. */
  private void watchDrain() {
    long quietMs = mqtt.getLong("drain_quiet_ms", 2_000L);
    vertx.setPeriodic(250, timer -> {
      if (stopping || !client.isConnected()) {
        return;
      }
      if (unacknowledged <= 0 && System.currentTimeMillis() - lastMessageAt > quietMs) {
        vertx.cancelTimer(timer);
        endDrainedSession();
      }
    });
  }

  /** Ends the emptied session (a clean connect removes it and its place in the share group) and leaves. */
  private void endDrainedSession() {
    stopping = true;
    String id = client.clientId();
    MqttClient cleaner = MqttClient.create(vertx, new MqttClientOptions().setClientId(id)
      .setUsername(mqtt.getString("username", "nattery-cloud")).setPassword(Secrets.resolve(mqtt, "password"))
      .setCleanSession(true));
    closeLink()
      .compose(v -> cleaner.connect(mqtt.getInteger("port", 1883), mqtt.getString("host", "127.0.0.1")))
      .compose(ack -> cleaner.disconnect())
      .onComplete(done -> {
        LOG.info("drained and ended the session of a node that left [client: {}, accepted: {}, rejected: {}]{}", id,
          accepted, rejected, done.failed() ? "; ending the session failed: " + done.cause().getMessage() : "");
        vertx.undeploy(deploymentID());
      });
  }

  private EventBus bus() {
    return vertx.eventBus();
  }

  private void reject(MqttPublishMessage message, String reason, String detail) {
    rejected.merge(reason, 1L, Long::sum);
    meters.rejected(reason);
    logAtMostEvery(reason, "rejected a message [reason: {}, topic: {}, total: {}]: {}", reason,
      printable(message.topicName()), rejected.get(reason), detail);
    acknowledge(message);
  }

  /** Logs at WARN, at most once per interval for each key, so a flood of bad input cannot flood the log. */
  private void logAtMostEvery(String key, String format, Object... args) {
    long now = System.currentTimeMillis();
    Long last = lastLogged.get(key);
    if (last == null || now - last > LOG_INTERVAL_MS) {
      lastLogged.put(key, now);
      LOG.warn(format, args);
    }
  }

  private static void acknowledge(MqttPublishMessage message) {
    if (message.qosLevel() != MqttQoS.AT_MOST_ONCE) {
      message.ack();
    }
  }

  private JsonObject stats() {
    return new JsonObject()
      .put("connected", client.isConnected() && subscribed)
      .put("reconnects", reconnects)
      .put("accepted", new JsonObject(new LinkedHashMap<>(accepted)))
      .put("rejected", new JsonObject(new LinkedHashMap<>(rejected)));
  }

  private static String printable(String topic) {
    String clean = topic.replaceAll("[^\\x20-\\x7e]", "?");
    return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
  }
}
