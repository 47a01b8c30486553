package io.nattery.cloud.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job that must run on one node of the cluster at a time (the price fetcher, the daily trading run): it
 * holds a cluster-wide lock for as long as its verticle lives. Nodes without the lock try again every
 * {@code retryMillis}, so the job moves to another node when the holder dies or stops. On a node that is not
 * clustered the lock is local, and the job simply runs.
 */
public final class ClusterSingleton {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSingleton.class);
  private static final long ACQUIRE_TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final String name;
  private final long retryMillis;
  private final Runnable onLeader;
  private Lock lock;
  private long timer = -1;
  private boolean stopped;

  /**
   * @param name        the lock's name, one per job
   * @param retryMillis how often a node without the lock tries again
   * @param onLeader    run on this node's event loop once it holds the lock
   */
  public ClusterSingleton(Vertx vertx, String name, long retryMillis, Runnable onLeader) {
    this.vertx = vertx;
    this.name = "nattery.singleton." + name;
    this.retryMillis = retryMillis;
    this.onLeader = onLeader;
  }

  /** Starts contending for the lock; call on the owning verticle's context. */
  public void start() {
    tryAcquire();
  }

  public boolean isLeader() {
    return lock != null;
  }

  /** Releases the lock, if held, and stops contending. */
  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (lock != null) {
      lock.release();
      lock = null;
    }
  }

  private void tryAcquire() {
    if (stopped) {
      return;
    }
    vertx.sharedData().getLockWithTimeout(name, ACQUIRE_TIMEOUT_MS)
      .onSuccess(acquired -> {
        if (stopped) {
          acquired.release();
          return;
        }
        lock = acquired;
        LOG.info("this node now runs {}", name);
        onLeader.run();
      })
      .onFailure(e -> {
        if (!stopped) {
          timer = vertx.setTimer(retryMillis, t -> tryAcquire());
        }
      });
  }
}
