package io.nattery.edge.modbus;

import io.nattery.edge.Addresses;
import io.nattery.protocol.Contract;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.MessageConsumerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.function.Function;

/**
 * The only way to the inverter. Deployed as a WORKER with one instance: Vert.x never runs a worker
 * verticle on two threads at once, so with one consumer the requests go on the wire strictly one after
 * the other, in the order they arrived. A second consumer on the address would round-robin requests
 * onto a second link, so start() refuses when one already exists in this Vert.x instance.
 * Config: {@code device_id}, {@code modbus: {transport, host, port, unit_id, timeout_ms,
 * reconnect_initial_ms, reconnect_max_ms}}.
 */
public final class ModbusWorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ModbusWorkerVerticle.class);
  /** Local map of address -> claim token, one per Vert.x instance. */
  static final String CLAIMS_MAP = "nattery.edge.modbus.consumers";

  private final Function<JsonObject, ModbusTransport> transportFactory;
  private final ModbusCounters counters = new ModbusCounters();
  private final String claimToken = UUID.randomUUID().toString();
  private String deviceId;
  private String address;
  private ModbusTransport transport;
  private MessageConsumer<Object> consumer;
  private boolean claimed;
  private boolean everConnected;
  private long reconnectInitialMs;
  private long reconnectMaxMs;
  private long backoffMs;
  private long nextConnectAtMs;

  public ModbusWorkerVerticle() {
    this(ModbusTransports::fromConfig);
  }

  /** With another transport (RTU, or a test double of the device). */
  public ModbusWorkerVerticle(Function<JsonObject, ModbusTransport> transportFactory) {
    this.transportFactory = transportFactory;
  }

  @Override
  public Future<?> start() {
    deviceId = config().getString("device_id");
    if (!Contract.isValidDeviceId(deviceId)) {
      return Future.failedFuture(new IllegalArgumentException("device_id missing or invalid: " + deviceId));
    }
    if (!context.isWorkerContext()) {
      return Future.failedFuture(new IllegalStateException("[device: " + deviceId
          + "] the Modbus worker must be deployed with ThreadingModel.WORKER"));
    }
    address = Addresses.modbusRequest(deviceId);
    LocalMap<String, String> claims = vertx.sharedData().getLocalMap(CLAIMS_MAP);
    String holder = claims.putIfAbsent(address, claimToken);
    if (holder != null) {
      return Future.failedFuture(new IllegalStateException("[device: " + deviceId + "] a Modbus worker already consumes "
          + address + "; a second one would round-robin requests onto a second link"));
    }
    claimed = true;
    JsonObject modbus = config().getJsonObject("modbus", new JsonObject());
    reconnectInitialMs = modbus.getLong("reconnect_initial_ms", 500L);
    reconnectMaxMs = modbus.getLong("reconnect_max_ms", 10_000L);
    backoffMs = reconnectInitialMs;
    try {
      transport = transportFactory.apply(modbus);
    } catch (RuntimeException e) {
      release();
      return Future.failedFuture(e);
    }
    // a device that is off at boot must not stop the edge: the first requests retry the link
    try {
      connectNow();
    } catch (ModbusFailure e) {
      LOG.warn("[device: {}] Modbus link not up at start, retrying on demand: {}", deviceId, e.getMessage());
    }
    consumer = vertx.eventBus().consumer(new MessageConsumerOptions().setAddress(address).setLocalOnly(true), this::handle);
    return consumer.completion().onSuccess(v -> LOG.info("[device: {}] Modbus worker on {} serving {}",
        deviceId, transport.describe(), address));
  }

  @Override
  public Future<?> stop() {
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.eventually(() -> {
      if (transport != null) {
        transport.close();
      }
      release();
      LOG.info("[device: {}] Modbus worker stopped: {}", deviceId, counters.toJson().encode());
      return Future.succeededFuture();
    });
  }

  private void release() {
    if (claimed) {
      vertx.sharedData().<String, String>getLocalMap(CLAIMS_MAP).removeIfPresent(address, claimToken);
      claimed = false;
    }
  }

  private void handle(Message<Object> message) {
    if (!(message.body() instanceof JsonObject request)) {
      counters.badRequest();
      message.fail(ModbusFailure.BAD_REQUEST, "request must be a JSON object with an 'op'");
      return;
    }
    String op = request.getValue("op") instanceof String text ? text : "";
    try {
      switch (op) {
        case "read" -> read(message, request);
        case "write" -> write(message, request);
        case "stats" -> message.reply(counters.toJson());
        default -> badRequest(message, "unknown op '" + op + "' (expected read, write or stats)");
      }
    } catch (ModbusFailure | RuntimeException caught) {
      // anything j2mod throws unexpectedly is an I/O failure of this request: answered, counted, link reset
      ModbusFailure failure = caught instanceof ModbusFailure f ? f : ModbusFailure.io("unexpected failure: " + caught, caught);
      counters.failed(failure);
      if (failure.linkSuspect()) {
        // a late reply or half a frame may still sit on the link: start the next request on a fresh one
        transport.close();
      }
      if (counters.errors() == 1 || counters.errors() % 100 == 0) {
        LOG.warn("[device: {}] Modbus request failed ({} errors so far): {}", deviceId, counters.errors(), failure.getMessage());
      }
      message.fail(failure.failureCode(), failure.getMessage());
    }
  }

  private void read(Message<Object> message, JsonObject request) throws ModbusFailure {
    Integer start = intField(request, "address");
    Integer count = intField(request, "count");
    if (start == null || count == null || start < 0 || count < 1 || count > 125 || start + count > 0x10000) {
      badRequest(message, "read needs integer 'address' (0..65535) and 'count' (1..125) within the address space");
      return;
    }
    ensureConnected();
    long t0 = System.nanoTime();
    int[] words = transport.readHoldingRegisters(start, count);
    counters.ok(System.nanoTime() - t0);
    JsonArray registers = new JsonArray();
    for (int word : words) {
      registers.add(word);
    }
    message.reply(new JsonObject().put("registers", registers));
  }

  private void write(Message<Object> message, JsonObject request) throws ModbusFailure {
    Integer start = intField(request, "address");
    JsonArray values = request.getValue("values") instanceof JsonArray array ? array : null;
    if (start == null || values == null || start < 0 || values.isEmpty() || values.size() > 123 || start + values.size() > 0x10000) {
      badRequest(message, "write needs integer 'address' (0..65535) and 'values' (1..123 words) within the address space");
      return;
    }
    int[] words = new int[values.size()];
    for (int i = 0; i < words.length; i++) {
      Object value = values.getValue(i);
      if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0 || ((Number) value).longValue() > 0xFFFF) {
        badRequest(message, "values[" + i + "] is not a 16-bit word (0..65535): " + value);
        return;
      }
      words[i] = ((Number) value).intValue();
    }
    ensureConnected();
    long t0 = System.nanoTime();
    transport.writeRegisters(start, words);
    counters.ok(System.nanoTime() - t0);
    message.reply(new JsonObject().put("written", words.length));
  }

  private void badRequest(Message<Object> message, String text) {
    counters.badRequest();
    message.fail(ModbusFailure.BAD_REQUEST, text);
  }

  private static Integer intField(JsonObject request, String key) {
    Object value = request.getValue(key);
    return value instanceof Integer || value instanceof Long ? ((Number) value).intValue() : null;
  }

  /** Opens the link if needed, but not more often than the backoff allows, so a dead device costs no connect timeout per poll. */
  private void ensureConnected() throws ModbusFailure {
    if (transport.isConnected()) {
      return;
    }
    long now = System.currentTimeMillis();
    if (now < nextConnectAtMs) {
      throw ModbusFailure.notConnected("not connected to " + transport.describe() + "; next attempt in "
          + (nextConnectAtMs - now) + " ms", null);
    }
    connectNow();
  }

  private void connectNow() throws ModbusFailure {
    try {
      transport.connect();
    } catch (ModbusFailure failure) {
      nextConnectAtMs = System.currentTimeMillis() + backoffMs;
      backoffMs = Math.min(backoffMs * 2, reconnectMaxMs);
      throw failure;
    }
    if (everConnected) {
      counters.reconnected();
      LOG.info("[device: {}] Modbus link to {} reopened", deviceId, transport.describe());
    }
    everConnected = true;
    backoffMs = reconnectInitialMs;
    nextConnectAtMs = 0;
  }
}
