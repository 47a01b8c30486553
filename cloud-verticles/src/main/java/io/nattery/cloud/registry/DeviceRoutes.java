package io.nattery.cloud.registry;

import io.nattery.cloud.audit.AuditLog;
import io.nattery.cloud.Addresses;
import io.nattery.cloud.api.Http;
import io.nattery.cloud.api.Problems;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;

/**
 * {@code POST /api/v1/devices} (role admin): provisions a device in the registry with its MQTT login. The
 * password is 256 random bits, answered once and stored only as an Argon2id hash; the answer also carries the
 * device's line for Mosquitto's password file ({@link BrokerPasswordLine}). Every attempt past validation leaves
 * an audit line (who, what, when, from where), never the password.
 */
public final class DeviceRoutes implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceRoutes.class);
  private static final String INSERT = "INSERT INTO devices (device_id, site, model, rated_power_kw, capacity_kwh, "
    + "mqtt_password_hash, broker_password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (device_id) DO NOTHING RETURNING created_at";
  private static final int PASSWORD_BYTES = 32;

  private final SecureRandom random = new SecureRandom();
  private final PasswordHasher hasher = new PasswordHasher();
  private AuditLog auditLog;

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    // the API's own pool for Argon2, closed with the API verticle that mounts these routes
    WorkerExecutor hashing = vertx.createSharedWorkerExecutor("nattery-password-hash", 2);
    // with broker_files.dir, the broker's files are written again after each device (the broker reads them on SIGHUP)
    String brokerDir = config.getJsonObject("broker_files", new JsonObject()).getString("dir");
    Runnable brokerFiles = brokerDir == null ? () -> { } : () -> writeBrokerFiles(vertx, pool, config, brokerDir);
    router.post("/api/v1/devices").handler(Http.requires(Role.ADMIN))
      .handler(ctx -> provision(ctx, pool, hashing, brokerFiles));
    auditLog = new AuditLog(pool);
  }

  private static void writeBrokerFiles(Vertx vertx, Pool pool, JsonObject config, String dir) {
    BrokerLogins.write(vertx, pool, config, Path.of(dir))
      .onSuccess(written -> LOG.info("broker files written [dir: {}, logins: {}, left out: {}]", dir,
        written.logins(), written.shadowed()))
      .onFailure(e -> LOG.warn("broker files not written, run 'nattery broker-files' [dir: {}]: {}", dir,
        e.getMessage()));
  }

  private void provision(RoutingContext ctx, Pool pool, WorkerExecutor hashing, Runnable brokerFiles) {
    JsonObject body = Http.jsonBody(ctx);
    if (body == null) {
      Problems.notAnObject(ctx, "the body must be a JSON object {\"device_id\",\"site\",\"model\","
        + "\"rated_power_kw\",\"capacity_kwh\"}");
      return;
    }
    DeviceRegistration.Parsed parsed = DeviceRegistration.parse(body);
    if (!parsed.errors().isEmpty()) {
      Problems.send(ctx, 400, "invalid device", parsed.errors());
      return;
    }
    DeviceRegistration device = parsed.registration();
    String password = newPassword();
    hashing.executeBlocking(() -> new Credentials(hasher.hash(password), BrokerPasswordLine.hash(password)), false)
      .compose(credentials -> pool.preparedQuery(INSERT).execute(Tuple.of(device.deviceId(), device.site(),
          device.model(), device.ratedPowerKw(), device.capacityKwh(), credentials.passwordHash(),
          credentials.brokerHash()))
        .map(rows -> rows.size() == 0 ? null : new Created(rows.iterator().next(),
          BrokerPasswordLine.line(device.deviceId(), credentials.brokerHash()))))
      .onSuccess(created -> {
        audit(ctx, device, created == null ? "conflict" : "created");
        if (created == null) {
          Problems.send(ctx, 409, "device " + device.deviceId() + " already exists");
          return;
        }
        JsonObject answer = device.toJson()
          .put("created_at", created.createdAt().toInstant().toString())
          .put("mqtt", new JsonObject()
            .put("username", device.deviceId())
            .put("password", password)
            .put("mosquitto_password_line", created.brokerLine()));
        ctx.response().putHeader("Location", "/api/v1/devices/" + device.deviceId())
          .putHeader("Cache-Control", "no-store");
        Http.json(ctx, 201, answer);
        // every node's registry copy takes the device now, so its first message is not refused as unknown
        ctx.vertx().eventBus().publish(Addresses.DEVICE_PROVISIONED,
          new JsonObject().put("device_id", device.deviceId()).put("site", device.site()));
        brokerFiles.run();
      })
      .onFailure(e -> {
        audit(ctx, device, "failed");
        ctx.fail(e);
      });
  }

  private String newPassword() {
    byte[] bytes = new byte[PASSWORD_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** In the audit log (and so on the {@code io.nattery.audit} logger), never with the password. */
  private void audit(RoutingContext ctx, DeviceRegistration device, String outcome) {
    auditLog.record(ctx, "device.provision", device.deviceId(), outcome, device.toJson());
  }

  private record Credentials(String passwordHash, String brokerHash) {
  }

  private record Created(OffsetDateTime createdAt, String brokerLine) {
    Created(Row row, String brokerLine) {
      this(row.getOffsetDateTime("created_at"), brokerLine);
    }
  }
}
