package io.nattery.cloud.db;

import io.nattery.protocol.config.Secrets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** The PostgreSQL pool from the {@code postgres} configuration object. */
public final class Database {

  private Database() {
  }

  private static final JsonObject DEFAULTS = new JsonObject()
    .put("host", "127.0.0.1").put("port", 5432).put("database", "nattery").put("user", "nattery").put("pool_size", 8);

  /** What a {@code postgres} block leaves out: the local server's {@code nattery} database, 8 connections. */
  public static JsonObject poolDefaults() {
    return DEFAULTS.copy();
  }

  public static Pool pool(Vertx vertx, JsonObject config) {
    return pool(vertx, config, DEFAULTS, "nattery-pg");
  }

  /**
   * A pool over the PostgreSQL wire protocol (PostgreSQL itself, or QuestDB's endpoint), shared under
   * {@code name} by the verticles of one Vert.x: {@code host}, {@code port}, {@code database}, {@code user},
   * {@code password} (or {@code password_env}, {@code password_file}) and {@code pool_size}, else {@code defaults}.
   */
  public static Pool pool(Vertx vertx, JsonObject config, JsonObject defaults, String name) {
    JsonObject c = defaults.copy().mergeIn(config);
    PgConnectOptions connect = new PgConnectOptions()
      .setHost(c.getString("host"))
      .setPort(c.getInteger("port"))
      .setDatabase(c.getString("database"))
      .setUser(c.getString("user"))
      .setReconnectAttempts(2)
      .setReconnectInterval(500);
    String password = Secrets.resolve(c, "password");
    if (password != null) {
      connect.setPassword(password);
    }
    PoolOptions pool = new PoolOptions()
      .setMaxSize(c.getInteger("pool_size"))
      .setShared(true)
      .setName(name);
    return PgBuilder.pool().with(pool).connectingTo(connect).using(vertx).build();
  }
}
