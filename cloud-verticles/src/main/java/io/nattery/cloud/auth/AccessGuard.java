package io.nattery.cloud.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What every API request passes after its signature is checked: token revocation, and a rate limit per client
 * (a token bucket of {@code rate_limit.per_s} refilled per second, {@code rate_limit.burst} deep). Kept in Redis
 * when the node has a {@code redis} block, so every node of a cluster sees the same revocations and buckets;
 * in the process otherwise (the demo).
 */
public interface AccessGuard {

  /** The answer for one request: admitted, revoked, or over the limit with the wait until a token is free. */
  record Decision(boolean admitted, boolean revoked, long retryAfterMs) {
    static final Decision ADMITTED = new Decision(true, false, 0);
    static final Decision REVOKED = new Decision(false, true, 0);

    static Decision limited(long waitMs) {
      return new Decision(false, false, waitMs);
    }
  }

  /**
   * @param client   who is limited: the token's subject, or the remote address of an anonymous request
   * @param tokenId  the token's {@code jti}, null for an anonymous request
   * @param subject  the token's subject, null for an anonymous request
   * @param issuedMs when the token was issued
   * @param bucket   which limit applies ({@code api} or {@code login})
   */
  Future<Decision> admit(String client, String tokenId, String subject, long issuedMs, Bucket bucket);

  /** Refuses the token from now until {@code expiresMs}. */
  Future<Void> revokeToken(String tokenId, long expiresMs);

  /** Refuses every token of {@code subject} issued up to now. */
  Future<Void> revokeSubject(String subject, long tokenTtlMs);

  /** A rate limit: refill per second and burst. */
  record Bucket(String name, double perSecond, int burst) {
    public Bucket {
      if (!(perSecond > 0) || burst < 1) {
        throw new IllegalArgumentException("rate limit " + name + " needs per_s > 0 and burst >= 1");
      }
    }
  }

  static Future<AccessGuard> create(Vertx vertx, JsonObject nodeConfig) {
    JsonObject redis = nodeConfig.getJsonObject("redis");
    return redis == null ? Future.succeededFuture(new LocalAccessGuard()) : RedisAccessGuard.connect(vertx, redis);
  }
}
