package io.nattery.cloud.cli;

import io.nattery.edge.EdgeService;
import io.nattery.edge.EnvironmentConfig;
import io.nattery.edge.simulator.InverterSimulator;
import io.nattery.edge.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "edge", description = "Run the edge service of one Pi.")
final class EdgeCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(EdgeCommand.class);

  @Option(names = "--conf", required = true, description = "the edge's JSON configuration (documented in conf/edge.example.json)")
  Path conf;

  @Override
  public Integer call() {
    JsonObject config;
    try {
      // ${NAME} and ${NAME:-default} from the environment, as the Pi's own jar does (conf/edge.example.json)
      config = EnvironmentConfig.expand(ConfigFile.read(conf));
    } catch (IllegalArgumentException e) {
      LOG.error("{}: {}", conf, e.getMessage());
      return 2;
    }
    InverterSimulator simulator = null;
    JsonObject simulated = config.getJsonObject("simulator");
    if (simulated != null) {
      // An edge without hardware (compose's edge-sim, a laptop): a simulated inverter in the same process.
      try {
        simulator = new InverterSimulator(SimulatorConfig.defaults(config.getString("device_id"))
          .withPort(simulated.getInteger("port", 0))).start();
      } catch (Exception e) {
        LOG.error("the simulated inverter could not start: {}", CloudCommand.rootMessage(e));
        return 1;
      }
      JsonObject modbus = config.getJsonObject("modbus", new JsonObject());
      config.put("modbus", modbus.put("transport", "tcp").put("host", "127.0.0.1").put("port", simulator.port()));
    }
    Vertx vertx = Vertx.vertx();
    try {
      EdgeService.deploy(vertx, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("the edge service could not start: {}", CloudCommand.rootMessage(e));
      vertx.close();
      if (simulator != null) {
        simulator.stop();
      }
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "nattery-shutdown"));
    NatteryCli.serving = true;
    return 0;
  }
}
