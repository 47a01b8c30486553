package io.nattery.cloud.auth;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.Optional;

/** API users in PostgreSQL. */
public final class UserStore {

  public record User(String username, String passwordHash, Role role, boolean disabled) {
  }

  private final Pool pool;

  public UserStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Optional<User>> find(String username) {
    return pool.preparedQuery("SELECT username, password_hash, role, disabled FROM users WHERE username = $1")
      .execute(Tuple.of(username))
      .map(UserStore::first);
  }

  /** Creates the user, or replaces its password and role. */
  public Future<Void> save(String username, String passwordHash, Role role) {
    return pool.preparedQuery("INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) "
        + "ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role")
      .execute(Tuple.of(username, passwordHash, role.wire()))
      .mapEmpty();
  }

  private static Optional<User> first(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Row row = rows.iterator().next();
    return Role.fromWire(row.getString("role"))
      .map(role -> new User(row.getString("username"), row.getString("password_hash"), role,
        row.getBoolean("disabled")));
  }
}
