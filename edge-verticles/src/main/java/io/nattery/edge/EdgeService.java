package io.nattery.edge;

import io.nattery.edge.modbus.ModbusWorkerVerticle;
import io.nattery.edge.telemetry.TelemetryPollerVerticle;
import io.nattery.edge.uplink.MqttUplinkVerticle;
import io.nattery.protocol.Contract;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The edge service of one device: Modbus worker, telemetry poller and MQTT uplink, deployed from one
 * config object (see {@code conf/edge.json}):
 * <pre>
 * {"device_id": "pi-0001",
 *  "register_map": "conf/registers/generic-hybrid.json",   (optional: the shipped map)
 *  "poll_interval_ms": 1000,
 *  "modbus": {"transport": "tcp", "host": "127.0.0.1", "port": 502, "unit_id": 1, "timeout_ms": 1000},
 *  "mqtt": {"host": "127.0.0.1", "port": 1883, "username": "(device id)", "password": null, "keepalive_s": 30}}
 * </pre>
 * Several devices may share one Vert.x instance (the demo): every address carries the device id.
 */
public final class EdgeService {
  private EdgeService() {
  }

  /** Deploys the three verticles in dependency order; all or nothing. Resolves with the deployment ids, in that order. */
  public static Future<List<String>> deploy(Vertx vertx, JsonObject config) {
    String deviceId = config.getString("device_id");
    if (!Contract.isValidDeviceId(deviceId)) {
      return Future.failedFuture(new IllegalArgumentException("device_id missing or invalid: " + deviceId));
    }
    List<String> ids = new ArrayList<>();
    // the worker must be a WORKER with one instance: strictly sequential Modbus transactions depend on it
    DeploymentOptions worker = new DeploymentOptions().setConfig(config.copy())
        .setThreadingModel(ThreadingModel.WORKER).setInstances(1);
    DeploymentOptions eventLoop = new DeploymentOptions().setConfig(config.copy());
    return vertx.deployVerticle(new ModbusWorkerVerticle(), worker)
        .compose(id -> {
          ids.add(id);
          return vertx.deployVerticle(new MqttUplinkVerticle(), eventLoop);
        })
        .compose(id -> {
          ids.add(id);
          return vertx.deployVerticle(new TelemetryPollerVerticle(), eventLoop);
        })
        .map(id -> {
          ids.add(id);
          return List.copyOf(ids);
        })
        .recover(e -> undeploy(vertx, ids).transform(undeployed -> Future.<List<String>>failedFuture(e)));
  }

  /** Undeploys in reverse order: the poller stops first, the uplink says offline, the worker closes the link last. */
  public static Future<Void> undeploy(Vertx vertx, List<String> deploymentIds) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deploymentIds.size() - 1; i >= 0; i--) {
      String id = deploymentIds.get(i);
      chain = chain.compose(v -> vertx.undeploy(id));
    }
    return chain;
  }
}
