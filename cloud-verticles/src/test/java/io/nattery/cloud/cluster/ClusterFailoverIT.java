package io.nattery.cloud.cluster;

import io.nattery.cloud.CloudNode;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.NodeProcess;
import io.nattery.cloud.Samples;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.demo.EmbeddedQuestDb;
import io.nattery.cloud.history.HistoryReads;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two cloud nodes in two JVMs, clustered over Hazelcast and sharing the broker's subscriptions, writing to one
 * QuestDB (in this JVM). Both take a share of the telemetry; when one crashes the other takes all of it within
 * 5 s and the once-per-cluster jobs move to it; once the crashed node is back, every sample published is in
 * the store: nothing the cloud acknowledged is lost, and what the crashed node held unacknowledged comes back.
 */
class ClusterFailoverIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String DATABASE = "nattery_it_" + RUN;
  private static final int DEVICES = 20;
  private static final long PUBLISH_EVERY_MS = 10;

  private static Vertx vertx;
  private static EmbeddedQuestDb questDb;
  private static Pool quest;
  private static MqttClient publisher;
  private static WebClient http;
  private static final Path[] conf = new Path[2];
  private static final int[] port = new int[2];
  private static final NodeProcess[] node = new NodeProcess[2];
  /** Every sample the broker took from us, as {@code device/seq}. */
  private static final Set<String> published = ConcurrentHashMap.newKeySet();
  private static final AtomicLong seq = new AtomicLong();
  private static long publishing = -1;

  @BeforeAll
  static void start() throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    LocalServices.require("Mosquitto", LocalServices.mqttHost(), LocalServices.mqttPort());
    vertx = Vertx.vertx();
    await(LocalServices.createDatabase(vertx, DATABASE));
    questDb = new EmbeddedQuestDb();
    quest = HistoryReads.pool(vertx, questDb.historyConfig().getJsonObject("pg"));
    for (int i = 0; i < 2; i++) {
      port[i] = LocalServices.freePort();
      JsonObject config = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port[i]))
        .put("mqtt", new JsonObject().put("host", LocalServices.mqttHost()).put("port", LocalServices.mqttPort())
          .put("client_id", "it-cluster-" + RUN + "-" + i).put("share_group", "it-" + RUN)
          .put("shared_subscription", true))
        .put("postgres", LocalServices.postgres(DATABASE))
        .put("jwt", new JsonObject().put("secret", "it-secret-of-at-least-32-bytes-" + RUN))
        .put("history", questDb.historyConfig().put("flush_interval_ms", 100))
        .put("prices", new JsonObject().put("source", "synthetic").put("zones", new JsonArray().add("DE_LU")))
        .put("cluster", new JsonObject().put("name", "it-" + RUN).put("members", new JsonArray().add("127.0.0.1")));
      conf[i] = Files.createTempFile("nattery-cluster-it", ".json");
      Files.writeString(conf[i], config.encodePrettily());
    }
    // the registry holds the devices before the nodes start, so that both know them from the first message
    await(CloudNode.migrate(vertx, LocalServices.postgres(DATABASE)));
    Pool pg = Database.pool(vertx, LocalServices.postgres(DATABASE));
    for (int d = 0; d < DEVICES; d++) {
      await(pg.preparedQuery("INSERT INTO devices (device_id, site) VALUES ($1, 'it')")
        .execute(Tuple.of(device(d))));
    }
    await(pg.close());
    node[0] = startNode(0);
    node[0].awaitOutput("now runs nattery.singleton.price-fetcher", 60_000);
    node[1] = startNode(1);
    node[1].awaitOutput("Members {size:2", 60_000);
    http = WebClient.create(vertx);
    publisher = MqttClient.create(vertx, new MqttClientOptions().setClientId("it-cluster-pub-" + RUN)
      .setMaxInflightQueue(1000));
    await(publisher.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
  }

  private static NodeProcess startNode(int i) throws Exception {
    NodeProcess started = NodeProcess.start("cloud", "--conf", conf[i].toString(), "--cluster");
    started.awaitOutput("API listening", 90_000);
    return started;
  }

  private static String device(int d) {
    return "it-cl-" + RUN + "-" + d;
  }

  @AfterAll
  static void stop() throws Exception {
    if (publishing >= 0) {
      vertx.cancelTimer(publishing);
    }
    for (NodeProcess n : node) {
      if (n != null) {
        n.close();
      }
    }
    if (vertx != null) {
      Vertx cleanup = vertx;
      for (int i = 0; i < 2; i++) { // the nodes' sessions are persistent: end them
        MqttClient purge = MqttClient.create(cleanup, new MqttClientOptions()
          .setClientId("it-cluster-" + RUN + "-" + i).setCleanSession(true));
        await(purge.connect(LocalServices.mqttPort(), LocalServices.mqttHost()).compose(a -> purge.disconnect()));
      }
      await(LocalServices.dropDatabase(cleanup, DATABASE));
      await(cleanup.close());
    }
    if (questDb != null) {
      questDb.close();
    }
  }

  @Test
  void bothNodesTakeAShareAndTheSurvivorTakesAllOfItWithNothingAcknowledgedLost() throws Exception {
    // given telemetry flowing at QoS 1, as a replaying edge sends it
    publishing = vertx.setPeriodic(PUBLISH_EVERY_MS, t -> publishOne());
    poll(() -> accepted(0) > 20 && accepted(1) > 20, 20_000,
      () -> "both nodes should take a share: " + accepted(0) + " / " + accepted(1));

    // when the node that runs the once-per-cluster jobs crashes
    node[0].crash();
    Instant crashed = Instant.now();
    // (a node without the lock tries again every singleton_retry_s, 10 s by default for the price fetcher)
    node[1].awaitOutput("now runs nattery.singleton.price-fetcher", 15_000);
    long movedMs = java.time.Duration.between(crashed, Instant.now()).toMillis();

    node[1].awaitOutput("draining its broker session", 10_000);

    // then what is published from 5 s after the crash on is all stored by the survivor
    Thread.sleep(5_000); // the window the issue allows for taking over; not a wait for a condition
    long from = seq.get();
    Thread.sleep(3_000);
    long to = seq.get();
    vertx.cancelTimer(publishing);
    publishing = -1;
    Set<String> afterTakeover = new HashSet<>();
    published.stream().filter(k -> {
      long s = Long.parseLong(k.substring(k.lastIndexOf('/') + 1));
      return s >= from && s < to;
    }).forEach(afterTakeover::add);
    poll(() -> stored().containsAll(afterTakeover), 20_000,
      () -> "the survivor did not store everything published from 5 s after the crash on");
    System.out.println("singletons moved " + movedMs + " ms after the crash; " + afterTakeover.size()
      + " samples published from 5 s after it all stored by the survivor");

    // and once the crashed node is back, what its session held comes back too: nothing published is lost
    node[0] = startNode(0);
    poll(() -> stored().containsAll(published), 60_000, () -> {
      Set<String> missing = new HashSet<>(published);
      missing.removeAll(stored());
      return missing.size() + " of " + published.size() + " published samples are not in the store: " + missing;
    });
  }

  private static void publishOne() {
    long s = seq.getAndIncrement();
    String deviceId = device((int) (s % DEVICES));
    JsonObject sample = Samples.telemetry(deviceId, s, 50).toJson().put("ts", Instant.now().toString());
    publisher.publish(Topics.telemetry(deviceId), sample.toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false)
      .onSuccess(id -> published.add(deviceId + "/" + s));
  }

  /** {@code device/seq} of every sample in the store. */
  private static Set<String> stored() {
    try {
      Set<String> keys = new HashSet<>();
      for (Row row : await(quest.query("SELECT device_id, seq FROM telemetry WHERE device_id LIKE 'it-cl-"
        + RUN + "-%'").execute())) {
        keys.add(row.getString("device_id") + "/" + row.getLong("seq"));
      }
      return keys;
    } catch (Exception e) {
      return Set.of();
    }
  }

  /** Samples node {@code i} accepted so far, from its metrics. */
  private static long accepted(int i) {
    try {
      String text = await(http.get(port[i], "127.0.0.1", "/metrics").send()).bodyAsString();
      return metricSum(text, "nattery_ingest_messages_total");
    } catch (Exception e) {
      return -1;
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Checks the condition every 200 ms until it holds; fails with the message after {@code timeoutMs}. */
  private static void poll(java.util.function.BooleanSupplier condition, long timeoutMs,
                           java.util.function.Supplier<String> message) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(message.get());
      }
      Thread.sleep(200);
    }
  }

  /** The sum of a counter's samples over all its labels in Prometheus text; 0 when absent. */
  static long metricSum(String text, String name) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return (long) sum;
  }
}
