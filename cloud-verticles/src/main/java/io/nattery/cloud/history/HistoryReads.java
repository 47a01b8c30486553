package io.nattery.cloud.history;

import io.nattery.protocol.config.Secrets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Reading the telemetry history back: SQL over QuestDB's PostgreSQL-wire endpoint ({@code history.pg}). */
public final class HistoryReads {

  private HistoryReads() {
  }

  /** A pool on the {@code history.pg} configuration: host, port, database, user, {@code password}/{@code _env}/{@code _file}. */
  public static Pool pool(Vertx vertx, JsonObject pg) {
    PgConnectOptions connect = new PgConnectOptions()
      .setHost(pg.getString("host", "127.0.0.1"))
      .setPort(pg.getInteger("port", 8812))
      .setDatabase(pg.getString("database", "qdb"))
      .setUser(pg.getString("user", "admin"))
      .setReconnectAttempts(2)
      .setReconnectInterval(500);
    String password = Secrets.resolve(pg, "password");
    if (password != null) {
      connect.setPassword(password);
    }
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(pg.getInteger("pool_size", 2)))
      .connectingTo(connect).using(vertx).build();
  }

  /** The first telemetry write creates the table: before it, a read finds nothing rather than failing. */
  public static boolean noTableYet(Throwable e) {
    return e instanceof PgException pg && pg.getErrorMessage() != null
      && pg.getErrorMessage().contains("table does not exist");
  }
}
