package io.nattery.cloud.registry;

import io.nattery.protocol.config.Secrets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes Mosquitto's files from the registry: every device that has a broker hash, the cloud's login
 * ({@code mqtt.username} with the secret the node itself logs in with, {@code mqtt.password_env} or
 * {@code password_file}) and the other service logins of {@code broker_files.logins}
 * ({@code [{"username", "password_env" | "password_file"}]}, e.g. a simulated edge), with the ACL from
 * {@code broker_files.acl_template}. Service passwords are hashed afresh on every write and never leave this class.
 */
public final class BrokerLogins {

  public static final String DEFAULT_TEMPLATE = "conf/mosquitto/acl.template";
  static final String DEFAULT_CLOUD_LOGIN = "nattery-cloud";
  /** Names the lock among the database's advisory locks: writers of one directory take turns. */
  private static final long LOCK_KEY = 0x6e61747465727937L;
  private static final String DEVICES = "SELECT device_id, broker_password_hash FROM devices "
    + "WHERE broker_password_hash IS NOT NULL ORDER BY device_id";

  private BrokerLogins() {
  }

  /**
   * Reads the registry and writes {@code passwords} and {@code acl} into {@code dir}. The read and the write
   * happen under one advisory lock, so that of two writers the later one read what the earlier one did.
   */
  public static Future<BrokerFiles.Contents> write(Vertx vertx, Pool pool, JsonObject config, Path dir) {
    JsonObject settings = config.getJsonObject("broker_files", new JsonObject());
    JsonObject mqtt = config.getJsonObject("mqtt", new JsonObject());
    return pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
      .compose(locked -> conn.query(DEVICES).execute())
      .compose(rows -> {
        List<BrokerFiles.Login> devices = new ArrayList<>();
        for (Row row : rows) {
          devices.add(new BrokerFiles.Login(row.getString("device_id"), row.getString("broker_password_hash")));
        }
        return vertx.executeBlocking(() -> {
          BrokerFiles.Contents contents = contents(settings, mqtt, devices);
          BrokerFiles.write(dir, contents);
          return contents;
        }, false);
      }));
  }

  static BrokerFiles.Contents contents(JsonObject settings, JsonObject mqtt, List<BrokerFiles.Login> devices)
    throws IOException {
    String cloudLogin = mqtt.getString("username", DEFAULT_CLOUD_LOGIN);
    List<BrokerFiles.Login> services = new ArrayList<>();
    services.add(new BrokerFiles.Login(cloudLogin,
      BrokerPasswordLine.hash(Secrets.require(mqtt, "password", "the cloud's broker login " + cloudLogin))));
    JsonArray logins = settings.getJsonArray("logins", new JsonArray());
    for (int i = 0; i < logins.size(); i++) {
      JsonObject login = logins.getJsonObject(i);
      String username = login.getString("username");
      services.add(new BrokerFiles.Login(username,
        BrokerPasswordLine.hash(Secrets.require(login, "password", "the broker login " + username))));
    }
    String template = Files.readString(Path.of(settings.getString("acl_template", DEFAULT_TEMPLATE)));
    return BrokerFiles.contents(services, devices, template, cloudLogin);
  }
}
