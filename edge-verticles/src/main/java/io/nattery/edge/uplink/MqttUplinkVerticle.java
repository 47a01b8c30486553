package io.nattery.edge.uplink;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
import io.nattery.protocol.Contract;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.Topics;
import io.nattery.protocol.config.Secrets;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.nattery.edge.store.EdgeStore;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The device's MQTT link: logs in as the device (MQTT 3.1.1, persistent session, optionally TLS with a CA
 * and a client certificate), leaves a retained offline status as its last will, announces itself online
 * (retained), subscribes to its {@code schedule} and {@code commands} at QoS 1 and hands their payloads to
 * the executor and the command verticle, and reconnects with capped exponential backoff.
 *
 * <p>Live telemetry goes out at QoS 0 and health at QoS 0. Everything else (acks, command results, alarms)
 * is written to the {@link EdgeStore} outbox by whoever produced it, and this verticle drains the outbox in
 * order at QoS 1, deleting each message once the broker acknowledged it; so it survives a broker outage
 * and a restart of the edge. While offline, telemetry goes to the outbox too (replayed at QoS 1), every
 * sample until {@code telemetry_budget} samples wait there, then one per {@code downsampled_interval_s}.
 * Config: {@code device_id}, {@code mqtt: {host, port, username (default: device id), client_id (default:
 * device id), password_env or password_file (or password, in-process only), ssl, ca_file, cert_file,
 * key_file, keepalive_s, connect_timeout_ms, reconnect_initial_ms, reconnect_max_ms, telemetry_budget
 * (3600), downsampled_interval_s (60), inflight (10)}}.
 */
public final class MqttUplinkVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MqttUplinkVerticle.class);
  private static final long OFFLINE_ACK_WAIT_MS = 2000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private String deviceId;
  private String host;
  private int port;
  private MqttClientOptions baseOptions;
  private String statusTopic;
  private String telemetryTopic;
  private long reconnectInitialMs;
  private long reconnectMaxMs;
  private long backoffMs;
  private MqttClient client;
  private MessageConsumer<JsonObject> consumer;
  private long reconnectTimer = -1;
  private boolean stopping;
  private boolean everConnected;
  private long published;
  private long dropped;
  private long droppedAtDisconnect;
  private long reconnects;
  private final EdgeStore store;
  private int telemetryBudget;
  private long downsampledIntervalMs;
  private int inflightMax;
  private long lastBufferedTelemetryMs;
  private long bufferedTelemetryNow;
  private boolean draining;
  private boolean drainAgain;
  private long replayed;
  private long telemetryDownsampled;

  public MqttUplinkVerticle(EdgeStore store) {
    this.store = store;
  }

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
    JsonObject mqtt = config().getJsonObject("mqtt", new JsonObject());
    host = mqtt.getString("host", "127.0.0.1");
    port = mqtt.getInteger("port", 1883);
    reconnectInitialMs = mqtt.getLong("reconnect_initial_ms", 1000L);
    reconnectMaxMs = mqtt.getLong("reconnect_max_ms", 60_000L);
    backoffMs = reconnectInitialMs;
    statusTopic = Topics.status(deviceId);
    telemetryTopic = Topics.telemetry(deviceId);
    baseOptions = new MqttClientOptions()
        .setClientId(mqtt.getString("client_id", deviceId))
        .setUsername(mqtt.getString("username", deviceId))
        .setCleanSession(false)
        .setKeepAliveInterval(mqtt.getInteger("keepalive_s", 30))
        .setAutoKeepAlive(true)
        .setWillFlag(true)
        .setWillTopic(statusTopic)
        .setWillQoS(MqttQoS.AT_LEAST_ONCE.value())
        .setWillRetain(true)
        .setSsl(mqtt.getBoolean("ssl", false))
        // QoS 1 messages the broker has not acknowledged yet: the outbox drain keeps at most this many out
        .setMaxInflightQueue(Math.max(10, mqtt.getInteger("inflight", 10)))
        // a day's schedule at 15-minute slots is above the client's default limit of 8 KiB
        .setMaxMessageSize(Contract.MAX_PAYLOAD_BYTES);
    baseOptions.setConnectTimeout(mqtt.getInteger("connect_timeout_ms", 5000));
    if (mqtt.getString("ca_file") != null) {
      baseOptions.setTrustOptions(new PemTrustOptions().addCertPath(mqtt.getString("ca_file")));
    }
    if (mqtt.getString("cert_file") != null || mqtt.getString("key_file") != null) {
      if (mqtt.getString("cert_file") == null || mqtt.getString("key_file") == null) {
        return Future.failedFuture(new IllegalArgumentException("mqtt.cert_file and mqtt.key_file go together"));
      }
      baseOptions.setKeyCertOptions(new PemKeyCertOptions().addCertPath(mqtt.getString("cert_file")).addKeyPath(mqtt.getString("key_file")));
    }
    String password = Secrets.resolve(mqtt, "password");
    if (password != null) {
      baseOptions.setPassword(password);
    }
    telemetryBudget = mqtt.getInteger("telemetry_budget", 3600);
    downsampledIntervalMs = mqtt.getLong("downsampled_interval_s", 60L) * 1000;
    inflightMax = mqtt.getInteger("inflight", 10);
    vertx.eventBus().<Object>localConsumer(Addresses.outboxKick(deviceId), m -> drain());
    vertx.eventBus().<JsonObject>localConsumer(Addresses.health(deviceId), m -> publishLive(Topics.health(deviceId), m.body()));
    vertx.eventBus().<Object>localConsumer(Addresses.uplinkStats(deviceId), m -> vertx.executeBlocking(store::depth)
        .onComplete(depth -> m.reply(new JsonObject().put("reconnects", reconnects).put("buffered", depth.succeeded() ? depth.result() : -1)
            .put("published", published).put("dropped", dropped + store.dropped()).put("replayed", replayed)
            .put("telemetry_downsampled", telemetryDownsampled).put("connected", client != null && client.isConnected())
            .put("subscribed", subscribed && client != null && client.isConnected()))));
    consumer = vertx.eventBus().localConsumer(Addresses.telemetry(deviceId), this::forward);
    // the edge runs without a broker too: the first connection is attempted, not awaited
    return consumer.completion().onSuccess(v -> connect());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
    }
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    MqttClient current = client;
    client = null;
    if (current == null || !current.isConnected()) {
      LOG.info("[device: {}] uplink stopped while offline: {} published, {} dropped", deviceId, published, dropped);
      return unregistered;
    }
    // a clean DISCONNECT discards the will, so the offline status is published by hand, and awaited
    Promise<Void> acked = Promise.promise();
    current.publishCompletionHandler(id -> acked.tryComplete());
    current.publish(statusTopic, status(false), MqttQoS.AT_LEAST_ONCE, false, true)
        .onFailure(acked::tryFail);
    return unregistered
        .compose(v -> acked.future().timeout(OFFLINE_ACK_WAIT_MS, TimeUnit.MILLISECONDS))
        .recover(e -> {
          LOG.warn("[device: {}] offline status not acknowledged before disconnect: {}", deviceId, e.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> current.disconnect())
        .onComplete(r -> LOG.info("[device: {}] uplink stopped: {} published, {} dropped, {} reconnects",
            deviceId, published, dropped, reconnects));
  }

  private void connect() {
    reconnectTimer = -1;
    if (stopping) {
      return;
    }
    MqttClientOptions options = new MqttClientOptions(baseOptions).setWillMessageBytes(status(false));
    MqttClient candidate = MqttClient.create(vertx, options);
    candidate.closeHandler(v -> closed(candidate));
    candidate.exceptionHandler(e -> LOG.debug("[device: {}] MQTT link error: {}", deviceId, e.getMessage()));
    // a broker that accepts TCP but never answers CONNECT must not leave the link pending forever
    candidate.connect(port, host).timeout(baseOptions.getConnectTimeout(), TimeUnit.MILLISECONDS).onComplete(result -> {
      if (result.failed()) {
        // also closes an attempt still waiting for CONNACK, so a late one cannot take the session over
        candidate.disconnect();
        String reason = result.cause() instanceof MqttConnectionException refused
            ? "refused: " + refused.code() : String.valueOf(result.cause().getMessage());
        LOG.warn("[device: {}] MQTT connect to {}:{} failed ({}), next attempt in {} ms", deviceId, host, port, reason, backoffMs);
        scheduleReconnect();
        return;
      }
      if (stopping) {
        candidate.disconnect();
        return;
      }
      client = candidate;
      backoffMs = reconnectInitialMs;
      if (everConnected) {
        reconnects++;
      }
      everConnected = true;
      LOG.info("[device: {}] MQTT connected to {}:{} (session present: {}), {} live messages dropped while offline (buffered ones are replayed)",
          deviceId, host, port, result.result().isSessionPresent(), dropped - droppedAtDisconnect);
      candidate.publish(statusTopic, status(true), MqttQoS.AT_LEAST_ONCE, false, true)
          .onFailure(e -> LOG.warn("[device: {}] online status not sent: {}", deviceId, e.getMessage()));
      candidate.publishHandler(this::received);
      candidate.publishCompletionHandler(this::brokerAcked);
      // subscribing again on a present session is harmless and covers a broker that lost its state
      subscribed = false;
      candidate.subscribeCompletionHandler(ack -> subscribed = true);
      candidate.subscribe(java.util.Map.of(Topics.schedule(deviceId), 1, Topics.commands(deviceId), 1))
          .onFailure(e -> LOG.warn("[device: {}] subscribe failed: {}", deviceId, e.getMessage()));
      drain();
    });
  }

  private void closed(MqttClient which) {
    if (which != client || stopping) {
      return; // a failed attempt (already rescheduled) or our own disconnect
    }
    client = null;
    droppedAtDisconnect = dropped;
    // whatever was in flight is sent again, in order, on the next connection
    inflight.clear();
    unacked = 0;
    lastSentId = 0;
    LOG.warn("[device: {}] MQTT connection to {}:{} lost, reconnecting in {} ms", deviceId, host, port, backoffMs);
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    if (stopping || reconnectTimer >= 0) {
      return;
    }
    long delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, reconnectMaxMs);
    reconnectTimer = vertx.setTimer(delay, id -> connect());
  }

  private void received(MqttPublishMessage message) {
    Optional<Topics.DeviceTopic> topic = Topics.parse(message.topicName());
    if (topic.isEmpty() || !topic.get().deviceId().equals(deviceId)) {
      LOG.warn("[device: {}] message on unexpected topic {} ignored", deviceId, message.topicName());
      return;
    }
    switch (topic.get().kind()) {
      // a retained copy replayed on subscribe is told apart from one the cloud sent again while we were online
      case SCHEDULE -> vertx.eventBus().send(Addresses.scheduleIn(deviceId), message.payload(),
          new DeliveryOptions(LOCAL).addHeader(Addresses.RETAINED_HEADER, Boolean.toString(message.isRetain())));
      case COMMANDS -> vertx.eventBus().send(Addresses.commandIn(deviceId), message.payload(), LOCAL);
      default -> LOG.warn("[device: {}] message on unexpected topic {} ignored", deviceId, message.topicName());
    }
  }

  private void forward(Message<JsonObject> message) {
    MqttClient current = client;
    // while older messages wait in the outbox, live telemetry queues behind them, so the cloud sees it in order
    if (current != null && current.isConnected() && bufferedTelemetryNow == 0) {
      current.publish(telemetryTopic, message.body().toBuffer(), MqttQoS.AT_MOST_ONCE, false, false)
          .onSuccess(id -> published++)
          .onFailure(e -> dropped++);
      return;
    }
    long now = System.currentTimeMillis();
    if (bufferedTelemetryNow >= telemetryBudget && now - lastBufferedTelemetryMs < downsampledIntervalMs) {
      telemetryDownsampled++;
      return;
    }
    lastBufferedTelemetryMs = now;
    bufferedTelemetryNow++;
    String payload = message.body().encode();
    vertx.executeBlocking(() -> {
      store.enqueue(telemetryTopic, 1, payload, true);
      return null;
    }).onFailure(e -> {
      dropped++;
      LOG.warn("[device: {}] telemetry not buffered: {}", deviceId, e.getMessage());
    });
  }

  private void publishLive(String topic, JsonObject payload) {
    MqttClient current = client;
    if (current == null || !current.isConnected()) {
      dropped++;
      return;
    }
    current.publish(topic, payload.toBuffer(), MqttQoS.AT_MOST_ONCE, false, false)
        .onSuccess(id -> published++)
        .onFailure(e -> dropped++);
  }

  /** Outbox ids sent and not yet acknowledged, by MQTT packet id. */
  private final java.util.Map<Integer, Long> inflight = new java.util.HashMap<>();
  private long lastSentId;
  /** Outbox messages handed to the client on this connection and not acknowledged yet. */
  private int unacked;
  private boolean subscribed;

  /**
   * Sends the outbox in id order, at most {@code inflight} unacknowledged at a time; each row is deleted
   * when its PUBACK arrives. Rows sent on a connection that then dropped are sent again from the start.
   */
  private void drain() {
    MqttClient current = client;
    if (current == null || !current.isConnected()) {
      return;
    }
    if (draining) {
      drainAgain = true;
      return;
    }
    int room = inflightMax - unacked;
    if (room <= 0) {
      return;
    }
    draining = true;
    drainAgain = false;
    long after = lastSentId;
    vertx.executeBlocking(() -> store.peek(after, room)).onComplete(peeked -> {
      draining = false;
      if (peeked.failed()) {
        LOG.warn("[device: {}] outbox not readable: {}", deviceId, peeked.cause().getMessage());
        return;
      }
      if (client != current || !current.isConnected()) {
        return;
      }
      List<EdgeStore.OutboxEntry> entries = peeked.result();
      if (entries.isEmpty()) {
        bufferedTelemetryNow = 0;
      }
      for (EdgeStore.OutboxEntry entry : entries) {
        lastSentId = entry.id();
        unacked++;
        current.publish(entry.topic(), Buffer.buffer(entry.payload()), MqttQoS.valueOf(entry.qos()), false, false)
            .onSuccess(packetId -> {
              if (entry.qos() == 0) {
                unacked--;
                delete(entry.id());
              } else {
                inflight.put(packetId, entry.id());
              }
            })
            .onFailure(e -> {
              // not sent on this connection: go back and send it (and what follows) again, in order
              unacked--;
              lastSentId = Math.min(lastSentId, entry.id() - 1);
              LOG.debug("[device: {}] outbox message {} not sent: {}", deviceId, entry.id(), e.getMessage());
              vertx.setTimer(200, t -> drain());
            });
      }
      if (drainAgain || entries.size() == room) {
        drain();
      }
    });
  }

  private void brokerAcked(int packetId) {
    Long id = inflight.remove(packetId);
    if (id != null) {
      unacked--;
      replayed++;
      published++;
      delete(id);
      drain();
    }
  }

  private void delete(long id) {
    vertx.executeBlocking(() -> {
      store.delete(id);
      return null;
    }).onFailure(e -> LOG.warn("[device: {}] outbox message {} not deleted: {}", deviceId, id, e.getMessage()));
  }

  private Buffer status(boolean online) {
    return new DeviceStatus(deviceId, online, Instant.now()).toJson().toBuffer();
  }
}
