package io.nattery.edge;

import io.nattery.edge.command.CommandVerticle;
import io.nattery.edge.control.ControlVerticle;
import io.nattery.edge.health.AlarmVerticle;
import io.nattery.edge.health.HealthVerticle;
import io.nattery.edge.modbus.ModbusWorkerVerticle;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.schedule.ScheduleExecutorVerticle;
import io.nattery.edge.store.EdgeStore;
import io.nattery.edge.telemetry.TelemetryPollerVerticle;
import io.nattery.edge.uplink.MqttUplinkVerticle;
import io.nattery.protocol.Contract;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The edge service of one device, deployed from one config object (documented in
 * {@code conf/edge.example.json}): the store (SQLite: schedule, executed slots, outbox), the Modbus worker,
 * the MQTT uplink, the telemetry poller, battery control with the safety limits, the schedule executor,
 * commands, alarms and health. Several devices may share one Vert.x instance (the demo): every address
 * carries the device id, and each device has its own store file.
 */
public final class EdgeService {
  private EdgeService() {
  }

  /** Deploys everything in dependency order; all or nothing. Resolves with the deployment ids, in that order. */
  public static Future<List<String>> deploy(Vertx vertx, JsonObject config) {
    String deviceId;
    try {
      deviceId = requireDeviceId(config);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    JsonObject storeConfig = config.getJsonObject("store", new JsonObject());
    // production sets store.dir (conf/edge.example.json); the default keeps the demo and tests out of the working directory
    Path storeFile = Path.of(storeConfig.getString("dir", Path.of(System.getProperty("java.io.tmpdir"), "nattery-edge").toString()), deviceId + ".db");
    int maxBuffered = storeConfig.getInteger("max_buffered", 20_000);
    String mapPath = config.getString("register_map");
    List<String> ids = new ArrayList<>();
    // the worker must be a WORKER with one instance: strictly sequential Modbus transactions depend on it
    DeploymentOptions worker = new DeploymentOptions().setConfig(config.copy())
        .setThreadingModel(ThreadingModel.WORKER).setInstances(1);
    DeploymentOptions eventLoop = new DeploymentOptions().setConfig(config.copy());
    return vertx.executeBlocking(() -> new Opened(new EdgeStore(storeFile, maxBuffered),
            mapPath == null || mapPath.isBlank() ? RegisterMap.genericHybrid() : RegisterMap.load(Path.of(mapPath))))
        .compose(opened -> {
          List<Deployable> order = List.of(
              new StoreHolder(opened.store()),
              new ModbusWorkerVerticle(),
              new MqttUplinkVerticle(opened.store()),
              new ControlVerticle(opened.map()),
              new TelemetryPollerVerticle(),
              new ScheduleExecutorVerticle(opened.store()),
              new CommandVerticle(opened.map(), opened.store()),
              new AlarmVerticle(opened.store()),
              new HealthVerticle());
          Future<Void> chain = Future.succeededFuture();
          for (Deployable verticle : order) {
            DeploymentOptions options = verticle instanceof ModbusWorkerVerticle ? worker : eventLoop;
            chain = chain.compose(v -> vertx.deployVerticle(verticle, options).map(id -> {
              ids.add(id);
              return null;
            }));
          }
          return chain.recover(e -> {
            if (ids.isEmpty()) {
              opened.store().close();
            }
            return Future.failedFuture(e);
          });
        })
        .map(v -> List.copyOf(ids))
        .recover(e -> undeploy(vertx, ids).transform(undeployed -> Future.<List<String>>failedFuture(e)));
  }

  private record Opened(EdgeStore store, RegisterMap map) {
  }

  /** Deployed first, undeployed last: closes the store once nothing uses it any more. */
  private static final class StoreHolder extends VerticleBase {
    private final EdgeStore store;

    StoreHolder(EdgeStore store) {
      this.store = store;
    }

    @Override
    public Future<?> stop() {
      return vertx.executeBlocking(() -> {
        store.close();
        return null;
      });
    }
  }

  /** Undeploys in reverse order: the poller stops first, the uplink says offline, the worker closes the link, the store last. */
  public static Future<Void> undeploy(Vertx vertx, List<String> deploymentIds) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deploymentIds.size() - 1; i >= 0; i--) {
      String id = deploymentIds.get(i);
      chain = chain.compose(v -> vertx.undeploy(id));
    }
    return chain;
  }

  /** The configuration's {@code device_id}, which every verticle of the edge needs; refused when not the contract's. */
  public static String requireDeviceId(JsonObject config) {
    String deviceId = config.getString("device_id");
    if (!Contract.isValidDeviceId(deviceId)) {
      throw new IllegalArgumentException("device_id missing or invalid: " + deviceId);
    }
    return deviceId;
  }
}
