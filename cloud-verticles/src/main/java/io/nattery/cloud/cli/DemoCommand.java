package io.nattery.cloud.cli;

import io.nattery.cloud.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.Callable;

@Command(name = "demo", description = "The whole system in one process: embedded broker and stores, "
  + "simulated inverters, dashboard.")
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--devices", defaultValue = "3", description = "simulated inverters (default ${DEFAULT-VALUE})")
  int devices;

  @Option(names = "--port", defaultValue = "8080", description = "HTTP port of the API and dashboard")
  int port;

  @Option(names = "--mqtt-port", defaultValue = "1883", description = "MQTT port of the embedded broker")
  int mqttPort;

  private static final String DEFAULT_PASSWORD = "nattery-demo";

  @Option(names = "--password", defaultValue = "${env:NATTERY_DEMO_PASSWORD:-" + DEFAULT_PASSWORD + "}",
    description = "password of the demo users admin, operator, trader and viewer "
      + "(or NATTERY_DEMO_PASSWORD, which other users cannot see in the process list)")
  String password;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "interface the API binds to")
  String host;

  @Option(names = "--register-map", description = "the inverters' register map "
    + "(default: the shipped conf/registers/generic-hybrid.json)")
  String registerMap;

  @Override
  public Integer call() {
    if (devices < 1 || devices > 1000) {
      System.err.println("nattery: --devices must be between 1 and 1000");
      return 2;
    }
    if (!free(host, port)) {
      System.err.println("nattery: port " + port + " is already in use; choose another with --port");
      return 1;
    }
    if (!free("127.0.0.1", mqttPort)) {
      System.err.println("nattery: port " + mqttPort + " is already in use; choose another with --mqtt-port");
      return 1;
    }
    long started = System.nanoTime();
    Demo demo = new Demo(new Demo.Settings(devices, host, port, mqttPort, password, registerMap));
    try {
      demo.start();
    } catch (Exception | LinkageError e) {
      System.err.println("nattery: the demo could not start: " + CloudCommand.rootMessage(e));
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "nattery-demo-shutdown"));
    long ms = (System.nanoTime() - started) / 1_000_000;
    String base = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + port;
    System.out.printf("""
      Nattery demo ready in %.1f s with %d simulated inverters.
        dashboard and API  %s/  (API under %s/api/v1, health at %s/health/ready)
        MQTT broker        127.0.0.1:%d  (devices log in with their own id; anonymous clients may read telemetry)
        telemetry history  QuestDB, PostgreSQL wire at 127.0.0.1:%d (user admin, password quest, table telemetry)
        prices             %s, generated (source "synthetic", not market data): %s/api/v1/prices?zone=%s
        logins             admin, operator, trader, viewer  (password: %s)
        token              curl -s -X POST %s/api/v1/auth/token -H 'Content-Type: application/json' \\
                             -d '{"username":"viewer","password":"..."}'
      Stop with Ctrl-C.
      """, ms / 1000.0, devices, base, base, base, mqttPort, demo.questDbPgPort(), Demo.PRICE_ZONE, base, Demo.PRICE_ZONE,
      password.equals(DEFAULT_PASSWORD) ? DEFAULT_PASSWORD + ", the default" : "the one given with --password or NATTERY_DEMO_PASSWORD", base);
    System.out.flush();
    NatteryCli.serving = true;
    return 0;
  }

  private static boolean free(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
