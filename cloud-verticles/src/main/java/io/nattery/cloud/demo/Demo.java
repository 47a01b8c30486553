package io.nattery.cloud.demo;

import io.nattery.cloud.CloudNode;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.UserStore;
import io.nattery.cloud.db.Database;
import io.nattery.cloud.metrics.NodeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nattery.edge.EdgeService;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole system in one process on embedded defaults: PostgreSQL (zonky), QuestDB, Moquette, the cloud node, and
 * N simulated inverters each behind its own edge verticles with its own broker login. The demo has no internet and
 * no ENTSO-E token, so its prices are generated ({@link #PRICE_ZONE}, {@code source: "synthetic"}, see
 * {@link io.nattery.cloud.prices.SyntheticPrices}): today's and tomorrow's, so that trading and dashboards have
 * prices; they are not market data.
 */
public final class Demo implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
  public static final String CLOUD_MQTT_USER = "nattery-cloud";
  public static final String SITE = "demo-site";
  /** The bidding zone of the demo's generated prices. */
  public static final String PRICE_ZONE = "DE_LU";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What the demo was asked for; a null register map means the shipped generic-hybrid one. */
  public record Settings(int devices, String host, int httpPort, int mqttPort, String userPassword,
                         String registerMap) {
  }

  private final Settings settings;
  private final List<InverterSimulator> simulators = new ArrayList<>();
  private EmbeddedDatabase database;
  private EmbeddedQuestDb questDb;
  private EmbeddedBroker broker;
  private Vertx vertx;
  private PrometheusMeterRegistry metrics;

  /** The PostgreSQL-wire port of the embedded QuestDB (telemetry history), once started. */
  public int questDbPgPort() {
    return questDb.pgPort();
  }

  public Demo(Settings settings) {
    this.settings = settings;
  }

  public static String deviceId(int index) {
    return String.format("demo-%03d", index + 1);
  }

  /** Starts everything, in dependency order; on failure what started is stopped again. */
  public void start() throws Exception {
    try {
      database = new EmbeddedDatabase();
      questDb = new EmbeddedQuestDb();
      String run = randomSecret().substring(0, 12);
      Map<String, BrokerAccessPolicy.Login> devices = new LinkedHashMap<>();
      for (int i = 0; i < settings.devices(); i++) {
        devices.put(deviceId(i), new BrokerAccessPolicy.Login(randomSecret(), deviceId(i) + "-" + run));
      }
      BrokerAccessPolicy.Login cloudLogin = new BrokerAccessPolicy.Login(randomSecret(), "nattery-cloud-" + run);
      broker = new EmbeddedBroker("127.0.0.1", settings.mqttPort(), CLOUD_MQTT_USER, cloudLogin, devices);

      metrics = NodeMetrics.start();
      vertx = NodeMetrics.instrumented(new VertxOptions(), metrics).build();
      JsonObject cloud = new JsonObject()
        .put("http", new JsonObject().put("host", settings.host()).put("port", settings.httpPort()))
        .put("mqtt", new JsonObject()
          .put("host", "127.0.0.1").put("port", settings.mqttPort())
          .put("username", CLOUD_MQTT_USER).put("password", cloudLogin.password())
          .put("client_id", cloudLogin.clientId())
          .put("shared_subscription", false))
        .put("postgres", database.config())
        .put("history", questDb.historyConfig())
        // a demo runs for minutes: settle every minute rather than every five
        .put("settlement", new JsonObject().put("interval_s", 60))
        .put("jwt", new JsonObject().put("secret", randomSecret()))
        .put("trading", new JsonObject().put("default_zone", PRICE_ZONE).put("default_strategy", "arbitrage"))
        .put("state", new JsonObject().put("registry_sync_ms", 10_000))
        .put("prices", new JsonObject().put("source", "synthetic").put("zones", new JsonArray().add(PRICE_ZONE)));
      // the registry is filled before the node starts, so its device list is complete from the first query
      await(CloudNode.migrate(vertx, database.config()));
      await(provision(database.config(), devices.keySet()));
      await(CloudNode.deploy(vertx, cloud));

      RegisterMap map = settings.registerMap() == null
        ? RegisterMap.genericHybrid() : RegisterMap.load(Path.of(settings.registerMap()));
      for (Map.Entry<String, BrokerAccessPolicy.Login> device : devices.entrySet()) {
        InverterSimulator simulator = new InverterSimulator(SimulatorConfig.defaults(device.getKey())
          .withRegisterMap(map).withPort(0)).start();
        simulators.add(simulator);
        JsonObject edge = new JsonObject()
          .put("device_id", device.getKey())
          .put("register_map", settings.registerMap())
          .put("poll_interval_ms", 1000)
          .put("modbus", new JsonObject().put("host", "127.0.0.1").put("port", simulator.port())
            .put("unit_id", 1).put("timeout_ms", 1000))
          .put("mqtt", new JsonObject().put("host", "127.0.0.1").put("port", settings.mqttPort())
            .put("username", device.getKey()).put("password", device.getValue().password())
            .put("client_id", device.getValue().clientId()));
        await(EdgeService.deploy(vertx, edge));
      }
    } catch (Throwable e) {
      close();
      throw e;
    }
  }

  /** The demo's users (one per role, the given password) and its devices in the registry. */
  private Future<Void> provision(JsonObject postgres, Iterable<String> deviceIds) {
    Pool pool = Database.pool(vertx, postgres);
    UserStore users = new UserStore(pool);
    PasswordHasher hasher = new PasswordHasher();
    Future<Void> chain = Future.succeededFuture();
    for (Role role : Role.values()) {
      chain = chain.compose(v -> vertx.executeBlocking(() -> hasher.hash(settings.userPassword()), false))
        .compose(hash -> users.save(role.wire(), hash, role));
    }
    for (String id : deviceIds) {
      chain = chain.compose(v -> pool.preparedQuery(
          "INSERT INTO devices (device_id, site, model, rated_power_kw, capacity_kwh) VALUES ($1, $2, $3, $4, $5) "
            + "ON CONFLICT (device_id) DO NOTHING")
        .execute(Tuple.of(id, SITE, "generic-hybrid", 5.0, 10.0)).mapEmpty());
    }
    return chain.eventually(pool::close);
  }

  @Override
  public void close() {
    // in reverse order of start; each step runs even when an earlier one failed
    if (vertx != null) {
      Vertx running = vertx;
      stop("the verticles", () -> running.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
      vertx = null;
    }
    if (metrics != null) {
      NodeMetrics.stop(metrics);
      metrics = null;
    }
    simulators.forEach(InverterSimulator::stop);
    simulators.clear();
    stop("the MQTT broker", broker);
    broker = null;
    stop("QuestDB", questDb);
    questDb = null;
    stop("PostgreSQL", database);
    database = null;
  }

  private static void stop(String what, AutoCloseable part) {
    if (part == null) {
      return;
    }
    try {
      part.close();
    } catch (Exception e) {
      LOG.warn("stopping {}: {}", what, e.getMessage());
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static String randomSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
