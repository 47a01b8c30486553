package io.nattery.cloud.registry;

import io.nattery.cloud.LocalServices;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.cli.NatteryCli;
import io.nattery.cloud.prices.LogCapture;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttConnectionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Devices provisioned by REST on a node, the broker's files written from the registry by {@code nattery
 * broker-files}, and a private Mosquitto (the installed 2.0 binary, on a free port, with only those files) that
 * confines each device to its own topics. Every negative check is followed, on the same connection, by a message
 * that must arrive, so the forbidden one would have arrived first.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrokerAclIT {

  private static final String CLOUD_LOGIN = "nattery-cloud";
  private static TestNode node;
  private static Path work;
  private static Process broker;
  private static int brokerPort;
  private static Vertx clients;
  private static final List<Probe> probes = new ArrayList<>();
  private static String cloudSecret;
  private static String a;
  private static String b;
  private static String passwordA;
  private static String passwordB;
  private static String admin;
  private static Path conf;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("nattery-broker-it");
    cloudSecret = "cloud-" + System.nanoTime() + "-secret";
    Path secretFile = work.resolve("cloud_mqtt_password");
    Files.writeString(secretFile, cloudSecret + "\n");
    // the node logs in to the shared test broker (which takes any login) with the secret the files are made from,
    // and writes its own copy of the files after each provisioning
    node = TestNode.create(config -> {
      config.getJsonObject("mqtt").put("username", CLOUD_LOGIN).put("password_file", secretFile.toString());
      config.put("broker_files", new JsonObject().put("dir", work.resolve("node").toString())
        .put("acl_template", "../conf/mosquitto/acl.template"));
    }).deploy();
    admin = node.token(Role.ADMIN);
    a = "it-acl-a-" + node.run;
    b = "it-acl-b-" + node.run;
    passwordA = provision(a);
    passwordB = provision(b);
    conf = work.resolve("cloud.json");
    Files.writeString(conf, new JsonObject()
      .put("postgres", LocalServices.postgres(node.database))
      .put("mqtt", new JsonObject().put("username", CLOUD_LOGIN).put("password_file", secretFile.toString()))
      .put("broker_files", new JsonObject().put("acl_template", "../conf/mosquitto/acl.template")).encode());
    // the broker runs on the files of the CLI
    JsonObject summary = brokerFiles();
    assertEquals(3, summary.getInteger("logins"), summary.encode());
    Path brokerDir = work.resolve("broker");

    brokerPort = LocalServices.freePort();
    Path brokerConf = work.resolve("mosquitto.conf");
    Files.writeString(brokerConf, String.join("\n",
      "listener " + brokerPort + " 127.0.0.1",
      "allow_anonymous false",
      "password_file " + brokerDir.resolve("passwords"),
      "acl_file " + brokerDir.resolve("acl"),
      "persistence false",
      // run as whoever runs the test, so that its 0600 password file is readable (as root Mosquitto would
      // otherwise switch to the 'mosquitto' user)
      "user " + System.getProperty("user.name"),
      "log_type all", ""));
    broker = new ProcessBuilder("mosquitto", "-c", brokerConf.toString())
      .redirectErrorStream(true).redirectOutput(work.resolve("mosquitto.log").toFile()).start();
    waitForPort(brokerPort);
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      for (Probe probe : probes) {
        probe.client.disconnect();
      }
      if (clients != null) {
        await(clients.close());
      }
    } finally {
      if (broker != null) {
        broker.destroy();
        broker.waitFor(10, TimeUnit.SECONDS);
      }
      try {
        if (node != null) {
          node.close();
        }
      } finally {
        // the cloud's secret sits in a file here: removed even when closing the node fails
        if (work != null) {
          try (var files = Files.walk(work)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(file);
            }
          }
        }
      }
    }
  }

  /** {@code nattery broker-files --conf cloud.json --out broker}: its summary line. */
  private static JsonObject brokerFiles() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new NatteryCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
      .execute("broker-files", "--conf", conf.toString(), "--out", work.resolve("broker").toString());
    assertEquals(0, exit, err.toString());
    return new JsonObject(out.toString().strip());
  }

  private static String provision(String id) throws Exception {
    HttpResponse<Buffer> created = await(node.http.post("/api/v1/devices").bearerTokenAuthentication(admin)
      .sendJsonObject(new JsonObject().put("device_id", id).put("site", "site-" + node.run)
        .put("model", "generic-hybrid").put("rated_power_kw", 5.0).put("capacity_kwh", 10.0)));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    return created.bodyAsJsonObject().getJsonObject("mqtt").getString("password");
  }

  private static void waitForPort(int port) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (!broker.isAlive() || System.currentTimeMillis() > deadline) {
          throw new AssertionError("the private Mosquitto did not start: "
            + Files.readString(work.resolve("mosquitto.log")));
        }
        Thread.sleep(50);
      }
    }
  }

  @Test
  void aDeviceWritesAndReadsOnlyItsOwnTopicsAndTheCloudsSharedSubscriptionGetsItsTelemetry() throws Exception {
    Probe cloud = Probe.connect(CLOUD_LOGIN, cloudSecret);
    Probe deviceA = Probe.connect(a, passwordA);
    Probe deviceB = Probe.connect(b, passwordB);
    assertEquals(List.of(1), cloud.subscribe(Map.of("$share/nattery/devices/+/telemetry", 1)));
    // Mosquitto 2.0 grants a subscription to another device's topics and then delivers nothing from it
    deviceA.subscribe(Map.of("devices/" + a + "/commands", 1, "devices/" + b + "/commands", 1,
      "devices/" + a + "/schedule", 1));
    deviceB.subscribe(Map.of("devices/" + b + "/commands", 1));

    // given A publishes as B and then as itself, the cloud gets A's own message first and B's never
    deviceA.publish("devices/" + b + "/telemetry", "forged-by-a", false);
    deviceA.publish("devices/" + a + "/telemetry", "own-telemetry", false);
    assertEquals(new Message("devices/" + a + "/telemetry", "own-telemetry"), cloud.next());

    // given the cloud sends B a command and then A one, A gets its own only; B gets its own (so it was sent)
    cloud.publish("devices/" + b + "/commands", "command-for-b", false);
    cloud.publish("devices/" + a + "/commands", "command-for-a", false);
    assertEquals(new Message("devices/" + a + "/commands", "command-for-a"), deviceA.next());
    assertEquals(new Message("devices/" + b + "/commands", "command-for-b"), deviceB.next());

    // given A writes its own schedule (acknowledged, so routed) before the cloud does, A reads only the cloud's
    deviceA.publish("devices/" + a + "/schedule", "schedule-forged-by-a", true);
    cloud.publish("devices/" + a + "/schedule", "schedule-from-cloud", true);
    assertEquals(new Message("devices/" + a + "/schedule", "schedule-from-cloud"), deviceA.next());

    // nothing else arrived anywhere
    for (Probe probe : List.of(cloud, deviceA, deviceB)) {
      assertNull(probe.received.poll(300, TimeUnit.MILLISECONDS));
    }
    String log = Files.readString(work.resolve("mosquitto.log"));
    assertTrue(log.contains("Denied PUBLISH") && log.contains("devices/" + b + "/telemetry"), log);
  }

  @Test
  void aWrongPasswordAnotherDevicesPasswordAndAnonymousClientsAreRefused() throws Exception {
    assertRefused(a, "not-the-password");
    assertRefused(a, passwordB);
    assertRefused(null, null);
    assertRefused(CLOUD_LOGIN, passwordA);
    assertNotNull(Probe.connect(a, passwordA), "the right password is let in");
  }

  @Test
  void aDeviceProvisionedLaterIsLetInOnceTheFilesAreWrittenAgainAndTheBrokerReloaded() throws Exception {
    String c = "it-acl-c-" + node.run;
    Path passwords = work.resolve("broker/passwords");
    try (LogCapture logs = new LogCapture()) {
      String passwordC = provision(c);
      // the node wrote its own copy after the provisioning (broker_files.dir)
      await(node.waitFor(() -> node.vertx.executeBlocking(() -> Files.readString(work.resolve("node/passwords"))),
        text -> text.contains("\n" + c + ":$7$")));
      kill("-HUP", broker.pid());
      assertRefused(c, passwordC);

      brokerFiles();
      kill("-HUP", broker.pid());

      await(node.waitFor(() -> Probe.tryConnect(c, passwordC), connected -> connected));
      String text = Files.readString(passwords);
      assertTrue(text.startsWith(CLOUD_LOGIN + ":$7$"), "the cloud's login first");
      assertTrue(text.contains("\n" + a + ":$7$") && text.contains("\n" + b + ":$7$"));
      assertFalse(text.contains(passwordC) || text.contains(cloudSecret), "only hashes in the file");
      assertTrue(logs.lines().stream().noneMatch(line -> line.contains(passwordC) || line.contains(cloudSecret)),
        "a secret reached a log");
      assertTrue(logs.lines().stream().anyMatch(line -> line.contains("broker files written")),
        logs.lines().toString());
    }
    assertNotNull(Probe.connect(a, passwordA), "the devices let in before are still let in");
  }

  @Test
  void withoutTheCloudsSecretTheCliExits1NamingTheSettingAndWritesNothing() throws Exception {
    Path badConf = work.resolve("cloud-without-secret.json");
    Files.writeString(badConf, new JsonObject(Files.readString(conf)).put("mqtt", new JsonObject()
      .put("username", CLOUD_LOGIN).put("password_env", "NATTERY_IT_UNSET_" + node.run)).encode());
    StringWriter err = new StringWriter();
    Path out = work.resolve("not-written");

    int exit = new CommandLine(new NatteryCli()).setOut(new PrintWriter(new StringWriter(), true))
      .setErr(new PrintWriter(err, true)).execute("broker-files", "--conf", badConf.toString(), "--out", out.toString());

    assertEquals(1, exit);
    assertTrue(err.toString().contains("password_env"), err.toString());
    assertFalse(Files.exists(out.resolve(BrokerFiles.PASSWORDS)));
    assertEquals(2, new CommandLine(new NatteryCli()).setErr(new PrintWriter(new StringWriter(), true))
      .execute("broker-files", "--conf", badConf.toString()), "no --out and no broker_files.dir");
  }

  private static void assertRefused(String username, String password) throws Exception {
    ExecutionException refused = assertThrows(ExecutionException.class, () -> Probe.connect(username, password));
    MqttConnectionException cause = assertInstanceOf(MqttConnectionException.class, refused.getCause());
    assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, cause.code());
  }

  private static void kill(String signal, long pid) throws Exception {
    assertEquals(0, new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor());
  }

  record Message(String topic, String payload) {
  }

  /** One MQTT 3.1.1 connection that records what it receives and waits for SUBACKs and PUBACKs. */
  static final class Probe {
    final MqttClient client;
    final LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final Map<Integer, CompletableFuture<List<Integer>>> subAcks = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<Void>> pubAcks = new ConcurrentHashMap<>();

    private Probe(String username, String password) {
      client = MqttClient.create(clients, new MqttClientOptions().setUsername(username).setPassword(password)
        .setClientId("it-acl-" + System.nanoTime()).setCleanSession(true));
      client.publishHandler(m -> received.add(new Message(m.topicName(), m.payload().toString())));
      client.subscribeCompletionHandler(ack -> subAcks.computeIfAbsent(ack.messageId(),
        id -> new CompletableFuture<>()).complete(ack.grantedQoSLevels()));
      client.publishCompletionHandler(id -> pubAcks.computeIfAbsent(id, i -> new CompletableFuture<>())
        .complete(null));
    }

    static Probe connect(String username, String password) throws Exception {
      Probe probe = new Probe(username, password);
      probe.client.connect(brokerPort, "127.0.0.1").toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
      probes.add(probe);
      return probe;
    }

    static io.vertx.core.Future<Boolean> tryConnect(String username, String password) {
      Probe probe = new Probe(username, password);
      return probe.client.connect(brokerPort, "127.0.0.1").map(ack -> {
        probes.add(probe);
        return true;
      }).otherwise(false);
    }

    /** Subscribes and waits for the SUBACK: the granted QoS of each filter. */
    List<Integer> subscribe(Map<String, Integer> filters) throws Exception {
      int id = await(client.subscribe(filters));
      return subAcks.computeIfAbsent(id, i -> new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
    }

    /** Publishes at QoS 1 and waits for the PUBACK (Mosquitto acknowledges a denied publish too). */
    void publish(String topic, String payload, boolean retain) throws Exception {
      int id = await(client.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, retain));
      pubAcks.computeIfAbsent(id, i -> new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
    }

    Message next() throws InterruptedException {
      Message message = received.poll(10, TimeUnit.SECONDS);
      if (message == null) {
        throw new AssertionError("nothing received in 10 s");
      }
      return message;
    }
  }
}
