package io.nattery.cloud.ingest;

import io.nattery.cloud.Addresses;
import io.nattery.protocol.config.Secrets;
import io.nattery.protocol.Contract;
import io.nattery.protocol.Decoded;
import io.nattery.protocol.DeviceStatus;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.Rejection;
import io.nattery.protocol.Telemetry;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Takes device messages from the broker, checks each against the contract and hands what passes to the
 * cloud's event bus. Several nodes share the load through one shared subscription group; a broker without
 * shared subscriptions (the demo's Moquette) gets plain ones ({@code mqtt.shared_subscription: false}).
 * A QoS 1 message is acknowledged only once the consumer downstream accepted it, so a crash before that
 * leaves it with the broker, which delivers it again (Hono's pattern). Rejected messages are acknowledged
 * (redelivering them would only fail again), counted by reason and logged at a bounded rate.
 */
public class MqttIngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MqttIngestVerticle.class);
  private static final long MAX_BACKOFF_MS = 30_000;
  private static final long REJECT_LOG_INTERVAL_MS = 10_000;

  private static final DeliveryOptions DOWNSTREAM = new DeliveryOptions().setSendTimeout(10_000);

  private final MessageValidator validator = new MessageValidator();
  private final Map<String, Long> accepted = new TreeMap<>();
  private final Map<String, Long> rejected = new TreeMap<>();
  private final Map<String, Long> lastRejectLog = new LinkedHashMap<>();
  private MqttClient client;
  private JsonObject mqtt;
  private long backoffMs = 500;
  private long reconnects;
  private boolean stopping;
  private boolean storeHistory;

  @Override
  public Future<?> start() {
    mqtt = config().getJsonObject("mqtt", new JsonObject());
    storeHistory = config().containsKey("history");
    MqttClientOptions options = new MqttClientOptions()
      .setClientId(mqtt.getString("client_id", "nattery-cloud-" + UUID.randomUUID()))
      .setUsername(mqtt.getString("username", "nattery-cloud"))
      .setPassword(Secrets.resolve(mqtt, "password"))
      .setCleanSession(false)
      .setKeepAliveInterval(30)
      .setMaxMessageSize(Contract.MAX_PAYLOAD_BYTES + 1024);
    options.setAutoAck(false);
    client = MqttClient.create(vertx, options);
    client.publishHandler(this::onPublish);
    client.closeHandler(v -> {
      if (!stopping) {
        LOG.warn("lost the broker connection; reconnecting");
        scheduleReconnect();
      }
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.INGEST_STATS, m -> m.reply(stats()));
    // The node starts even when the broker is down; readiness says so until the link is up.
    connect().onFailure(e -> scheduleReconnect());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return client.isConnected() ? client.disconnect() : Future.succeededFuture();
  }

  private Future<?> connect() {
    String host = mqtt.getString("host", "127.0.0.1");
    int port = mqtt.getInteger("port", 1883);
    return client.connect(port, host)
      .compose(ack -> {
        backoffMs = 500;
        LOG.info("connected to the broker at {}:{}", host, port);
        Map<String, Integer> filters = new LinkedHashMap<>();
        for (Topics.Kind kind : new Topics.Kind[] {Topics.Kind.TELEMETRY, Topics.Kind.STATUS}) {
          filters.put(filter(kind), 1);
        }
        return client.subscribe(filters);
      })
      .onFailure(e -> LOG.warn("cannot connect to the broker at {}:{}: {}", host, port, e.getMessage()));
  }

  private String filter(Topics.Kind kind) {
    return mqtt.getBoolean("shared_subscription", true)
      ? Topics.sharedFilter(mqtt.getString("share_group", "nattery"), kind)
      : Topics.deviceFilter(kind);
  }

  private void scheduleReconnect() {
    long delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    vertx.setTimer(delay, id -> {
      if (!stopping && !client.isConnected()) {
        reconnects++;
        connect().onFailure(e -> scheduleReconnect());
      }
    });
  }

  private void onPublish(MqttPublishMessage message) {
    var topic = Topics.parse(message.topicName());
    if (topic.isEmpty()) {
      reject(message, "unknown_topic", message.topicName());
      return;
    }
    MessageType type;
    switch (topic.get().kind()) {
      case TELEMETRY -> type = MessageType.TELEMETRY;
      case STATUS -> type = MessageType.STATUS;
      default -> {
        reject(message, "unknown_topic", message.topicName());
        return;
      }
    }
    Decoded<?> decoded = validator.decode(type, message.payload());
    if (!decoded.isAccepted()) {
      Rejection rejection = decoded.rejection();
      reject(message, rejection.reason().code(), rejection.errors().toString());
      return;
    }
    JsonObject body;
    String bodyDeviceId;
    if (decoded.value() instanceof Telemetry telemetry) {
      body = telemetry.toJson();
      bodyDeviceId = telemetry.deviceId();
    } else {
      DeviceStatus status = (DeviceStatus) decoded.value();
      body = status.toJson();
      bodyDeviceId = status.deviceId();
    }
    String deviceId = topic.get().deviceId();
    if (!deviceId.equals(bodyDeviceId)) {
      reject(message, "topic_mismatch", "topic " + deviceId + " carries device_id of another device");
      return;
    }
    Future<?> downstream = type == MessageType.TELEMETRY ? storeAndShare(body) : bus().request(
      Addresses.STATUS_ACCEPTED, body, DOWNSTREAM);
    downstream
      .onSuccess(reply -> {
        accepted.merge(type.name().toLowerCase(), 1L, Long::sum);
        acknowledge(message);
      })
      .onFailure(e -> {
        // Not acknowledged: the broker still holds a QoS 1 message and delivers it again.
        rejected.merge("downstream_unavailable", 1L, Long::sum);
        LOG.warn("downstream refused a message [device: {}, topic: {}]: {}", deviceId, message.topicName(),
          e.getMessage());
      });
  }

  /**
   * Telemetry goes to the history writer (when this node has one) and, whatever the store says, to the
   * live views: the latest state must not wait for a slow store. The ack waits for the store.
   */
  private Future<?> storeAndShare(JsonObject telemetry) {
    Future<?> stored = storeHistory
      ? bus().request(Addresses.TELEMETRY_STORE, telemetry, DOWNSTREAM) : Future.succeededFuture();
    bus().publish(Addresses.TELEMETRY_ACCEPTED, telemetry);
    return stored;
  }

  private io.vertx.core.eventbus.EventBus bus() {
    return vertx.eventBus();
  }

  private void reject(MqttPublishMessage message, String reason, String detail) {
    rejected.merge(reason, 1L, Long::sum);
    long now = System.currentTimeMillis();
    Long last = lastRejectLog.get(reason);
    if (last == null || now - last > REJECT_LOG_INTERVAL_MS) {
      lastRejectLog.put(reason, now);
      LOG.warn("rejected a message [reason: {}, topic: {}, total: {}]: {}", reason,
        printable(message.topicName()), rejected.get(reason), detail);
    }
    acknowledge(message);
  }

  private static void acknowledge(MqttPublishMessage message) {
    if (message.qosLevel() != MqttQoS.AT_MOST_ONCE) {
      message.ack();
    }
  }

  private JsonObject stats() {
    return new JsonObject()
      .put("connected", client.isConnected())
      .put("reconnects", reconnects)
      .put("accepted", new JsonObject(new LinkedHashMap<>(accepted)))
      .put("rejected", new JsonObject(new LinkedHashMap<>(rejected)));
  }

  private static String printable(String topic) {
    String clean = topic.replaceAll("[^\\x20-\\x7e]", "?");
    return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
  }
}
