package io.nattery.cloud.cli;

import io.nattery.cloud.CloudNode;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.NodeProcess;
import io.nattery.cloud.Samples;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./nattery tail} against a running {@code ./nattery cloud} node: one JSON line per message with a glob
 * expanded to the bridge's fleet-wide address, printed with the device's own address; the node crashes and comes
 * back, and tail carries on by itself; the token never shows in its output.
 */
class TailIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String DATABASE = "nattery_it_tail_" + RUN;
  private static final String DEVICE = "it-tail-" + RUN;
  private static final String PASSWORD = "tail-it-" + RUN;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void tailPrintsJsonLinesAndCarriesOnWhenTheNodeRestarts() throws Exception {
    LocalServices.require("PostgreSQL", "127.0.0.1", 5432);
    LocalServices.require("Mosquitto", LocalServices.mqttHost(), LocalServices.mqttPort());
    Vertx vertx = Vertx.vertx();
    NodeProcess node = null;
    NodeProcess tail = null;
    MqttClient device = null;
    AtomicLong seq = new AtomicLong();
    long publishing = -1;
    try {
      // given a node with a device and an operator, and its configuration on disk (the JWT key stays the same)
      await(LocalServices.createDatabase(vertx, DATABASE));
      await(CloudNode.migrate(vertx, LocalServices.postgres(DATABASE)));
      Pool pool = Database.pool(vertx, LocalServices.postgres(DATABASE));
      await(pool.preparedQuery("INSERT INTO devices (device_id, site) VALUES ($1, 'it')").execute(Tuple.of(DEVICE)));
      await(new UserStore(pool).save("operator", new PasswordHasher().hash(PASSWORD), Role.OPERATOR));
      await(pool.close());
      int port = LocalServices.freePort();
      JsonObject config = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("mqtt", new JsonObject().put("host", LocalServices.mqttHost()).put("port", LocalServices.mqttPort())
          .put("client_id", "it-tail-" + RUN).put("share_group", "it-tail-" + RUN).put("shared_subscription", true)
          .put("clean_session", true))
        .put("postgres", LocalServices.postgres(DATABASE))
        .put("jwt", new JsonObject().put("secret", "it-secret-of-at-least-32-bytes-" + RUN));
      Path conf = Files.createTempFile("nattery-tail-it", ".json");
      Files.writeString(conf, config.encodePrettily());
      node = NodeProcess.start("cloud", "--conf", conf.toString());
      node.awaitOutput("API listening", 90_000);
      WebClient http = WebClient.create(vertx);
      String token = await(http.post(port, "127.0.0.1", "/api/v1/auth/token")
        .sendJsonObject(new JsonObject().put("username", "operator").put("password", PASSWORD)))
        .bodyAsJsonObject().getString("access_token");

      // and a device publishing telemetry every 200 ms
      device = MqttClient.create(vertx, new MqttClientOptions().setClientId("it-tail-dev-" + RUN));
      await(device.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
      MqttClient publisher = device;
      publishing = vertx.setPeriodic(200, id -> publisher.publish(Topics.telemetry(DEVICE),
        Samples.telemetry(DEVICE, seq.getAndIncrement(), 50).toJson().toBuffer(), MqttQoS.AT_MOST_ONCE, false, false));

      // when tail follows every device's telemetry and the fleet summary
      tail = NodeProcess.start("tail", "--url", "http://127.0.0.1:" + port, "--token", token,
        "device.*.telemetry", "fleet.summary");

      // then it prints one JSON line per message, the device's telemetry under its own address
      NodeProcess tailing = tail;
      JsonObject line = awaitLine(tailing, l -> l.getString("address").equals("device." + DEVICE + ".telemetry"));
      assertEquals(Set.of("address", "ts", "body"), line.fieldNames());
      Instant.parse(line.getString("ts"));
      assertEquals(DEVICE, line.getJsonObject("body").getString("device_id"));
      awaitLine(tailing, l -> l.getString("address").equals("fleet.summary"));

      // when the node crashes and comes back on the same port
      node.crash();
      long lastBefore = seq.get();
      tail.awaitOutput("reconnecting", 30_000);
      node = NodeProcess.start("cloud", "--conf", conf.toString());
      node.awaitOutput("API listening", 90_000);

      // then tail carries on with samples sent after the restart
      awaitLine(tailing, l -> l.getString("address").equals("device." + DEVICE + ".telemetry")
        && l.getJsonObject("body").getLong("seq") > lastBefore);
      assertTrue(tail.output().stream().filter(l -> l.contains("connected to")).count() >= 2,
        "tail did not say it connected again:\n" + String.join("\n", tail.output()));
      String signature = token.substring(token.lastIndexOf('.') + 1);
      assertFalse(tail.output().stream().anyMatch(l -> l.contains(signature)), "tail printed the token");
    } finally {
      if (publishing >= 0) {
        vertx.cancelTimer(publishing);
      }
      if (tail != null) {
        tail.close();
      }
      if (node != null) {
        node.close();
      }
      if (device != null && device.isConnected()) {
        await(device.disconnect());
      }
      await(LocalServices.dropDatabase(vertx, DATABASE));
      await(vertx.close());
    }
  }

  /** The first JSON line of tail's output (after those seen so far) that passes the test, within 30 s. */
  private static JsonObject awaitLine(NodeProcess tail, java.util.function.Predicate<JsonObject> wanted)
    throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      List<String> lines = tail.output();
      for (String l : lines) {
        if (l.startsWith("{")) {
          JsonObject json = new JsonObject(l);
          if (wanted.test(json)) {
            return json;
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no such line from tail in 30 s:\n" + String.join("\n", tail.output()));
  }
}
