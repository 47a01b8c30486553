package io.nattery.cloud.auth;

import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link AccessGuard} in this process, for a node without Redis (the demo): the same rules, one node's view. */
final class LocalAccessGuard implements AccessGuard {

  /** Past this many buckets, idle ones (full again) are dropped, so that many clients cannot grow the map forever. */
  private static final int MAX_BUCKETS = 100_000;

  private final Map<String, Long> revokedTokens = new ConcurrentHashMap<>();
  private final Map<String, Long> revokedBefore = new ConcurrentHashMap<>();
  private final Map<String, double[]> buckets = new ConcurrentHashMap<>();

  @Override
  public Future<Decision> admit(String client, String tokenId, String subject, long issuedMs, Bucket bucket) {
    long now = System.currentTimeMillis();
    Long until = tokenId == null ? null : revokedTokens.get(tokenId);
    Long before = subject == null ? null : revokedBefore.get(subject);
    if ((until != null && until > now) || (before != null && issuedMs <= before)) {
      return Future.succeededFuture(Decision.REVOKED);
    }
    if (buckets.size() > MAX_BUCKETS) {
      buckets.values().removeIf(b -> now - (long) b[1] > 60_000);
    }
    double[] state = buckets.computeIfAbsent(bucket.name() + ":" + client, k -> new double[] {bucket.burst(), now});
    synchronized (state) {
      double tokens = Math.min(bucket.burst(), state[0] + Math.max(0, now - state[1]) * bucket.perSecond() / 1000);
      state[1] = now;
      if (tokens >= 1) {
        state[0] = tokens - 1;
        return Future.succeededFuture(Decision.ADMITTED);
      }
      state[0] = tokens;
      return Future.succeededFuture(Decision.limited((long) Math.ceil((1 - tokens) * 1000 / bucket.perSecond())));
    }
  }

  @Override
  public Future<Void> revokeToken(String tokenId, long expiresMs) {
    long now = System.currentTimeMillis();
    revokedTokens.values().removeIf(until -> until <= now);
    revokedTokens.put(tokenId, expiresMs);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> revokeSubject(String subject, long tokenTtlMs) {
    revokedBefore.put(subject, System.currentTimeMillis());
    return Future.succeededFuture();
  }
}
