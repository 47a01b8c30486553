package io.nattery.cloud.bridge;

import io.nattery.cloud.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Publishes what this node ingested on the per-device bridge addresses: each sample on {@code device.{id}.telemetry}
 * and {@code device.*.telemetry}, status and condition changes on {@code device.{id}.state} and
 * {@code device.*.state}. Only while a bridge client on some node listens to the address (the bridges announce it
 * on {@link Addresses#BRIDGE_INTEREST}): a fleet of 10,000 devices that nobody watches puts nothing on the
 * clustered bus, and one watched device costs one message per sample to the nodes that watch it.
 */
public class DeviceFeedVerticle extends VerticleBase {

  /** A node whose bridge has not announced its interest for this long is gone (it announces every 5 s). */
  private static final long INTEREST_TTL_MS = 3 * EventBusBridge.ANNOUNCE_EVERY_MS;

  private record Announced(Set<String> addresses, long at) {
  }

  private final Map<String, Announced> byNode = new HashMap<>();
  private Set<String> wanted = Set.of();

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    vertx.setPeriodic(INTEREST_TTL_MS, id -> expire());
    return Future.all(List.of(
      bus.<JsonObject>consumer(Addresses.BRIDGE_INTEREST, this::onInterest).completion(),
      bus.<JsonObject>localConsumer(Addresses.TELEMETRY_ACCEPTED, this::onTelemetry).completion(),
      bus.<JsonObject>localConsumer(Addresses.STATUS_ACCEPTED, this::onStatus).completion(),
      bus.<JsonObject>localConsumer(Addresses.DEVICE_CONDITION, this::onCondition).completion()));
  }

  private void onTelemetry(Message<JsonObject> message) {
    String id = message.body().getString("device_id");
    publish(BridgeAddresses.telemetry(id), message.body());
    publish(BridgeAddresses.telemetry(BridgeAddresses.ANY_DEVICE), message.body());
  }

  private void onStatus(Message<JsonObject> message) {
    JsonObject status = message.body();
    state(status.getString("device_id"), new JsonObject().put("device_id", status.getString("device_id"))
      .put("ts", status.getString("ts")).put("online", status.getBoolean("online")));
  }

  /** Offline, inverter fault, communication errors beginning or ending ({@link Addresses#DEVICE_CONDITION}). */
  private void onCondition(Message<JsonObject> message) {
    JsonObject condition = message.body();
    String id = condition.getString("device_id");
    if (id == null) {
      return; // a zone's condition (stale prices), not a device's
    }
    JsonObject state = new JsonObject().put("device_id", id).put("ts", condition.getString("at"))
      .put("condition", new JsonObject().put("type", condition.getString("type"))
        .put("code", condition.getString("code")).put("severity", condition.getString("severity"))
        .put("active", condition.getBoolean("active")).put("detail", condition.getString("detail")));
    if ("device_offline".equals(condition.getString("type"))) {
      state.put("online", !condition.getBoolean("active"));
    }
    state(id, state);
  }

  private void state(String deviceId, JsonObject state) {
    publish(BridgeAddresses.state(deviceId), state);
    publish(BridgeAddresses.state(BridgeAddresses.ANY_DEVICE), state);
  }

  private void publish(String address, JsonObject body) {
    if (wanted.contains(address)) {
      vertx.eventBus().publish(address, body);
    }
  }

  private void onInterest(Message<JsonObject> message) {
    JsonArray addresses = message.body().getJsonArray("addresses", new JsonArray());
    Set<String> set = new HashSet<>();
    addresses.forEach(a -> set.add(String.valueOf(a)));
    byNode.put(message.body().getString("node"), new Announced(set, System.currentTimeMillis()));
    merge();
  }

  private void expire() {
    long oldest = System.currentTimeMillis() - INTEREST_TTL_MS;
    if (byNode.values().removeIf(a -> a.at() < oldest)) {
      merge();
    }
  }

  private void merge() {
    Set<String> merged = new HashSet<>();
    byNode.values().forEach(a -> merged.addAll(a.addresses()));
    wanted = merged;
  }
}
