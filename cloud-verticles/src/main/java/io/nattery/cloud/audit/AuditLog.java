package io.nattery.cloud.audit;

import io.nattery.cloud.api.Http;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who did what to the fleet, when and from where ({@code audit_log}, V6): every schedule, command, register
 * write and provisioning, accepted or refused. An entry never holds a secret: callers pass what was asked for,
 * not credentials. Each entry is also logged on {@code io.nattery.audit}, so that a lost database write still
 * leaves a trace.
 */
public final class AuditLog {

  private static final Logger AUDIT = LoggerFactory.getLogger("io.nattery.audit");
  private static final String INSERT = "INSERT INTO audit_log (actor, action, target, outcome, remote_addr, detail) "
    + "VALUES ($1, $2, $3, $4, $5, $6)";

  private final Pool pool;

  public AuditLog(Pool pool) {
    this.pool = pool;
  }

  /** Records an API action by the request's token subject and remote address; never fails. */
  public Future<Void> record(RoutingContext ctx, String action, String target, String outcome, JsonObject detail) {
    return record(pool, Http.subject(ctx), action, target, outcome, remoteAddress(ctx), detail);
  }

  private static Future<Void> insert(SqlClient client, String actor, String action, String target, String outcome,
                                     String from, JsonObject detail) {
    AUDIT.info("{} {} [target: {}, by: {}, from: {}]", action, outcome, target, actor, from);
    return client.preparedQuery(INSERT).execute(Tuple.of(actor, action, target, outcome, from, detail)).mapEmpty();
  }

  private static Future<Void> record(SqlClient client, String actor, String action, String target, String outcome,
                                     String from, JsonObject detail) {
    return insert(client, actor, action, target, outcome, from, detail)
      .recover(e -> {
        AUDIT.error("audit entry not stored [action: {}, target: {}, by: {}]: {}", action, target, actor,
          e.getMessage());
        return Future.succeededFuture();
      });
  }

  /** The client's address: the socket peer; a proxy's forwarded header is not trusted for audit. */
  public static String remoteAddress(RoutingContext ctx) {
    var address = ctx.request().remoteAddress();
    return address == null ? null : address.hostAddress();
  }
}
