package io.nattery.cloud.dispatch;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.cluster.ClusterSingleton;
import io.nattery.cloud.db.Database;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Once per cluster, every {@code dispatch.interval_ms}: delivers again each schedule not acknowledged within
 * {@code dispatch.ack_timeout_s} (doubling the wait each time), flags it after {@code dispatch.max_attempts}
 * (published on {@link Addresses#SCHEDULES_STATUS} with {@code "flagged": true}); delivers each command the
 * broker never took while it is still valid, and marks EXPIRED those that expired undelivered.
 */
public class RedeliveryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RedeliveryVerticle.class);
  private static final int BATCH = 500;

  private Pool pool;
  private ScheduleStore schedules;
  private CommandStore commands;
  private Delivery delivery;
  private ClusterSingleton singleton;
  private int maxAttempts;
  private long timer = -1;
  private boolean running;
  private final AtomicLong redelivered = new AtomicLong();
  private final AtomicLong flagged = new AtomicLong();
  private final AtomicLong expired = new AtomicLong();

  /** How long a delivered schedule waits for its first ack before it is sent again. */
  public static long ackTimeoutMs(JsonObject nodeConfig) {
    return nodeConfig.getJsonObject("dispatch", new JsonObject()).getLong("ack_timeout_s", 30L) * 1000;
  }

  @Override
  public Future<?> start() {
    JsonObject dispatch = config().getJsonObject("dispatch", new JsonObject());
    maxAttempts = dispatch.getInteger("max_attempts", 6);
    long intervalMs = dispatch.getLong("interval_ms", 5_000L);
    pool = Database.pool(vertx, config().getJsonObject("postgres", new JsonObject()));
    schedules = new ScheduleStore(pool);
    commands = new CommandStore(pool);
    delivery = new Delivery(vertx, ackTimeoutMs(config()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.DISPATCH_STATS, m -> m.reply(new JsonObject()
      .put("leader", singleton.isLeader())
      .put("redelivered", redelivered.get())
      .put("flagged", flagged.get())
      .put("expired_undelivered", expired.get())));
    singleton = new ClusterSingleton(vertx, "redelivery", 10_000, () -> {
      LOG.info("this node now redelivers unacknowledged schedules and undelivered commands");
      timer = vertx.setPeriodic(intervalMs, t -> tick());
    });
    singleton.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    singleton.stop();
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return pool.close();
  }

  private void tick() {
    if (running || !singleton.isLeader()) {
      return;
    }
    running = true;
    redeliverSchedules()
      .compose(v -> commands.expireUndelivered())
      .compose(ids -> {
        expired.addAndGet(ids.size());
        ids.forEach(id -> LOG.warn("command expired before the broker took it [command: {}]", id));
        return commands.undelivered(BATCH);
      })
      .compose(due -> sequentially(due, command -> delivery.command(commands, command)))
      .onFailure(e -> LOG.warn("redelivery round failed: {}", e.getMessage()))
      .onComplete(done -> running = false);
  }

  private Future<Void> redeliverSchedules() {
    return schedules.due(BATCH).compose(due -> sequentially(due, schedule -> {
      if (schedule.attempts() >= maxAttempts) {
        return schedules.flag(schedule.scheduleId()).onSuccess(v -> {
          flagged.incrementAndGet();
          LOG.warn("schedule not acknowledged after {} deliveries; flagged [schedule: {}, device: {}]",
            schedule.attempts(), schedule.scheduleId(), schedule.deviceId());
          vertx.eventBus().publish(Addresses.SCHEDULES_STATUS, new JsonObject()
            .put("schedule_id", schedule.scheduleId())
            .put("device_id", schedule.deviceId())
            .put("version", schedule.body().getLong("version"))
            .put("status", "pending")
            .put("reason", "not acknowledged after " + schedule.attempts() + " deliveries")
            .put("flagged", true)
            .put("ts", Instant.now().toString()));
        });
      }
      return delivery.schedule(schedules, schedule.body()).onSuccess(v -> redelivered.incrementAndGet());
    }));
  }

  /** One after another, so a long backlog never floods the broker link; a failed item does not stop the rest. */
  private static <T> Future<Void> sequentially(List<T> items, java.util.function.Function<T, Future<Void>> action) {
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) {
      chain = chain.compose(v -> action.apply(item).recover(e -> Future.succeededFuture()));
    }
    return chain;
  }
}
