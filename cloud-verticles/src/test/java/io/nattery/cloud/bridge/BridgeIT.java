package io.nattery.cloud.bridge;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.LocalServices;
import io.nattery.cloud.Samples;
import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.Tokens;
import io.nattery.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SockJS bridge of a node against the real PostgreSQL, Redis and Mosquitto, through its raw WebSocket endpoint
 * as {@code tail} uses it: who may register what, that nothing goes inbound, and that a client that stops reading
 * is cut off while the others get every message.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BridgeIT {

  private static final int MAX_SUBSCRIPTIONS = 4;
  private static final int MAX_BUFFERED = 256 * 1024;
  private static TestNode node;
  private static Vertx clients;
  private static WebSocketClient sockets;
  private static URI base;
  private static String viewer;
  private static String operator;
  private static String device;

  @BeforeAll
  static void start() throws Exception {
    int[] port = new int[1];
    JsonObject[] nodeConfig = new JsonObject[1];
    node = TestNode.create(config -> {
      nodeConfig[0] = config;
      port[0] = config.getJsonObject("http").getInteger("port");
      config.put("bridge", new JsonObject()
        .put("max_subscriptions", MAX_SUBSCRIPTIONS).put("max_buffered_bytes", MAX_BUFFERED));
    });
    device = "it-bridge-" + node.run;
    await(node.pool.preparedQuery("INSERT INTO devices (device_id, site) VALUES ($1, 'site-it')")
      .execute(Tuple.of(device)));
    clients = Vertx.vertx();
    sockets = BridgeClient.webSockets(clients);
    warmUp(nodeConfig[0]);
    node.deploy();
    viewer = node.token(Role.VIEWER);
    operator = node.token(Role.OPERATOR);
    base = URI.create("http://127.0.0.1:" + port[0]);
  }

  /**
   * Loads the bridge's classes (SockJS, WebSocket, JWT) in this JVM before the node is watched for blocked event
   * loops, as its own start-up is not: a throwaway bridge with the node's configuration, one refused and one
   * accepted registration.
   */
  private static void warmUp(JsonObject config) throws Exception {
    Router router = Router.router(node.vertx);
    new EventBusBridge().mount(node.vertx, router, null, config);
    HttpServer server = await(node.vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    try {
      String token = new Tokens(node.vertx, config.getJsonObject("jwt")).issue("warm-up", Role.VIEWER);
      List<JsonObject> frames = new CopyOnWriteArrayList<>();
      BridgeClient client = await(BridgeClient.connect(clients, sockets,
        URI.create("http://127.0.0.1:" + server.actualPort()), token, frames::add, v -> { }));
      await(client.sendRaw(new JsonObject().put("type", "register").put("address", BridgeAddresses.ALERTS)));
      await(client.register(BridgeAddresses.ALERTS));
      long deadline = System.currentTimeMillis() + 10_000;
      while (frames.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      node.vertx.eventBus().publish(BridgeAddresses.ALERTS, new JsonObject().put("warm", true));
      Thread.sleep(200);
      await(client.close());
    } finally {
      await(server.close());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (clients != null) {
      await(clients.close());
    }
    if (node != null) {
      node.close();
    }
  }

  /** A bridge connection that keeps every frame it gets. */
  private static final class Probe {
    final List<JsonObject> frames = new CopyOnWriteArrayList<>();
    final AtomicBoolean closed = new AtomicBoolean();
    BridgeClient client;

    static Probe open(String token) throws Exception {
      return open(token, sockets);
    }

    static Probe open(String token, WebSocketClient through) throws Exception {
      Probe probe = new Probe();
      probe.client = await(BridgeClient.connect(clients, through, base, token, probe.frames::add,
        v -> probe.closed.set(true)));
      return probe;
    }

    List<JsonObject> received(String address) {
      return frames.stream().filter(f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address")))
        .toList();
    }

    JsonObject awaitFrame(Predicate<JsonObject> wanted, String what) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 15_000;
      while (System.currentTimeMillis() < deadline) {
        for (JsonObject frame : frames) {
          if (wanted.test(frame)) {
            return frame;
          }
        }
        Thread.sleep(50);
      }
      throw new AssertionError("no " + what + " in 15 s; frames: " + frames);
    }

    JsonObject awaitError(String address) throws InterruptedException {
      return awaitFrame(f -> "err".equals(f.getString("type")) && address.equals(f.getString("address")),
        "error frame for " + address);
    }
  }

  @Test
  void aRegisterWithoutATokenOrWithABadOneIsRefused() throws Exception {
    // given a connection without a token, and one with a token signed by another key
    Probe anonymous = Probe.open(null);
    Probe forged = Probe.open(operator.substring(0, operator.lastIndexOf('.') + 1) + "bm90LXRoZS1zaWduYXR1cmU");

    // when both ask for the fleet summary
    await(anonymous.client.register(BridgeAddresses.FLEET_SUMMARY));
    await(forged.client.register(BridgeAddresses.FLEET_SUMMARY));

    // then both are refused with an error frame, and never get a summary the node publishes meanwhile
    assertEquals(401, anonymous.awaitError(BridgeAddresses.FLEET_SUMMARY).getInteger("failureCode"));
    JsonObject refusal = forged.awaitError(BridgeAddresses.FLEET_SUMMARY);
    assertEquals(401, refusal.getInteger("failureCode"));
    assertFalse(refusal.encode().contains(operator.substring(operator.lastIndexOf('.'))), "the token is echoed");
    Probe allowed = Probe.open(viewer);
    await(allowed.client.register(BridgeAddresses.FLEET_SUMMARY));
    allowed.awaitFrame(f -> "rec".equals(f.getString("type")), "fleet summary for a viewer");
    assertTrue(anonymous.received(BridgeAddresses.FLEET_SUMMARY).isEmpty());
    assertTrue(forged.received(BridgeAddresses.FLEET_SUMMARY).isEmpty());
  }

  @Test
  void aViewerGetsTheirAddressesButNotTheFleetWideStreamNorInternalOnes() throws Exception {
    // given a viewer and an operator, each asking for the fleet-wide telemetry stream and the device's own
    Probe viewerProbe = Probe.open(viewer);
    Probe operatorProbe = Probe.open(operator);
    String all = BridgeAddresses.telemetry(BridgeAddresses.ANY_DEVICE);
    String one = BridgeAddresses.telemetry(device);
    for (Probe probe : List.of(viewerProbe, operatorProbe)) {
      await(probe.client.register(all));
      await(probe.client.register(one));
    }
    await(viewerProbe.client.register(Addresses.TELEMETRY_ACCEPTED));
    JsonObject denied = viewerProbe.awaitError(all);
    assertEquals(403, denied.getInteger("failureCode"));
    assertEquals("access_denied", denied.getString("failureType"));
    assertEquals(403, viewerProbe.awaitError(Addresses.TELEMETRY_ACCEPTED).getInteger("failureCode"));
    // and a viewer may not publish to anything
    await(viewerProbe.client.sendRaw(new JsonObject().put("type", "publish").put("address", BridgeAddresses.ALERTS)
      .put("body", new JsonObject()).put("headers", new JsonObject().put("authorization", "Bearer " + operator))));
    assertEquals("inbound_refused", viewerProbe.awaitError(BridgeAddresses.ALERTS).getString("failureType"));

    // when the device sends telemetry until both clients' feeds are live
    MqttClient mqtt = MqttClient.create(clients, new MqttClientOptions().setClientId("it-bridge-dev-" + node.run));
    await(mqtt.connect(LocalServices.mqttPort(), LocalServices.mqttHost()));
    long seq = 0;
    long deadline = System.currentTimeMillis() + 20_000;
    while ((operatorProbe.received(all).isEmpty() || viewerProbe.received(one).isEmpty())
      && System.currentTimeMillis() < deadline) {
      await(mqtt.publish(Topics.telemetry(device), Samples.telemetry(device, seq++, 50).toJson().toBuffer(),
        MqttQoS.AT_LEAST_ONCE, false, false));
      Thread.sleep(200);
    }
    await(mqtt.disconnect());

    // then the operator gets the fleet-wide stream, the viewer the device's own address and never the stream
    assertFalse(operatorProbe.received(all).isEmpty(), "the operator got no fleet-wide telemetry");
    assertEquals(device, operatorProbe.received(all).get(0).getJsonObject("body").getString("device_id"));
    assertFalse(viewerProbe.received(one).isEmpty(), "the viewer got none of the device's telemetry");
    assertTrue(viewerProbe.received(all).isEmpty(), "a viewer received the fleet-wide stream");
    assertTrue(viewerProbe.received(Addresses.TELEMETRY_ACCEPTED).isEmpty());
  }

  @Test
  void subscriptionsPastTheLimitAreRefused() throws Exception {
    Probe greedy = Probe.open(viewer);
    List<String> addresses = List.of(BridgeAddresses.FLEET_SUMMARY, BridgeAddresses.ALERTS,
      BridgeAddresses.PRICES_UPDATED, BridgeAddresses.SCHEDULES_STATUS, BridgeAddresses.telemetry(device));
    for (String address : addresses) {
      await(greedy.client.register(address));
    }
    JsonObject refusal = greedy.awaitError(addresses.get(MAX_SUBSCRIPTIONS));
    assertEquals("too_many_subscriptions", refusal.getString("failureType"));
    assertEquals(1, greedy.frames.stream().filter(f -> "err".equals(f.getString("type"))
      && f.containsKey("address")).count(), "only the one past the limit is refused: " + greedy.frames);
  }

  @Test
  void aClientThatStopsReadingIsCutOffAndTheOthersGetEverything() throws Exception {
    // given a client that stops reading (with a small receive buffer, so that its kernel holds little of what
    // the node writes) and one that reads, both on alerts
    Probe stalled = Probe.open(viewer, clients.createWebSocketClient(new WebSocketClientOptions()
      .setReceiveBufferSize(4096)));
    Probe reader = Probe.open(viewer);
    await(stalled.client.register(BridgeAddresses.ALERTS));
    await(reader.client.register(BridgeAddresses.ALERTS));
    // registered once each gets a marker (a register has no answer of its own)
    long ready = System.currentTimeMillis() + 10_000;
    while ((stalled.received(BridgeAddresses.ALERTS).isEmpty() || reader.received(BridgeAddresses.ALERTS).isEmpty())
      && System.currentTimeMillis() < ready) {
      node.vertx.eventBus().publish(Addresses.ALERTS, new JsonObject().put("marker", true));
      Thread.sleep(50);
    }
    stalled.client.pause();

    // when 1,000 messages of 8 KB are published on alerts, 200 a second (8 MB: more than the node's socket buffer,
    // at most 4 MB here, and the stalled client's can hold)
    String padding = "x".repeat(8 * 1024);
    int published = 1000;
    for (int n = 0; n < published; n++) {
      node.vertx.eventBus().publish(Addresses.ALERTS, new JsonObject().put("n", n).put("padding", padding));
      Thread.sleep(5);
    }

    // then the reader got every message and is still connected
    long until = System.currentTimeMillis() + 15_000;
    while (numbered(reader).size() < published && System.currentTimeMillis() < until) {
      Thread.sleep(50);
    }
    assertEquals(published, numbered(reader).size());
    assertFalse(reader.closed.get(), "the reader was cut off too");
    // and the stalled client, reading again, finds itself cut off with only part of them
    stalled.client.resume();
    until = System.currentTimeMillis() + 15_000;
    while (!stalled.closed.get() && System.currentTimeMillis() < until) {
      Thread.sleep(50);
    }
    assertTrue(stalled.closed.get(), "the stalled client was not cut off");
    int got = numbered(stalled).size();
    assertTrue(got < published, "the stalled client got all " + got + " messages");
    for (int i = 0; i < published; i++) {
      assertEquals(i, numbered(reader).get(i).getJsonObject("body").getInteger("n"));
    }
  }

  /** The numbered alerts a probe got, without the markers. */
  private static List<JsonObject> numbered(Probe probe) {
    return probe.received(BridgeAddresses.ALERTS).stream().filter(f -> f.getJsonObject("body").containsKey("n")).toList();
  }
}
