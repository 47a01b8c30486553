package io.nattery.cloud.history;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.Samples;
import io.nattery.cloud.demo.EmbeddedQuestDb;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A sample the writer is given twice (a retry after a write that committed, a redelivery) is stored once. */
class TelemetryDedupIT {

  @Test
  void theSameSampleWrittenTwiceIsOneRowAndAnotherSampleIsAnother() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (EmbeddedQuestDb questDb = new EmbeddedQuestDb()) {
      JsonObject history = questDb.historyConfig().put("flush_interval_ms", 50);
      await(vertx.deployVerticle(new TelemetryHistoryVerticle(), new DeploymentOptions().setConfig(history)));
      Pool sql = HistoryReads.pool(vertx, history.getJsonObject("pg"));
      JsonObject sample = Samples.telemetry("it-dedup", 1, 40).toJson().put("ts", "2026-11-22T10:00:00.000Z");

      // given the same sample stored twice, each time answered as written
      await(vertx.eventBus().request(Addresses.TELEMETRY_STORE, sample));
      await(vertx.eventBus().request(Addresses.TELEMETRY_STORE, sample.copy()));
      // and a later sample of the same device
      await(vertx.eventBus().request(Addresses.TELEMETRY_STORE,
        sample.copy().put("seq", 2).put("ts", "2026-11-22T10:00:01.000Z")));

      // then the table holds two rows once its WAL is applied: the repeat replaced, not added
      long deadline = System.currentTimeMillis() + 15_000;
      while (System.currentTimeMillis() < deadline && count(sql, " AND seq = 2") == 0) {
        Thread.sleep(100); // WAL transactions apply in order: once the last is visible, so are the two before it
      }
      long rows = count(sql, "");
      assertEquals(2, rows);
    } finally {
      await(vertx.close());
    }
  }

  /** Rows of the device matching {@code and}; none while the first write's columns are not visible yet. */
  private static long count(Pool sql, String and) throws Exception {
    return await(sql.preparedQuery("SELECT count() AS n FROM telemetry WHERE device_id = $1" + and)
      .execute(Tuple.of("it-dedup")).map(rows -> rows.iterator().next().getLong("n"))
      .recover(e -> HistoryReads.noTableYet(e) ? Future.succeededFuture(0L) : Future.failedFuture(e)));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
