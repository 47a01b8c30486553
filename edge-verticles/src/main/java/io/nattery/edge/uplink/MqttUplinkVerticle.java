package io.nattery.edge.uplink;

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

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The device's MQTT link: logs in as the device (MQTT 3.1.1, persistent session), leaves a retained
 * offline status as its last will, announces itself online (retained), forwards every telemetry sample at
 * QoS 0, and reconnects with capped exponential backoff. While disconnected, telemetry is dropped and
 * counted (the on-disk buffer comes later). Config: {@code device_id}, {@code mqtt: {host, port, username
 * (default: device id), client_id (default: device id), password_env or password_file (or password, in-process only), ssl, keepalive_s, connect_timeout_ms, reconnect_initial_ms, reconnect_max_ms}}.
 */
public final class MqttUplinkVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MqttUplinkVerticle.class);
  private static final long OFFLINE_ACK_WAIT_MS = 2000;

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

  @Override
  public Future<?> start() {
    deviceId = config().getString("device_id");
    if (!Contract.isValidDeviceId(deviceId)) {
      return Future.failedFuture(new IllegalArgumentException("device_id missing or invalid: " + deviceId));
    }
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
        // a day's schedule at 15-minute slots is above the client's default limit of 8 KiB
        .setMaxMessageSize(Contract.MAX_PAYLOAD_BYTES);
    baseOptions.setConnectTimeout(mqtt.getInteger("connect_timeout_ms", 5000));
    String password = Secrets.resolve(mqtt, "password");
    if (password != null) {
      baseOptions.setPassword(password);
    }
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
      LOG.info("[device: {}] MQTT connected to {}:{} (session present: {}), {} samples dropped while offline",
          deviceId, host, port, result.result().isSessionPresent(), dropped - droppedAtDisconnect);
      candidate.publish(statusTopic, status(true), MqttQoS.AT_LEAST_ONCE, false, true)
          .onFailure(e -> LOG.warn("[device: {}] online status not sent: {}", deviceId, e.getMessage()));
    });
  }

  private void closed(MqttClient which) {
    if (which != client || stopping) {
      return; // a failed attempt (already rescheduled) or our own disconnect
    }
    client = null;
    droppedAtDisconnect = dropped;
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

  private void forward(Message<JsonObject> message) {
    MqttClient current = client;
    if (current == null || !current.isConnected()) {
      dropped++;
      return;
    }
    current.publish(telemetryTopic, message.body().toBuffer(), MqttQoS.AT_MOST_ONCE, false, false)
        .onSuccess(id -> published++)
        .onFailure(e -> dropped++);
  }

  private Buffer status(boolean online) {
    return new DeviceStatus(deviceId, online, Instant.now()).toJson().toBuffer();
  }
}
