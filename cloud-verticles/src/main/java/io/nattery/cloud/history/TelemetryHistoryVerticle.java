package io.nattery.cloud.history;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.write.Point;
import io.nattery.cloud.Addresses;
import io.nattery.cloud.metrics.HistoryMeters;
import io.nattery.protocol.config.Secrets;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes accepted telemetry to the time-series store (QuestDB, or any InfluxDB v2 write endpoint) in
 * batches. A sample is answered only once its batch is written, so ingestion acknowledges a QoS 1 message
 * only when it is stored. Memory is bounded: past {@code max_pending} samples new ones are refused (503),
 * which ingestion turns into not acknowledging, and the broker keeps them. A failed write is retried with
 * backoff, in order; while it backs off new samples are refused at once. A sample whose requester stopped
 * waiting ({@link #DEADLINE_HEADER}) is not written: its sender retries it, so it is stored once.
 */
public class TelemetryHistoryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TelemetryHistoryVerticle.class);
  private static final long MAX_BACKOFF_MS = 30_000;
  /** When the requester stops waiting (epoch ms): a sample past it is not written, its sender retries it. */
  public static final String DEADLINE_HEADER = "deadline";

  private final List<Message<JsonObject>> pending = new ArrayList<>();
  private InfluxDBClient client;
  private int batchSize;
  private int maxPending;
  private long flushIntervalMs;
  private boolean writing;
  private long backoffMs;
  private long written;
  private long failures;
  private HistoryMeters meters;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    batchSize = config.getInteger("batch_size", 1000);
    maxPending = config.getInteger("max_pending", 20_000);
    flushIntervalMs = config.getLong("flush_interval_ms", 1000L);
    InfluxDBClientOptions.Builder options = InfluxDBClientOptions.builder()
      .url(config.getString("url", "http://127.0.0.1:9000"))
      .org(config.getString("org", "nattery"))
      .bucket(config.getString("bucket", "nattery"));
    String token = Secrets.resolve(config, "token");
    if (token != null) {
      options.authenticateToken(token.toCharArray());
    }
    client = InfluxDBClientFactory.create(options.build());
    meters = new HistoryMeters(pending::size);
    vertx.setPeriodic(flushIntervalMs, id -> flush());
    // Healthy while the last write succeeded (or none was due) and there is room for more.
    vertx.eventBus().<JsonObject>localConsumer(Addresses.HISTORY_STATS, m -> m.reply(new JsonObject()
      .put("healthy", backoffMs == 0 && pending.size() < maxPending)
      .put("pending", pending.size()).put("written", written).put("failures", failures)));
    return createTable(config.getJsonObject("pg"))
      .compose(v -> vertx.eventBus().<JsonObject>localConsumer(Addresses.TELEMETRY_STORE, this::accept).completion());
  }

  /**
   * With SQL access ({@code pg}), makes the table before the first write would: deduplicated on (timestamp,
   * device), so a sample written twice (a retry after a write that did commit, a broker redelivery after a
   * crash) is stored once, and indexed by device, which every read filters on. The writes add the fields.
   */
  private Future<Void> createTable(JsonObject pg) {
    if (pg == null) {
      return Future.succeededFuture();
    }
    var pool = HistoryReads.pool(vertx, pg);
    return pool.query("CREATE TABLE IF NOT EXISTS " + TelemetryPoints.MEASUREMENT
        + " (device_id SYMBOL INDEX, timestamp TIMESTAMP) TIMESTAMP(timestamp) PARTITION BY DAY WAL"
        + " DEDUP UPSERT KEYS(timestamp, device_id)").execute()
      .<Void>mapEmpty()
      .onFailure(e -> LOG.warn("could not make the telemetry table; the first write makes it, without"
        + " deduplication: {}", e.getMessage()))
      .otherwiseEmpty()
      .eventually(pool::close);
  }

  @Override
  public Future<?> stop() {
    // What is still pending was never acknowledged to the broker, which delivers it again.
    meters.close();
    return vertx.executeBlocking(() -> {
      client.close();
      return null;
    });
  }

  private static long deadline(Message<JsonObject> message) {
    String header = message.headers().get(DEADLINE_HEADER);
    try {
      return header == null ? Long.MAX_VALUE : Long.parseLong(header);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private void accept(Message<JsonObject> message) {
    if (backoffMs > 0) {
      message.fail(503, "telemetry store unavailable; retrying");
      return;
    }
    if (pending.size() >= maxPending) {
      message.fail(503, "telemetry store is behind: " + pending.size() + " samples pending");
      return;
    }
    pending.add(message);
    if (pending.size() >= batchSize) {
      flush();
    }
  }

  private void flush() {
    if (writing || pending.isEmpty()) {
      return;
    }
    // the requesters of these gave up (and retry, or lost a QoS 0 sample): writing them could store twice
    long now = System.currentTimeMillis();
    pending.removeIf(message -> deadline(message) < now);
    if (pending.isEmpty()) {
      return;
    }
    writing = true;
    List<Message<JsonObject>> batch = new ArrayList<>(pending.subList(0, Math.min(batchSize, pending.size())));
    List<Point> points = new ArrayList<>(batch.size());
    for (Message<JsonObject> message : batch) {
      points.add(TelemetryPoints.of(message.body()));
    }
    long started = System.nanoTime();
    vertx.executeBlocking(() -> {
      client.getWriteApiBlocking().writePoints(points);
      return null;
    }, true).onComplete(done -> {
      writing = false;
      if (done.succeeded()) {
        pending.subList(0, batch.size()).clear();
        batch.forEach(m -> m.reply(null));
        written += batch.size();
        meters.written(batch.size(), System.nanoTime() - started);
        backoffMs = 0;
        LOG.debug("wrote {} samples in {} ms", batch.size(), (System.nanoTime() - started) / 1_000_000);
        if (pending.size() >= batchSize) {
          flush();
        }
      } else {
        failures++;
        meters.failed(System.nanoTime() - started);
        backoffMs = backoffMs == 0 ? 500 : Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        LOG.warn("telemetry write of {} samples failed, retrying in {} ms: {}", batch.size(), backoffMs,
          done.cause().getMessage());
        writing = true;
        vertx.setTimer(backoffMs, id -> {
          writing = false;
          flush();
        });
      }
    });
  }
}
