package io.nattery.cloud.fleet.bench;

import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;

import java.net.URI;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What bench/ingest.sh measures from outside the cloud node over one window:
 * <ul>
 *   <li>its own subscriber on {@code devices/+/telemetry}: messages the broker delivered per second, loss by
 *   {@code seq} (gaps per device after the first sample seen) and broker delivery latency (receive time - ts);</li>
 *   <li>the node's device state over REST: how fast the latest {@code seq} of the fleet advanced (the sum over all
 *   devices, read at the start and end of the window), and for a sample of devices, polled every
 *   {@code poll_ms}, the delay from a sample's {@code ts} to the poll that first saw it (an upper bound: the
 *   update happened at most one poll interval earlier).</li>
 * </ul>
 * Usage: IngestProbe MQTT_HOST MQTT_PORT API_URL JWT_SECRET_ENV PREFIX SECONDS [SAMPLED_DEVICES=10] [POLL_MS=100]
 */
public final class IngestProbe {

  private static final String DROPPED = "$SYS/broker/publish/messages/dropped";

  private final Map<String, long[]> seqs = new HashMap<>(); // device -> {last seq, gaps, duplicates}
  private int[] brokerLatencyMs = new int[1 << 20];
  private int brokerLatencies;
  private int[] stateLatencyMs = new int[1 << 14];
  private int stateLatencies;
  private long received;
  private long windowReceived;
  private boolean inWindow;
  /** Mosquitto's own count of messages it dropped (queues full), from $SYS; -1 until heard. */
  private volatile long brokerDropped = -1;

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println("usage: IngestProbe MQTT_HOST MQTT_PORT API_URL JWT_SECRET_ENV PREFIX SECONDS [SAMPLED=10] [POLL_MS=100]");
      System.exit(2);
    }
    new IngestProbe().run(args[0], Integer.parseInt(args[1]), URI.create(args[2]), args[3], args[4],
      Integer.parseInt(args[5]), args.length > 6 ? Integer.parseInt(args[6]) : 10,
      args.length > 7 ? Integer.parseInt(args[7]) : 100);
  }

  private void run(String mqttHost, int mqttPort, URI api, String secretEnv, String prefix, int seconds, int sampled,
                   int pollMs) throws Exception {
    Vertx vertx = Vertx.vertx();
    String token = new Tokens(vertx, new JsonObject().put("secret_env", secretEnv)).issue("bench-probe", Role.VIEWER);
    WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost(api.getHost())
      .setDefaultPort(api.getPort()));
    MqttClient subscriber = MqttClient.create(vertx, new MqttClientOptions()
      .setClientId("bench-probe-" + UUID.randomUUID().toString().substring(0, 8)).setCleanSession(true)
      .setMaxMessageSize(256 * 1024));
    subscriber.publishHandler(message -> {
      if (message.topicName().equals(DROPPED)) {
        brokerDropped = Long.parseLong(message.payload().toString().trim());
      } else {
        onTelemetry(message, prefix);
      }
    });
    await(subscriber.connect(mqttPort, mqttHost)
      .compose(ack -> subscriber.subscribe(Map.of("devices/+/telemetry", 0, DROPPED, 0))));
    // let every device be seen once, so that the gap count starts from a known seq
    Thread.sleep(3000);

    long startAsked = System.nanoTime();
    JsonObject start = await(stateSum(http, token, prefix, null, 0, 0, 0));
    long startAt = (startAsked + System.nanoTime()) / 2;
    long droppedAtStart = brokerDropped;
    String[] polled = new String[sampled];
    long[] lastPolledSeq = new long[sampled];
    Arrays.fill(lastPolledSeq, -1);
    long t0 = System.nanoTime();
    synchronized (this) {
      inWindow = true;
    }
    // sample devices spread over the fleet's ids, seen by the subscriber
    String[] known;
    synchronized (this) {
      known = seqs.keySet().stream().sorted().toArray(String[]::new);
    }
    for (int i = 0; i < sampled && known.length > 0; i++) {
      polled[i] = known[(int) ((long) i * known.length / sampled)];
    }
    long timer = vertx.setPeriodic(pollMs, id -> {
      for (int i = 0; i < sampled; i++) {
        int k = i;
        if (polled[k] == null) {
          continue;
        }
        http.get("/api/v1/devices/" + polled[k]).bearerTokenAuthentication(token).send().onSuccess(response -> {
          if (response.statusCode() != 200) {
            return;
          }
          JsonObject telemetry = response.bodyAsJsonObject().getJsonObject("telemetry");
          if (telemetry == null) {
            return;
          }
          long seq = telemetry.getLong("seq");
          if (seq > lastPolledSeq[k]) {
            if (lastPolledSeq[k] >= 0) {
              long delay = System.currentTimeMillis() - Instant.parse(telemetry.getString("ts")).toEpochMilli();
              synchronized (this) {
                if (stateLatencies == stateLatencyMs.length) {
                  stateLatencyMs = Arrays.copyOf(stateLatencyMs, stateLatencies * 2);
                }
                stateLatencyMs[stateLatencies++] = (int) delay;
              }
            }
            lastPolledSeq[k] = seq;
          }
        });
      }
    });
    Thread.sleep(seconds * 1000L);
    vertx.cancelTimer(timer);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long delivered;
    synchronized (this) {
      inWindow = false;
      delivered = windowReceived;
    }
    long droppedAtEnd = brokerDropped;
    long endAsked = System.nanoTime();
    JsonObject end = await(stateSum(http, token, prefix, null, 0, 0, 0));
    // the fleet's seq sum was read over a few requests: time it from the middle of each reading
    double stateSeconds = ((endAsked + System.nanoTime()) / 2 - startAt) / 1e9;

    long gaps = 0;
    long duplicates = 0;
    int devices;
    int[] broker;
    int[] state;
    synchronized (this) {
      for (long[] s : seqs.values()) {
        gaps += s[1];
        duplicates += s[2];
      }
      devices = seqs.size();
      broker = Arrays.copyOf(brokerLatencyMs, brokerLatencies);
      state = Arrays.copyOf(stateLatencyMs, stateLatencies);
    }
    Arrays.sort(broker);
    Arrays.sort(state);
    double stateRate = (end.getLong("seq_sum") - start.getLong("seq_sum")) / stateSeconds;
    JsonObject result = new JsonObject()
      .put("window_s", Math.round(elapsed * 10) / 10.0)
      .put("subscriber", new JsonObject()
        .put("devices_seen", devices)
        .put("delivered_per_s", Math.round(delivered / elapsed))
        .put("received_total", received)
        .put("seq_gaps", gaps)
        .put("seq_duplicates_or_reordered", duplicates)
        .put("loss_pct", received + gaps == 0 ? 0 : Math.round(1e6 * gaps / (double) (received + gaps)) / 1e4)
        .put("broker_latency_ms", percentiles(broker)))
      .put("broker_dropped_in_window", droppedAtStart < 0 || droppedAtEnd < 0 ? null : droppedAtEnd - droppedAtStart)
      .put("node", new JsonObject()
        .put("devices_with_telemetry", end.getInteger("with_telemetry"))
        .put("devices_online", end.getInteger("online"))
        .put("state_seq_advance_per_s", Math.round(stateRate))
        .put("state_latency_ms_upper_bound", percentiles(state).put("poll_ms", pollMs).put("sampled_devices", sampled)));
    System.out.println(result.encode());
    subscriber.disconnect();
    vertx.close();
  }

  private void onTelemetry(MqttPublishMessage message, String prefix) {
    long now = System.currentTimeMillis();
    String topic = message.topicName();
    String device = topic.substring("devices/".length(), topic.length() - "/telemetry".length());
    if (!device.startsWith(prefix)) {
      return;
    }
    String payload = message.payload().toString();
    long seq = longAfter(payload, "\"seq\":");
    int tsAt = payload.indexOf("\"ts\":\"") + 6;
    long ts = Instant.parse(payload.substring(tsAt, payload.indexOf('"', tsAt))).toEpochMilli();
    synchronized (this) {
      received++;
      long[] s = seqs.computeIfAbsent(device, d -> new long[] {seq - 1, 0, 0});
      if (seq > s[0] + 1) {
        s[1] += seq - s[0] - 1;
      } else if (seq <= s[0]) {
        s[2]++;
      }
      s[0] = Math.max(s[0], seq);
      if (inWindow) {
        windowReceived++;
        if (brokerLatencies == brokerLatencyMs.length) {
          brokerLatencyMs = Arrays.copyOf(brokerLatencyMs, brokerLatencies * 2);
        }
        brokerLatencyMs[brokerLatencies++] = (int) (now - ts);
      }
    }
  }

  /** The fleet's state as the node sees it: sum of the latest seq, devices with telemetry, devices online. */
  private Future<JsonObject> stateSum(WebClient http, String token, String prefix, String cursor, long sum,
                                      int withTelemetry, int online) {
    var request = http.get("/api/v1/devices").addQueryParam("limit", "1000").bearerTokenAuthentication(token);
    if (cursor != null) {
      request.addQueryParam("cursor", cursor);
    }
    return request.send().compose(response -> {
      if (response.statusCode() != 200) {
        return Future.failedFuture("GET /api/v1/devices answered " + response.statusCode() + ": " + response.bodyAsString());
      }
      JsonObject page = response.bodyAsJsonObject();
      long s = sum;
      int w = withTelemetry;
      int o = online;
      JsonArray items = page.getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        JsonObject device = items.getJsonObject(i);
        if (!device.getString("device_id").startsWith(prefix)) {
          continue;
        }
        if (Boolean.TRUE.equals(device.getBoolean("online"))) {
          o++;
        }
        JsonObject telemetry = device.getJsonObject("telemetry");
        if (telemetry != null) {
          w++;
          s += telemetry.getLong("seq");
        }
      }
      String next = page.getString("next_cursor");
      return next == null || items.isEmpty()
        ? Future.succeededFuture(new JsonObject().put("seq_sum", s).put("with_telemetry", w).put("online", o))
        : stateSum(http, token, prefix, next, s, w, o);
    });
  }

  private static JsonObject percentiles(int[] sorted) {
    JsonObject p = new JsonObject().put("count", sorted.length);
    if (sorted.length > 0) {
      p.put("p50", sorted[(int) (0.50 * (sorted.length - 1))])
        .put("p99", sorted[(int) (0.99 * (sorted.length - 1))])
        .put("max", sorted[sorted.length - 1]);
    }
    return p;
  }

  private static long longAfter(String text, String key) {
    int at = text.indexOf(key) + key.length();
    long value = 0;
    while (at < text.length() && Character.isDigit(text.charAt(at))) {
      value = value * 10 + (text.charAt(at++) - '0');
    }
    return value;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
