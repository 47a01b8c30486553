package io.nattery.edge;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A second MQTT client on the test broker (Mosquitto on localhost; NATTERY_TEST_MQTT_HOST/PORT) that
 * records what it receives and lets a test wait for it.
 */
public final class MqttProbe {
  private final MqttClient client;
  private final List<MqttPublishMessage> received = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(Predicate<MqttPublishMessage> filter, int count, Promise<List<MqttPublishMessage>> promise) {
  }

  private MqttProbe(MqttClient client) {
    this.client = client;
  }

  public static String host() {
    return env("NATTERY_TEST_MQTT_HOST", "127.0.0.1");
  }

  public static int port() {
    return Integer.parseInt(env("NATTERY_TEST_MQTT_PORT", "1883"));
  }

  /** Fails with the broker's name when nothing listens where it should. */
  public static void requireBroker() {
    try (Socket ignored = new Socket(host(), port())) {
      // reachable
    } catch (IOException e) {
      throw new IllegalStateException("MQTT broker (Mosquitto) is not reachable at " + host() + ":" + port()
          + " (start it, or run .ci/run which starts it)");
    }
  }

  /** Connects and subscribes at QoS 1. */
  public static Future<MqttProbe> subscribe(Vertx vertx, String filter) {
    MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId("probe-" + UUID.randomUUID()).setCleanSession(true));
    MqttProbe probe = new MqttProbe(client);
    client.publishHandler(probe::onMessage);
    return client.connect(port(), host())
        .compose(ack -> client.subscribe(filter, MqttQoS.AT_LEAST_ONCE.value()))
        .map(id -> probe);
  }

  /** Completes when {@code count} messages matching the filter have arrived (counting those already here). */
  public Future<List<MqttPublishMessage>> await(Predicate<MqttPublishMessage> filter, int count) {
    Waiter waiter = new Waiter(filter, count, Promise.promise());
    List<MqttPublishMessage> matching;
    synchronized (this) {
      matching = matches(waiter);
      if (matching == null) {
        waiters.add(waiter);
      }
    }
    if (matching != null) {
      waiter.promise().complete(matching);
    }
    return waiter.promise().future();
  }

  public Future<MqttPublishMessage> await(Predicate<MqttPublishMessage> filter) {
    return await(filter, 1).map(list -> list.get(0));
  }

  public synchronized List<MqttPublishMessage> received() {
    return List.copyOf(received);
  }

  public Future<Void> close() {
    return client.disconnect();
  }

  /** Removes a retained message, so that tests leave the shared broker as they found it. */
  public Future<Void> clearRetained(String topic) {
    return client.publish(topic, Buffer.buffer(), MqttQoS.AT_LEAST_ONCE, false, true).mapEmpty();
  }

  private void onMessage(MqttPublishMessage message) {
    List<Runnable> completions = new ArrayList<>();
    synchronized (this) {
      received.add(message);
      waiters.removeIf(waiter -> {
        List<MqttPublishMessage> matching = matches(waiter);
        if (matching != null) {
          completions.add(() -> waiter.promise().complete(matching));
        }
        return matching != null;
      });
    }
    // outside the lock and the iteration: a completion may register the next waiter
    completions.forEach(Runnable::run);
  }

  private List<MqttPublishMessage> matches(Waiter waiter) {
    List<MqttPublishMessage> matching = received.stream().filter(waiter.filter()).toList();
    return matching.size() >= waiter.count() ? matching.subList(0, waiter.count()) : null;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
