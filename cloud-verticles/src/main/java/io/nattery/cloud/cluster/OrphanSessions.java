package io.nattery.cloud.cluster;

import io.nattery.cloud.ingest.MqttIngestVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.spi.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Keeps a dead node's broker session from holding its share of the fleet. Each clustered node records its
 * MQTT client id in a cluster-wide map; every second each node looks for ids whose node has left the cluster,
 * and one of them (under a cluster-wide lock) drains that session with a temporary ingestion link
 * ({@code mqtt.drain}), storing and acknowledging what it held, then ends it. The broker keeps routing a share
 * of a shared subscription to a persistent session whose client is gone, so without this a crashed node
 * would take telemetry with it until its session expired. Deployed only on a clustered node.
 */
public class OrphanSessions extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OrphanSessions.class);
  private static final String MAP = "nattery.mqtt-sessions";

  private ClusterManager cluster;
  private AsyncMap<String, String> sessions;
  private long timer;
  private boolean draining;

  @Override
  public Future<?> start() {
    cluster = ((VertxInternal) vertx).clusterManager();
    String own = MqttIngestVerticle.clientId(config().getJsonObject("mqtt", new JsonObject()));
    return vertx.sharedData().<String, String>getAsyncMap(MAP)
      .compose(map -> {
        sessions = map;
        return map.entries();
      })
      .compose(entries -> {
        // this node's earlier life under the same client id is not an orphan: the session is ours again
        Future<Void> forgotten = Future.succeededFuture();
        for (Map.Entry<String, String> entry : entries.entrySet()) {
          if (entry.getValue().equals(own) && !entry.getKey().equals(cluster.getNodeId())) {
            forgotten = forgotten.compose(v -> sessions.remove(entry.getKey()).mapEmpty());
          }
        }
        return forgotten.compose(v -> sessions.put(cluster.getNodeId(), own));
      })
      .onSuccess(v -> timer = vertx.setPeriodic(config().getLong("orphan_check_ms", 1_000L), t -> look()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    // a node that stops cleanly ends its own session's share when its link disconnects; drop its record
    return sessions.remove(cluster.getNodeId()).otherwiseEmpty();
  }

  private void look() {
    if (draining) {
      return;
    }
    draining = true;
    sessions.entries()
      .compose(entries -> {
        for (Map.Entry<String, String> entry : entries.entrySet()) {
          String node = entry.getKey();
          if (!cluster.getNodes().contains(node)) {
            return drain(node, entry.getValue());
          }
        }
        return Future.succeededFuture();
      })
      .onComplete(done -> draining = false);
  }

  /** Drains the session {@code clientId} of {@code node}, unless another node already is. */
  private Future<Void> drain(String node, String clientId) {
    return vertx.sharedData().getLockWithTimeout("nattery.drain." + clientId, 100).compose(lock -> sessions.get(node)
      .compose(still -> {
        if (!clientId.equals(still)) { // another node drained it between our look and our lock
          lock.release();
          return Future.<Void>succeededFuture();
        }
        return drainHolding(lock, node, clientId);
      }), e -> Future.succeededFuture()); // another node holds the lock: it drains
  }

  private Future<Void> drainHolding(Lock lock, String node, String clientId) {
    JsonObject config = config().copy();
    config.put("mqtt", config.getJsonObject("mqtt", new JsonObject()).copy()
      .put("client_id", clientId).put("drain", true));
    LOG.info("a node left the cluster; draining its broker session [node: {}, client: {}]", node, clientId);
    return vertx.deployVerticle(new MqttIngestVerticle(), new DeploymentOptions().setConfig(config))
      .compose(this::whenUndeployed)
      .compose(v -> sessions.remove(node))
      .<Void>mapEmpty()
      .eventually(() -> {
        lock.release();
        return Future.succeededFuture();
      });
  }

  private Future<Void> whenUndeployed(String deploymentId) {
    io.vertx.core.Promise<Void> gone = io.vertx.core.Promise.promise();
    vertx.setPeriodic(250, t -> {
      if (!vertx.deploymentIDs().contains(deploymentId)) {
        vertx.cancelTimer(t);
        gone.complete();
      }
    });
    return gone.future();
  }
}
