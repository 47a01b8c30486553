package io.nattery.cloud.db;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Versioned schema migrations, applied in order at start inside one transaction that holds an advisory lock,
 * so two nodes starting together apply each version once. A migration, once released, is never edited:
 * a change is a new file.
 */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  /** Arbitrary constant naming Nattery's migration lock among the database's advisory locks. */
  private static final long LOCK_KEY = 0x6e61747465727931L;
  static final List<String> FILES = List.of(
    "V1__users_and_devices.sql",
    "V2__prices.sql",
    "V3__trading.sql",
    "V4__settlement.sql",
    "V5__alerts.sql",
    "V6__schedules_commands_audit.sql",
    "V7__broker_logins.sql",
    "V8__schedule_versions.sql"
  );

  private Migrations() {
  }

  public static Future<Integer> apply(Pool pool) {
    return pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
      .compose(r -> conn.query("CREATE TABLE IF NOT EXISTS schema_migrations ("
        + "version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute())
      .compose(r -> conn.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations").execute())
      .compose(rows -> applyFrom(conn, rows.iterator().next().getInteger("v"))));
  }

  private static Future<Integer> applyFrom(SqlConnection conn, int current) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (String file : FILES) {
      int version = versionOf(file);
      if (version <= current) {
        continue;
      }
      chain = chain.compose(applied -> conn.query(read(file)).execute()
        .compose(r -> conn.preparedQuery("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
          .execute(Tuple.of(version, file)))
        .map(r -> {
          LOG.info("applied migration {}", file);
          return applied + 1;
        }));
    }
    return chain;
  }

  static int versionOf(String file) {
    return Integer.parseInt(file.substring(1, file.indexOf("__")));
  }

  private static String read(String file) {
    try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + file)) {
      if (in == null) {
        throw new IllegalStateException("migration missing from the classpath: " + file);
      }
      return Buffer.buffer(in.readAllBytes()).toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
