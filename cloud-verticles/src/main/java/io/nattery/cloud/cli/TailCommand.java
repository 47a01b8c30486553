package io.nattery.cloud.cli;

import io.nattery.cloud.bridge.BridgeAddresses;
import io.nattery.cloud.bridge.BridgeClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code nattery tail}: prints the bridge's messages, one JSON line {@code {"address","ts","body"}} each when stdout
 * is not a terminal, a readable coloured line when it is. {@code ts} is when the message arrived. Globs are
 * expanded over the bridge's addresses ({@link BridgeAddresses#expand}); a {@code *} for the device id is the
 * bridge's fleet-wide address, printed with the sample's own device id. Reconnects, with backoff, whenever the
 * connection ends; exits 1 when the node refused every address.
 */
@Command(name = "tail", description = "Print event-bus messages of the SockJS bridge, one JSON line each when piped.")
final class TailCommand implements Callable<Integer> {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
  private static final String RESET = "\u001b[0m";
  private static final String DIM = "\u001b[2m";

  @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the node (default ${DEFAULT-VALUE})")
  String url;

  @Option(names = "--token", defaultValue = "${env:NATTERY_TOKEN}",
    description = "a JWT from POST /api/v1/auth/token (default: the NATTERY_TOKEN environment variable, "
      + "which other users cannot see in the process list)")
  String token;

  @Parameters(arity = "1..*", paramLabel = "ADDRESS", description = "addresses or globs, e.g. fleet.summary "
    + "device.*.telemetry device.pi-0001.*")
  List<String> globs;

  private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private final boolean terminal = System.console() != null;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private Set<String> addresses;
  private final Set<String> refused = new LinkedHashSet<>();
  private Vertx vertx;
  private WebSocketClient client;
  private URI base;
  private long backoffMs = 500;

  @Override
  public Integer call() throws Exception {
    if (token == null || token.isBlank()) {
      System.err.println("nattery tail: no token: pass --token or set NATTERY_TOKEN");
      return 2;
    }
    addresses = new LinkedHashSet<>();
    try {
      for (String glob : globs) {
        addresses.addAll(BridgeAddresses.expand(glob));
      }
      base = URI.create(url);
      if (base.getHost() == null) {
        throw new IllegalArgumentException("--url must look like http://host:port");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("nattery tail: " + e.getMessage());
      return 2;
    }
    vertx = Vertx.vertx();
    client = BridgeClient.webSockets(vertx);
    vertx.runOnContext(v -> connect());
    int code = exit.get();
    out.flush();
    return code;
  }

  private void connect() {
    refused.clear();
    BridgeClient.connect(vertx, client, base, token, this::onFrame, v -> reconnect("the connection ended"))
      .onSuccess(bridge -> {
        backoffMs = 500;
        System.err.println("nattery tail: connected to " + base + ", listening to " + String.join(" ", addresses));
        addresses.forEach(bridge::register);
      })
      .onFailure(e -> reconnect("cannot connect to " + base + " (" + e.getMessage() + ")"));
  }

  private void reconnect(String why) {
    System.err.println("nattery tail: " + why + "; reconnecting in " + backoffMs + " ms");
    vertx.setTimer(backoffMs, id -> connect());
    backoffMs = Math.min(backoffMs * 2, 5_000);
  }

  private void onFrame(JsonObject frame) {
    String type = frame.getString("type");
    if ("rec".equals(type)) {
      print(frame.getString("address"), frame.getValue("body"));
    } else if ("err".equals(type)) {
      String address = frame.getString("address");
      if (address == null) {
        return; // the bridge's generic echo of a refusal already explained with the address
      }
      System.err.println("nattery tail: " + address + " refused: " + frame.getString("failureType") + " ("
        + frame.getString("message") + ")");
      refused.add(address);
      if (refused.containsAll(addresses)) {
        exit.complete(1);
      }
    }
  }

  private void print(String address, Object body) {
    String concrete = address;
    if (address.contains("." + BridgeAddresses.ANY_DEVICE + ".") && body instanceof JsonObject json
      && json.getString("device_id") != null) {
      concrete = address.replace("." + BridgeAddresses.ANY_DEVICE + ".", "." + json.getString("device_id") + ".");
    }
    Instant now = Instant.now();
    if (terminal) {
      out.println(DIM + CLOCK.format(now) + RESET + " " + colour(concrete) + concrete + RESET + " "
        + (body instanceof JsonObject json ? json.encode() : String.valueOf(body)));
    } else {
      out.println(new JsonObject().put("address", concrete).put("ts", now.truncatedTo(ChronoUnit.MILLIS).toString())
        .put("body", body).encode());
    }
    out.flush();
  }

  private static String colour(String address) {
    if (address.endsWith(".telemetry")) {
      return "\u001b[36m";
    }
    if (address.endsWith(".state")) {
      return "\u001b[35m";
    }
    return switch (address) {
      case BridgeAddresses.ALERTS -> "\u001b[31m";
      case BridgeAddresses.PRICES_UPDATED -> "\u001b[33m";
      case BridgeAddresses.FLEET_SUMMARY -> "\u001b[32m";
      default -> "\u001b[34m";
    };
  }
}
