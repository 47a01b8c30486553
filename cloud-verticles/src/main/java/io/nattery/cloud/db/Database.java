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

  public static Pool pool(Vertx vertx, JsonObject config) {
    PgConnectOptions connect = new PgConnectOptions()
      .setHost(config.getString("host", "127.0.0.1"))
      .setPort(config.getInteger("port", 5432))
      .setDatabase(config.getString("database", "nattery"))
      .setUser(config.getString("user", "nattery"))
      .setReconnectAttempts(2)
      .setReconnectInterval(500);
    String password = Secrets.resolve(config, "password");
    if (password != null) {
      connect.setPassword(password);
    }
    PoolOptions pool = new PoolOptions()
      .setMaxSize(config.getInteger("pool_size", 8))
      .setShared(true)
      .setName("nattery-pg");
    return PgBuilder.pool().with(pool).connectingTo(connect).using(vertx).build();
  }
}
