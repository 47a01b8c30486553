package io.nattery.cloud.auth;

import io.nattery.protocol.config.Secrets;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Issues and checks the API's JWTs: HS256 only (other algorithms and {@code alg: none} are refused because no
 * other key is configured), with issuer, audience and expiry checked. The key comes from the {@code jwt}
 * configuration's {@code secret_env} or {@code secret_file}, at least 32 bytes.
 */
public final class Tokens {

  private static final int MIN_SECRET_BYTES = 32;
  /** The claim with the issue time in milliseconds. */
  public static final String ISSUED_MS = "issued_ms";

  private final JWTAuth auth;
  private final String issuer;
  private final String audience;
  private final int ttlSeconds;

  public Tokens(Vertx vertx, JsonObject config) {
    String secret = Secrets.require(config, "secret", "the JWT signing key");
    if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalStateException("the JWT signing key must be at least " + MIN_SECRET_BYTES + " bytes");
    }
    this.issuer = config.getString("issuer", "nattery");
    this.audience = config.getString("audience", "nattery-api");
    this.ttlSeconds = config.getInteger("ttl_s", 3600);
    this.auth = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
      .setJWTOptions(new JWTOptions().setIssuer(issuer).setAudience(List.of(audience)).setLeeway(5)));
  }

  public JWTAuth auth() {
    return auth;
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  public String issue(String username, Role role) {
    JsonObject claims = new JsonObject()
      // an id to revoke it by, and the issue time to the millisecond (iat has seconds) to revoke a user's tokens by
      .put("jti", UUID.randomUUID().toString())
      .put(ISSUED_MS, System.currentTimeMillis())
      .put("role", role.wire())
      .put("roles", new JsonArray(role.grantedWireNames()));
    return auth.generateToken(claims, new JWTOptions()
      .setAlgorithm("HS256")
      .setSubject(username)
      .setIssuer(issuer)
      .setAudience(List.of(audience))
      .setExpiresInSeconds(ttlSeconds));
  }
}
