package io.nattery.edge.modbus;

import io.nattery.edge.EdgeService;
import io.nattery.edge.Addresses;
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

import java.util.Comparator;
import java.util.UUID;
import java.util.function.Function;

/**
 * The only way to the inverter. Deployed as a WORKER with one instance: Vert.x never runs a worker
 * verticle on two threads at once, so with one consumer the requests go on the wire strictly one after
 * the other, in the order they arrived. A second consumer on the address would round-robin requests
 * onto a second link, so start() refuses when one already exists in this Vert.x instance.
 * Requests marked {@code "priority":"command"} jump the queue, so a command waits for at most the
 * transaction already on the wire.
 * Config: {@code device_id}, {@code modbus: {transport, host, port | serial_port, baud, ..., unit_id,
 * timeout_ms, reconnect_initial_ms, reconnect_max_ms, retries (2), retry_backoff_ms (50),
 * device_backoff_after (3 failed requests), device_backoff_initial_ms (500), device_backoff_max_ms (2000)}}.
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
  private String dispatcherId;
  private io.vertx.core.Context workerContext;
  private boolean claimed;
  private boolean everConnected;
  private long reconnectInitialMs;
  private long reconnectMaxMs;
  private long backoffMs;
  private long nextConnectAtMs;
  private int retries;
  private long retryBackoffMs;
  private int deviceBackoffAfter;
  private long deviceBackoffInitialMs;
  private long deviceBackoffMaxMs;
  private long deviceBackoffMs;
  private long deviceBackoffUntilMs;
  private int consecutiveFailures;
  private boolean failing;
  private final java.util.concurrent.atomic.AtomicLong arrivals = new java.util.concurrent.atomic.AtomicLong();
  /** Waiting requests, commands first, then by arrival. Filled on the dispatcher's event loop, drained by the worker. */
  private final java.util.concurrent.PriorityBlockingQueue<Queued> queue = new java.util.concurrent.PriorityBlockingQueue<>(11,
      Comparator.comparing((Queued q) -> !q.urgent()).thenComparingLong(Queued::arrival));

  public ModbusWorkerVerticle() {
    this(ModbusTransports::fromConfig);
  }

  /** With another transport (RTU, or a test double of the device). */
  public ModbusWorkerVerticle(Function<JsonObject, ModbusTransport> transportFactory) {
    this.transportFactory = transportFactory;
  }

  @Override
  public Future<?> start() {
    deviceId = EdgeService.requireDeviceId(config()); // a bad one fails the deployment
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
    retries = modbus.getInteger("retries", 2);
    retryBackoffMs = modbus.getLong("retry_backoff_ms", 50L);
    deviceBackoffAfter = modbus.getInteger("device_backoff_after", 3);
    deviceBackoffInitialMs = modbus.getLong("device_backoff_initial_ms", 500L);
    deviceBackoffMaxMs = modbus.getLong("device_backoff_max_ms", 2000L);
    deviceBackoffMs = deviceBackoffInitialMs;
    if (retries < 0 || retryBackoffMs < 0 || deviceBackoffAfter < 1 || deviceBackoffInitialMs < 0 || deviceBackoffMaxMs < deviceBackoffInitialMs) {
      release();
      return Future.failedFuture(new IllegalArgumentException("[device: " + deviceId
          + "] modbus.retries, retry_backoff_ms >= 0, device_backoff_after >= 1, device_backoff_max_ms >= device_backoff_initial_ms"));
    }
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
    workerContext = context;
    // the consumer lives on an event loop, so requests reach the priority queue while a transaction blocks this thread
    return vertx.deployVerticle(new Dispatcher(address, this::handle)).onSuccess(id -> dispatcherId = id)
        .onSuccess(v -> LOG.info("[device: {}] Modbus worker on {} serving {}",
        deviceId, transport.describe(), address));
  }

  @Override
  public Future<?> stop() {
    // the dispatcher is a child deployment: Vert.x undeploys it (and so the consumer) before this stop()
    Future<Void> unregistered = Future.succeededFuture();
    return unregistered.eventually(() -> {
      if (transport != null) {
        transport.close();
      }
      release();
      LOG.info("[device: {}] Modbus worker stopped: {}", deviceId, counters.toJson(transport == null ? 0 : transport.bytesSent(), transport == null ? 0 : transport.bytesReceived(), queue.size()).encode());
      return Future.succeededFuture();
    });
  }

  private void release() {
    if (claimed) {
      vertx.sharedData().<String, String>getLocalMap(CLAIMS_MAP).removeIfPresent(address, claimToken);
      claimed = false;
    }
  }

  /**
   * Called on the dispatcher's event loop for every request as it arrives: queues it and gives the worker
   * one turn. Turns run on the worker context one at a time, in order, and each takes the most urgent
   * request waiting, so a command that arrived while a poll was on the wire goes out next, before any
   * poll queued earlier.
   */
  private void handle(Message<Object> message) {
    boolean urgent = message.body() instanceof JsonObject request && "command".equals(request.getValue("priority"));
    queue.add(new Queued(message, urgent, arrivals.getAndIncrement()));
    workerContext.runOnContext(v -> serveNext());
  }

  /** Owns the address's one local consumer, on an event loop. */
  private static final class Dispatcher extends VerticleBase {
    private final String address;
    private final java.util.function.Consumer<Message<Object>> onRequest;

    Dispatcher(String address, java.util.function.Consumer<Message<Object>> onRequest) {
      this.address = address;
      this.onRequest = onRequest;
    }

    @Override
    public Future<?> start() {
      MessageConsumer<Object> consumer = vertx.eventBus().consumer(
          new MessageConsumerOptions().setAddress(address).setLocalOnly(true), onRequest::accept);
      return consumer.completion();
    }
  }

  private void serveNext() {
    Queued next = queue.poll();
    if (next != null) {
      serve(next.message(), next.urgent());
    }
  }

  private void serve(Message<Object> message, boolean urgent) {
    if (!(message.body() instanceof JsonObject request)) {
      counters.badRequest();
      message.fail(ModbusFailure.BAD_REQUEST, "request must be a JSON object with an 'op'");
      return;
    }
    String op = request.getValue("op") instanceof String text ? text : "";
    // a command must never reach the device after it expired, however long it queued
    if (request.getValue("expires_at_ms") instanceof Number expiresAt && System.currentTimeMillis() >= expiresAt.longValue()) {
      message.fail(ModbusFailure.EXPIRED, "expired before it reached the device");
      return;
    }
    if (urgent) {
      counters.command();
    }
    try {
      switch (op) {
        case "read" -> read(message, request);
        case "write" -> write(message, request);
        case "stats" -> message.reply(counters.toJson(transport.bytesSent(), transport.bytesReceived(), queue.size()));
        default -> badRequest(message, "unknown op '" + op + "' (expected read, write or stats)");
      }
    } catch (ModbusFailure failure) {
      message.fail(failure.failureCode(), failure.getMessage());
    }
  }

  /**
   * One request with its retries: a failure that may pass (timeout, CRC, busy, lost link) is retried up
   * to {@code retries} times after {@code retry_backoff_ms}, doubling; each failed attempt is counted. A
   * device that keeps failing is then left alone for a while (device backoff) instead of being hammered.
   */
  private <T> T attempt(Transaction<T> transaction) throws ModbusFailure {
    long now = System.currentTimeMillis();
    if (now < deviceBackoffUntilMs) {
      throw ModbusFailure.notConnected("device " + transport.describe() + " backed off after " + consecutiveFailures
          + " failed requests; next attempt in " + (deviceBackoffUntilMs - now) + " ms", null);
    }
    long pause = retryBackoffMs;
    for (int attempt = 0; ; attempt++) {
      try {
        ensureConnected();
        long t0 = System.nanoTime();
        T result = transaction.run();
        counters.ok(System.nanoTime() - t0);
        if (failing) {
          failing = false;
          LOG.info("[device: {}] Modbus answering again after {} failed requests ({} errors so far)", deviceId,
              consecutiveFailures, counters.errors());
        }
        consecutiveFailures = 0;
        deviceBackoffMs = deviceBackoffInitialMs;
        return result;
      } catch (ModbusFailure | RuntimeException caught) {
        // anything j2mod throws unexpectedly is an I/O failure of this request: answered, counted, link reset
        ModbusFailure failure = caught instanceof ModbusFailure f ? f : ModbusFailure.io("unexpected failure: " + caught, caught);
        if (failure.kind() != ModbusFailure.Kind.NOT_CONNECTED) {
          counters.failed(failure);
          // a late reply or half a frame may still be on the way: the next request starts on a clean line
          transport.recover(failure);
        }
        // the first failure after a success is a warning; an outage is not logged every poll
        if (!failing) {
          failing = true;
          LOG.warn("[device: {}] Modbus request failed ({} errors so far): {}", deviceId, counters.errors(), failure.getMessage());
        } else {
          LOG.debug("[device: {}] Modbus request failed again: {}", deviceId, failure.getMessage());
        }
        if (!failure.retryable() || attempt >= retries) {
          if (failure.kind() != ModbusFailure.Kind.EXCEPTION_RESPONSE && ++consecutiveFailures >= deviceBackoffAfter) {
            deviceBackoffUntilMs = System.currentTimeMillis() + deviceBackoffMs;
            counters.backedOff();
            if (consecutiveFailures == deviceBackoffAfter) {
              LOG.warn("[device: {}] {} requests failed in a row, leaving the device alone for {}..{} ms at a time",
                  deviceId, consecutiveFailures, deviceBackoffMs, deviceBackoffMaxMs);
            }
            deviceBackoffMs = Math.min(deviceBackoffMs * 2, deviceBackoffMaxMs);
          }
          throw failure;
        }
        counters.retried();
        sleep(pause);
        pause *= 2;
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @FunctionalInterface
  private interface Transaction<T> {
    T run() throws ModbusFailure;
  }

  private record Queued(Message<Object> message, boolean urgent, long arrival) {
  }

  private void read(Message<Object> message, JsonObject request) throws ModbusFailure {
    Integer start = intField(request, "address");
    Integer count = intField(request, "count");
    if (start == null || count == null || start < 0 || count < 1 || count > 125 || start + count > 0x10000) {
      badRequest(message, "read needs integer 'address' (0..65535) and 'count' (1..125) within the address space");
      return;
    }
    int[] words = attempt(() -> transport.readHoldingRegisters(start, count));
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
    attempt(() -> {
      transport.writeRegisters(start, words);
      return words.length;
    });
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
