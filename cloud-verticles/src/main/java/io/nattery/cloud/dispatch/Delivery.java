package io.nattery.cloud.dispatch;

import io.nattery.cloud.Addresses;
import io.nattery.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * Hands schedules and commands to the node's broker link ({@link Addresses#MQTT_PUBLISH}) and records that the
 * broker took them. A failure leaves the row due, so the redelivery job tries again.
 */
public final class Delivery {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);

  private final Vertx vertx;
  private final long ackTimeoutMs;

  public Delivery(Vertx vertx, long ackTimeoutMs) {
    this.vertx = vertx;
    this.ackTimeoutMs = ackTimeoutMs;
  }

  /** Retained at QoS 1 on {@code devices/{id}/schedule}: a device that reconnects finds its latest schedule. */
  public Future<Void> schedule(ScheduleStore store, JsonObject schedule) {
    return publish(Topics.schedule(schedule.getString("device_id")), schedule, true)
      .compose(v -> store.delivered(schedule.getString("schedule_id"), ackTimeoutMs));
  }

  /** At QoS 1, not retained, on {@code devices/{id}/commands}: the device's persistent session keeps it. */
  public Future<Void> command(CommandStore store, JsonObject command) {
    return publish(Topics.commands(command.getString("device_id")), command, false)
      .compose(v -> store.delivered(command.getString("command_id")));
  }

  private Future<Void> publish(String topic, JsonObject payload, boolean retain) {
    JsonObject request = new JsonObject().put("topic", topic).put("payload", payload.encode()).put("qos", 1)
      .put("retain", retain);
    return vertx.eventBus().request(Addresses.MQTT_PUBLISH, request, LOCAL).mapEmpty();
  }
}
