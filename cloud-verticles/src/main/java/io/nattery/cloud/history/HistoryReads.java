package io.nattery.cloud.history;

import io.nattery.cloud.db.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;

/** Reading the telemetry history back: SQL over QuestDB's PostgreSQL-wire endpoint ({@code history.pg}). */
public final class HistoryReads {

  private HistoryReads() {
  }

  private static final JsonObject DEFAULTS = new JsonObject()
    .put("host", "127.0.0.1").put("port", 8812).put("database", "qdb").put("user", "admin").put("pool_size", 2);

  /** A pool on the {@code history.pg} configuration: host, port, database, user, {@code password}/{@code _env}/{@code _file}. */
  public static Pool pool(Vertx vertx, JsonObject pg) {
    return Database.pool(vertx, pg, DEFAULTS, "nattery-questdb");
  }

  /**
   * Nothing written yet: before the first telemetry write the table does not exist, or (made empty by the
   * writer at start) has none of the fields yet. A read then finds nothing rather than failing.
   */
  public static boolean noTableYet(Throwable e) {
    return e instanceof PgException pg && pg.getErrorMessage() != null
      && (pg.getErrorMessage().contains("table does not exist") || pg.getErrorMessage().contains("Invalid column"));
  }
}
