package io.nattery.edge;

import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The edge service on its own, without the cloud on the class path: {@code java -cp ... io.nattery.edge.EdgeMain
 * --conf /etc/nattery/edge.json}. Configuration as {@code conf/edge.example.json}; every string value of the
 * form {@code ${NAME}} or {@code ${NAME:-default}} is replaced from the environment (balena and docker set
 * per-device values that way). With {@code "simulator": {"port": 1502}} a simulated inverter runs in the
 * same process and the edge talks to it over Modbus TCP.
 */
public final class EdgeMain {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeMain.class);

  private EdgeMain() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("--conf")) {
      System.err.println("usage: EdgeMain --conf FILE");
      System.exit(2);
    }
    JsonObject config;
    try {
      config = EnvironmentConfig.expand(new JsonObject(Files.readString(Path.of(args[1]))));
    } catch (Exception e) {
      System.err.println("cannot read " + args[1] + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    InverterSimulator simulator = null;
    JsonObject simulated = config.getJsonObject("simulator");
    if (simulated != null) {
      simulator = new InverterSimulator(SimulatorConfig.defaults(config.getString("device_id"))
          .withPort(simulated.getInteger("port", 0))).start();
      JsonObject modbus = config.getJsonObject("modbus", new JsonObject());
      config.put("modbus", modbus.put("transport", "tcp").put("host", "127.0.0.1").put("port", simulator.port()));
    }
    Vertx vertx = Vertx.vertx();
    try {
      EdgeService.deploy(vertx, config).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("the edge service could not start: {}", e.getMessage());
      vertx.close();
      if (simulator != null) {
        simulator.stop();
      }
      System.exit(1);
    }
    InverterSimulator started = simulator;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        // shutting down anyway
      }
      if (started != null) {
        started.stop();
      }
    }, "nattery-edge-shutdown"));
  }
}
