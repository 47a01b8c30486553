package io.nattery.cloud.cli;

import io.nattery.cloud.fleet.FleetOptions;
import io.nattery.cloud.fleet.FleetSimulator;
import io.nattery.protocol.battery.BatteryModel;
import io.vertx.core.Vertx;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code simulate --devices N [--rate HZ] [--broker URL]}: a fleet of simulated devices speaking PROTOCOL.md, for
 * load tests. Runs until stopped. The devices' password comes from an environment variable or a file, never from
 * the command line (where every user of the host could read it).
 */
@Command(name = "simulate", description = "A fleet of simulated devices speaking the protocol, for load tests.")
final class SimulateCommand implements Callable<Integer> {

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--devices", required = true, description = "how many devices, one MQTT connection each")
  int devices;

  @Option(names = "--rate", defaultValue = "1", description = "telemetry samples per second per device (default 1)")
  double rateHz;

  @Option(names = "--broker", defaultValue = "mqtt://127.0.0.1:1883",
    description = "mqtt://host:port or mqtts://host:port (default mqtt://127.0.0.1:1883)")
  String broker;

  @Option(names = "--username-pattern", defaultValue = FleetOptions.ID_PLACEHOLDER,
    description = "each device's MQTT username, {id} replaced by its id (default {id})")
  String usernamePattern;

  @Option(names = "--password-env", description = "an environment variable holding the devices' MQTT password")
  String passwordEnv;

  @Option(names = "--password-file", description = "a file holding the devices' MQTT password")
  Path passwordFile;

  @Option(names = "--prefix", defaultValue = "sim-", description = "device ids are this and a number (default sim-)")
  String prefix;

  @Option(names = "--connect-rate", defaultValue = "500", description = "new connections per second (default 500)")
  int connectRate;

  @Option(names = "--clean-session", description = "start each session clean instead of resuming it")
  boolean cleanSession;

  @Option(names = "--stats-json", description = "also print the counters as one JSON line on stdout every interval")
  boolean statsJson;

  @Option(names = "--stats-interval-s", defaultValue = "10", description = "seconds between summaries (default 10)")
  int statsIntervalS;

  @Override
  public Integer call() throws Exception {
    FleetOptions options;
    try {
      FleetOptions.Broker where = FleetOptions.broker(broker);
      if (statsIntervalS < 1) {
        throw new IllegalArgumentException("--stats-interval-s must be at least 1");
      }
      options = new FleetOptions(devices, rateHz, where.host(), where.port(), where.ssl(), usernamePattern,
        password(), prefix, connectRate, cleanSession, statsJson, statsIntervalS * 1000L, BatteryModel.defaults());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Vertx vertx = Vertx.vertx();
    try {
      vertx.deployVerticle(new FleetSimulator(options)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("nattery simulate: could not start: " + CloudCommand.rootMessage(e));
      vertx.close();
      return 1;
    }
    // undeploying says offline for every device before the connections close
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "nattery-shutdown"));
    NatteryCli.serving = true;
    return 0;
  }

  private String password() {
    if (passwordEnv != null && passwordFile != null) {
      throw new IllegalArgumentException("give --password-env or --password-file, not both");
    }
    if (passwordFile != null) {
      try {
        return Files.readString(passwordFile).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read --password-file " + passwordFile + ": " + e.getMessage());
      }
    }
    if (passwordEnv != null) {
      String value = System.getenv(passwordEnv);
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("the environment variable " + passwordEnv + " (--password-env) is not set");
      }
      return value;
    }
    return null;
  }
}
