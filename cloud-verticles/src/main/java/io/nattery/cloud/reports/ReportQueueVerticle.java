package io.nattery.cloud.reports;

import com.rabbitmq.client.AMQP;
import io.nattery.cloud.Addresses;
import io.nattery.cloud.db.Database;
import io.nattery.protocol.config.Secrets;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.rabbitmq.QueueOptions;
import io.vertx.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQConsumer;
import io.vertx.rabbitmq.RabbitMQMessage;
import io.vertx.rabbitmq.RabbitMQOptions;
import io.vertx.rabbitmq.RabbitMQPublisher;
import io.vertx.rabbitmq.RabbitMQPublisherOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The path of acks, execution reports and command results from ingestion into PostgreSQL. Ingestion asks
 * {@link Addresses#DEVICE_REPORT} and acknowledges the MQTT message once answered. With a {@code rabbitmq}
 * block the answer comes once RabbitMQ confirmed the report on the durable queue {@code queue} (persistent
 * messages), and every node drains the queue into PostgreSQL, acknowledging each message once it is stored;
 * while PostgreSQL is down the reports wait in the queue (and, up to the prefetch, unacknowledged here, retried
 * with backoff), so none is lost and, stored idempotently, none is recorded twice. A report that cannot be placed
 * (an unknown schedule or command, or not JSON) is rejected to the dead-letter queue {@code queue + ".dead"}.
 * Without {@code rabbitmq} (the demo) reports go straight to PostgreSQL and the MQTT ack waits for that.
 */
public class ReportQueueVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ReportQueueVerticle.class);
  private static final long MAX_RETRY_MS = 5_000;
  /** Reports stored in one round trip per kind, at most. */
  private static final int BATCH = 200;
  /** How long a report waits for others to join its batch. */
  private static final long LINGER_MS = 5;

  private Pool pool;
  private ReportRecorder recorder;
  private RabbitMQClient client;
  private RabbitMQPublisher publisher;
  private String queue;
  private int prefetch;
  private RabbitMQConsumer consumer;
  private long watchdog = -1;
  private boolean stopping;
  private final List<Queued> batch = new ArrayList<>();
  private long lingerTimer = -1;
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  @Override
  public Future<?> start() {
    // a pool of its own: a backlog of reports never makes the API or device state wait for a connection
    JsonObject postgres = config().getJsonObject("postgres", new JsonObject()).copy()
      .put("pool_size", config().getJsonObject("rabbitmq", new JsonObject()).getInteger("pool_size", 2));
    pool = Database.pool(vertx, postgres, Database.poolDefaults(), "nattery-reports");
    recorder = new ReportRecorder(vertx, pool);
    vertx.eventBus().<JsonObject>localConsumer(Addresses.REPORTS_STATS, m -> {
      JsonObject stats = new JsonObject().put("mode", client == null ? "direct" : "rabbitmq");
      counts.forEach((k, v) -> stats.put(k, v.get()));
      m.reply(stats);
    });
    JsonObject rabbit = config().getJsonObject("rabbitmq");
    if (rabbit == null) {
      vertx.eventBus().<JsonObject>localConsumer(Addresses.DEVICE_REPORT, this::recordDirectly);
      return Future.succeededFuture();
    }
    queue = rabbit.getString("queue", "nattery.device-reports");
    prefetch = rabbit.getInteger("prefetch", 256);
    RabbitMQOptions options = new RabbitMQOptions()
      .setHost(rabbit.getString("host", "127.0.0.1"))
      .setPort(rabbit.getInteger("port", 5672))
      .setUser(rabbit.getString("user", "guest"))
      .setVirtualHost(rabbit.getString("vhost", "/"))
      .setConnectionName("nattery-reports")
      .setAutomaticRecoveryEnabled(false)
      .setReconnectAttempts(Integer.MAX_VALUE)
      .setReconnectInterval(1_000);
    String password = Secrets.resolve(rabbit, "password");
    options.setPassword(password == null ? "guest" : password);
    client = RabbitMQClient.create(vertx, options);
    // (re)declared on every connection: idempotent
    client.addConnectionEstablishedCallback(promise -> declare().onComplete(promise));
    // made before the client starts: it adds a connection callback of its own
    publisher = RabbitMQPublisher.create(vertx, client, new RabbitMQPublisherOptions()
      .setReconnectAttempts(Integer.MAX_VALUE).setReconnectInterval(1_000).setMaxInternalQueueSize(20_000));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.DEVICE_REPORT, this::enqueue);
    // the node may start while RabbitMQ is down; the client reconnects, the watchdog consumes once it is up
    watchdog = vertx.setPeriodic(1_000, t -> ensureConsuming());
    return client.start()
      .compose(v -> publisher.start())
      .compose(v -> consume())
      .recover(e -> {
        LOG.warn("RabbitMQ is not reachable yet; reports wait in the broker until it is: {}", e.getMessage());
        return Future.succeededFuture();
      });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (watchdog >= 0) {
      vertx.cancelTimer(watchdog);
    }
    Future<?> closing = Future.succeededFuture();
    if (publisher != null) {
      closing = publisher.stop().otherwiseEmpty().timeout(5, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
    }
    if (client != null) {
      closing = closing.compose(v -> client.stop().timeout(5, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty());
    }
    return closing.compose(v -> pool.close());
  }

  private Future<Void> declare() {
    String dead = queue + ".dead";
    JsonObject args = new JsonObject()
      .put("x-dead-letter-exchange", "")
      .put("x-dead-letter-routing-key", dead);
    return client.queueDeclare(dead, true, false, false)
      .compose(ok -> client.queueDeclare(queue, true, false, false, args))
      .compose(ok -> client.basicQos(prefetch))
      .mapEmpty();
  }

  private void ensureConsuming() {
    if (stopping) {
      return;
    }
    if (!client.isConnected()) {
      return; // the client reconnects by itself
    }
    if (consumer == null || consumer.isCancelled()) {
      consume().onFailure(e -> LOG.warn("cannot consume {}: {}", queue, e.getMessage()));
    }
  }

  private Future<Void> consume() {
    return client.basicConsumer(queue, new QueueOptions().setAutoAck(false).setMaxInternalQueueSize(prefetch * 2))
      .onSuccess(c -> {
        consumer = c;
        c.handler(this::take);
        c.exceptionHandler(e -> LOG.warn("consumer of {} failed: {}", queue, e.getMessage()));
        c.endHandler(v -> consumer = null);
        LOG.info("consuming device reports from RabbitMQ queue {}", queue);
      })
      .mapEmpty();
  }

  /** Ingestion's request: answered once RabbitMQ confirmed the persistent message. */
  private void enqueue(Message<JsonObject> request) {
    if (!client.isConnected()) {
      request.fail(503, "RabbitMQ is not connected");
      return;
    }
    AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder()
      .contentType("application/json").deliveryMode(2).build();
    publisher.publishConfirm("", queue, persistent, request.body().toBuffer())
      .onSuccess(tag -> {
        count("queued");
        request.reply(null);
      })
      .onFailure(e -> {
        count("queue_failures");
        request.fail(503, "RabbitMQ did not confirm: " + e.getMessage());
      });
  }

  /** A queued report joins the next batch: at {@link #BATCH} reports, or {@link #LINGER_MS} after the first. */
  private void take(RabbitMQMessage message) {
    long tag = message.envelope().getDeliveryTag();
    JsonObject report;
    try {
      report = new JsonObject(message.body());
    } catch (RuntimeException e) {
      deadLetter(tag, "not_json");
      return;
    }
    batch.add(new Queued(tag, report));
    if (batch.size() >= BATCH) {
      flush();
    } else if (lingerTimer < 0) {
      lingerTimer = vertx.setTimer(LINGER_MS, t -> flush());
    }
  }

  private void flush() {
    if (lingerTimer >= 0) {
      vertx.cancelTimer(lingerTimer);
      lingerTimer = -1;
    }
    if (!batch.isEmpty()) {
      List<Queued> taken = new ArrayList<>(batch);
      batch.clear();
      store(taken, 0);
    }
  }

  /**
   * Stores a batch; each message is acknowledged to RabbitMQ only once stored. While PostgreSQL is down the batch
   * is retried with backoff (unacknowledged meanwhile: should this node die, RabbitMQ hands them to another). A
   * batch the server refuses is stored one report at a time, so that one bad report cannot hold the others; a
   * report refused on its own is dead-lettered.
   */
  private void store(List<Queued> queued, int attempt) {
    recorder.recordAll(queued.stream().map(Queued::report).toList())
      .onSuccess(outcomes -> {
        for (int i = 0; i < queued.size(); i++) {
          Queued q = queued.get(i);
          if (outcomes.get(i) == ReportRecorder.Outcome.UNKNOWN) {
            deadLetter(q.tag(), "unknown_target");
            LOG.warn("report about an unknown schedule or command dead-lettered [device: {}]",
              q.report().getJsonObject("body", new JsonObject()).getString("device_id"));
          } else {
            count(outcomes.get(i) == ReportRecorder.Outcome.RECORDED ? "recorded" : "duplicates");
            client.basicAck(q.tag(), false);
          }
        }
      })
      .onFailure(e -> {
        if (refusesTheData(e)) {
          if (queued.size() > 1) {
            queued.forEach(q -> store(List.of(q), 0));
          } else {
            LOG.warn("the database refused a device report; dead-lettered: {}", e.getMessage());
            deadLetter(queued.get(0).tag(), "refused");
          }
          return;
        }
        count("store_retries");
        if (attempt == 0 || attempt % 20 == 0) {
          LOG.warn("cannot store {} device reports; retrying [attempt: {}]: {}", queued.size(), attempt + 1,
            e.getMessage());
        }
        if (!stopping) {
          vertx.setTimer(Math.min(100L << Math.min(attempt, 6), MAX_RETRY_MS), t -> store(queued, attempt + 1));
        }
      });
  }

  /**
   * The server refused what it was given (SQL states 22: data exception, 23: integrity constraint), which trying
   * again cannot change; anything else (no connection, a server starting or shutting down, a lock) may pass later.
   */
  private static boolean refusesTheData(Throwable e) {
    return e instanceof PgException pg && pg.getSqlState() != null
      && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"));
  }

  /** A report taken from the queue, with its delivery tag. */
  private record Queued(long tag, JsonObject report) {
  }

  private void deadLetter(long tag, String reason) {
    count("dead_lettered_" + reason);
    client.basicNack(tag, false, false);
  }

  /** Without RabbitMQ: stored now, answered once stored. */
  private void recordDirectly(Message<JsonObject> request) {
    recorder.record(request.body())
      .onSuccess(outcome -> {
        count(outcome == ReportRecorder.Outcome.UNKNOWN ? "unknown_target"
          : outcome == ReportRecorder.Outcome.RECORDED ? "recorded" : "duplicates");
        request.reply(outcome.name());
      })
      .onFailure(e -> request.fail(503, "reports cannot be stored: " + e.getMessage()));
  }

  private void count(String what) {
    counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }
}
