package io.nattery.cloud.auth;

import io.nattery.cloud.state.RedisDeviceStates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@link AccessGuard} in Redis: one script call per request ({@code redis/guard.lua}) checks both revocations
 * and takes a token from the client's bucket, on Redis's clock, so that all nodes share one limit.
 */
final class RedisAccessGuard implements AccessGuard {

  private final Redis redis;
  private final String prefix;
  private final String script;
  private String sha;

  private RedisAccessGuard(Redis redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
    try (InputStream in = RedisAccessGuard.class.getResourceAsStream("/redis/guard.lua")) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Future<AccessGuard> connect(Vertx vertx, JsonObject config) {
    RedisAccessGuard guard = new RedisAccessGuard(Redis.createClient(vertx, RedisDeviceStates.options(config)),
      config.getString("prefix", "nattery"));
    return guard.load().map(guard);
  }

  private Future<String> load() {
    return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script)).map(r -> sha = r.toString());
  }

  @Override
  public Future<Decision> admit(String client, String tokenId, String subject, long issuedMs, Bucket bucket) {
    // Redis forgets scripts on a restart or SCRIPT FLUSH: loaded again once, then called again
    return redis.send(call(client, tokenId, subject, issuedMs, bucket))
      .recover(e -> e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
        ? load().compose(s -> redis.send(call(client, tokenId, subject, issuedMs, bucket)))
        : Future.failedFuture(e))
      .map(RedisAccessGuard::decision);
  }

  private Request call(String client, String tokenId, String subject, long issuedMs, Bucket bucket) {
    return Request.cmd(Command.EVALSHA).arg(sha).arg(3)
      .arg(tokenId == null ? "" : tokenKey(tokenId))
      .arg(subject == null ? "" : subjectKey(subject))
      .arg(prefix + ":rate:" + bucket.name() + ":" + client)
      .arg(Long.toString(issuedMs)).arg(Double.toString(bucket.perSecond())).arg(Integer.toString(bucket.burst()));
  }

  private static Decision decision(Response response) {
    long verdict = response.get(0).toLong();
    if (verdict == 1) {
      return Decision.ADMITTED;
    }
    return verdict == -1 ? Decision.REVOKED : Decision.limited(response.get(1).toLong());
  }

  @Override
  public Future<Void> revokeToken(String tokenId, long expiresMs) {
    long ttl = Math.max(1_000, expiresMs - System.currentTimeMillis());
    return redis.send(Request.cmd(Command.SET).arg(tokenKey(tokenId)).arg("1").arg("PX").arg(Long.toString(ttl)))
      .mapEmpty();
  }

  @Override
  public Future<Void> revokeSubject(String subject, long tokenTtlMs) {
    return redis.send(Request.cmd(Command.SET).arg(subjectKey(subject)).arg(Long.toString(System.currentTimeMillis()))
      .arg("PX").arg(Long.toString(tokenTtlMs + 60_000))).mapEmpty();
  }

  private String tokenKey(String tokenId) {
    return prefix + ":revoked:token:" + tokenId;
  }

  private String subjectKey(String subject) {
    return prefix + ":revoked:user:" + subject;
  }
}
