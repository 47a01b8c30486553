package io.nattery.cloud.state;

import io.nattery.protocol.config.Secrets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link DeviceStateStore} in Redis, shared by every node and readable by outside tools. Key layout (the prefix
 * is {@code nattery} unless configured):
 * <ul>
 *   <li>{@code nattery:device:{id}} hash: {@code telemetry} (the latest sample, JSON of the contract), {@code online}
 *   ({@code 1}/{@code 0}), {@code last_seen} (epoch ms), {@code seq}, {@code boot_id} ({@code ""} before the first
 *   restart), {@code window} (bit i set: {@code seq - i} was received), {@code superseded} (JSON array of earlier
 *   boots), {@code inverter_state}, {@code site}, {@code health} (the latest Health JSON), {@code comm_errors};</li>
 *   <li>{@code nattery:devices} sorted set of every device id, score 0 (pages in id order with ZRANGEBYLEX);</li>
 *   <li>{@code nattery:devices:online} and {@code nattery:devices:offline}: the same, split by the online flag;</li>
 *   <li>{@code nattery:devices:heartbeat} sorted set of the online devices scored by {@code last_seen}, for silence.</li>
 * </ul>
 * Every change of one device is one Lua script (under {@code redis/}), so that two nodes sharing a device's
 * messages judge each sample against the same held state; samples are sent as one pipelined batch. The scripts
 * name the per-device hashes they touch from the prefix: a single Redis (or a cluster with one hash slot), not a
 * sharded cluster.
 */
public final class RedisDeviceStates implements DeviceStateStore {

  private static final int MAX_SUPERSEDED_BOOTS = 8;
  private static final int SILENT_PER_SWEEP = 1000;
  private static final int REGISTER_CHUNK = 500;

  private final Redis redis;
  private final String devicePrefix;
  private final String all;
  private final String online;
  private final String offline;
  private final String heartbeat;
  private final Map<String, Script> scripts = new HashMap<>();

  /** A Lua script sent by its SHA1, loaded again when Redis has forgotten it (a restart, SCRIPT FLUSH). */
  private final class Script {
    final String source;
    String sha;

    Script(String name) {
      try (InputStream in = RedisDeviceStates.class.getResourceAsStream("/redis/" + name + ".lua")) {
        source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    Future<String> load() {
      return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).map(r -> sha = r.toString());
    }

    Request call(List<String> keys, List<Object> args) {
      Request request = Request.cmd(Command.EVALSHA).arg(sha).arg(keys.size());
      keys.forEach(request::arg);
      args.forEach(a -> request.arg(String.valueOf(a)));
      return request;
    }
  }

  private RedisDeviceStates(Redis redis, String prefix) {
    this.redis = redis;
    this.devicePrefix = prefix + ":device:";
    this.all = prefix + ":devices";
    this.online = prefix + ":devices:online";
    this.offline = prefix + ":devices:offline";
    this.heartbeat = prefix + ":devices:heartbeat";
    for (String name : List.of("telemetry", "status", "silence", "register", "health", "schedule")) {
      scripts.put(name, new Script(name));
    }
  }

  /**
   * Connects with {@code {"host","port","password_env"|"password_file"|"password","prefix","pool_size"}} and
   * loads the scripts.
   */
  public static Future<RedisDeviceStates> connect(Vertx vertx, JsonObject config) {
    RedisDeviceStates store = new RedisDeviceStates(Redis.createClient(vertx, options(config)),
      config.getString("prefix", "nattery"));
    return Future.all(store.scripts.values().stream().map(Script::load).toList()).map(store);
  }

  /** The client options of a {@code redis} block, the password from its {@code password_env} or {@code password_file}. */
  public static RedisOptions options(JsonObject config) {
    RedisOptions options = new RedisOptions()
      .setConnectionString("redis://" + config.getString("host", "127.0.0.1") + ":" + config.getInteger("port", 6379))
      .setMaxPoolSize(config.getInteger("pool_size", 4))
      .setMaxPoolWaiting(config.getInteger("max_waiting", 1024))
      .setMaxWaitingHandlers(config.getInteger("max_waiting_handlers", 8192));
    String password = Secrets.resolve(config, "password");
    if (password != null) {
      options.setPassword(password);
    }
    return options;
  }

  private List<String> deviceKeys(String deviceId) {
    return List.of(devicePrefix + deviceId, all, online, offline, heartbeat);
  }

  /** Sends the calls as one pipelined batch; loads the scripts again once when Redis answers NOSCRIPT. */
  private Future<List<Response>> batch(java.util.function.Supplier<List<Request>> calls) {
    return redis.batch(calls.get()).recover(e -> {
      if (e.getMessage() == null || !e.getMessage().contains("NOSCRIPT")) {
        return Future.failedFuture(e);
      }
      return Future.all(scripts.values().stream().map(Script::load).toList())
        .compose(loaded -> redis.batch(calls.get()));
    });
  }

  @Override
  public Future<List<Outcome>> recordTelemetry(List<JsonObject> samples, Instant receivedAt) {
    if (samples.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Script script = scripts.get("telemetry");
    long now = receivedAt.toEpochMilli();
    return batch(() -> samples.stream().map(s -> script.call(deviceKeys(s.getString("device_id")), List.of(
        s.getString("device_id"), s.getLong("seq"), s.getString("boot_id", ""), now, s.encode(),
        s.getString("inverter_state"), SEQ_WINDOW, MAX_SUPERSEDED_BOOTS))).toList())
      .map(responses -> responses.stream().map(r -> new Outcome(Verdict.values()[r.get(0).toInteger()],
        r.get(1).toLong(), r.get(2).toInteger() == 1, r.get(3).toInteger())).toList());
  }

  @Override
  public Future<Boolean> recordStatus(String deviceId, boolean isOnline, Instant receivedAt) {
    Script script = scripts.get("status");
    return batch(() -> List.of(script.call(deviceKeys(deviceId),
        List.of(deviceId, isOnline ? "1" : "0", receivedAt.toEpochMilli()))))
      .map(r -> r.get(0).toInteger() == 1);
  }

  @Override
  public Future<HealthOutcome> recordHealth(String deviceId, JsonObject health, long commErrors, long threshold) {
    Script script = scripts.get("health");
    return batch(() -> List.of(script.call(List.of(devicePrefix + deviceId),
        List.of(health.encode(), commErrors, threshold))))
      .map(r -> new HealthOutcome(r.get(0).get(0).toLong(), r.get(0).get(1).toInteger()));
  }

  @Override
  public Future<List<String>> markSilentOffline(Instant now, Duration silence) {
    Script script = scripts.get("silence");
    return batch(() -> List.of(script.call(List.of(heartbeat, online, offline),
        List.of(now.minus(silence).toEpochMilli(), devicePrefix, SILENT_PER_SWEEP))))
      .map(r -> r.get(0).stream().map(Response::toString).toList());
  }

  @Override
  public Future<Void> register(Map<String, String> sitesById) {
    Script script = scripts.get("register");
    List<List<Object>> chunks = new ArrayList<>();
    List<Object> chunk = null;
    for (Map.Entry<String, String> device : sitesById.entrySet()) {
      if (chunk == null || chunk.size() > 2 * REGISTER_CHUNK) {
        chunk = new ArrayList<>();
        chunk.add(devicePrefix);
        chunks.add(chunk);
      }
      chunk.add(device.getKey());
      chunk.add(device.getValue() == null ? "" : device.getValue());
    }
    if (chunks.isEmpty()) {
      return Future.succeededFuture();
    }
    return batch(() -> chunks.stream().map(args -> script.call(List.of(all, online, offline), args)).toList())
      .mapEmpty();
  }

  @Override
  public Future<Optional<JsonObject>> get(String deviceId) {
    return redis.send(Request.cmd(Command.HMGET).arg(devicePrefix + deviceId)
        .arg("site").arg("online").arg("last_seen").arg("telemetry").arg("active_schedule").arg("active_version"))
      .map(fields -> Optional.ofNullable(toDevice(deviceId, fields)));
  }

  /** The API's device JSON from HMGET site online last_seen telemetry active_schedule active_version; null when the device is not known. */
  private static JsonObject toDevice(String deviceId, Response fields) {
    Response site = fields.get(0);
    Response isOnline = fields.get(1);
    Response lastSeen = fields.get(2);
    Response telemetry = fields.get(3);
    if (isOnline == null && telemetry == null && site == null) {
      return null;
    }
    String siteText = site == null || site.toString().isEmpty() ? null : site.toString();
    return DeviceStates.DeviceJson.of(deviceId, siteText, isOnline != null && "1".equals(isOnline.toString()),
      lastSeen == null ? null : Instant.ofEpochMilli(lastSeen.toLong()),
      telemetry == null ? null : new JsonObject(telemetry.toString()),
      fields.get(4) == null ? null : fields.get(4).toString(), fields.get(5) == null ? -1 : fields.get(5).toLong());
  }

  @Override
  public Future<Page> list(String after, int limit, Boolean isOnline) {
    String set = isOnline == null ? all : isOnline ? online : offline;
    return redis.send(Request.cmd(Command.ZRANGEBYLEX).arg(set).arg(after == null ? "-" : "(" + after).arg("+")
        .arg("LIMIT").arg(0).arg(limit + 1))
      .compose(ids -> {
        List<String> page = ids.stream().map(Response::toString).limit(limit).toList();
        boolean more = ids.size() > limit;
        if (page.isEmpty()) {
          return Future.succeededFuture(new Page(List.of(), null));
        }
        return redis.batch(page.stream().map(id -> Request.cmd(Command.HMGET).arg(devicePrefix + id)
            .arg("site").arg("online").arg("last_seen").arg("telemetry").arg("active_schedule").arg("active_version")).toList())
          .map(rows -> {
            List<JsonObject> items = new ArrayList<>();
            for (int i = 0; i < page.size(); i++) {
              JsonObject device = toDevice(page.get(i), rows.get(i));
              if (device != null) {
                items.add(device);
              }
            }
            return new Page(items, more ? page.get(page.size() - 1) : null);
          });
      });
  }

  @Override
  public Future<Void> recordAppliedSchedule(String deviceId, String scheduleId, long version) {
    Script script = scripts.get("schedule");
    return batch(() -> List.of(script.call(List.of(devicePrefix + deviceId), List.of(scheduleId, version))))
      .mapEmpty();
  }

  @Override
  public Future<JsonObject> counts() {
    return redis.batch(List.of(Request.cmd(Command.ZCARD).arg(all), Request.cmd(Command.ZCARD).arg(online)))
      .map(r -> new JsonObject().put("devices", r.get(0).toLong()).put("online", r.get(1).toLong()));
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }
}
