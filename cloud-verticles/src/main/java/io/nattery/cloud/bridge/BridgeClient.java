package io.nattery.cloud.bridge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;

/**
 * A client of the event-bus bridge for Java (the {@code tail} command, tests, benchmarks): the bridge's JSON frames
 * over SockJS's raw WebSocket endpoint {@code /eventbus/websocket}, each {@code register} carrying the token, a
 * {@code ping} every 5 s as the bridge expects. One connection; reconnecting is the caller's choice.
 */
public final class BridgeClient {

  private static final long PING_EVERY_MS = 5_000;

  private final Vertx vertx;
  private final WebSocket socket;
  private final String token;
  private final long pinger;

  private BridgeClient(Vertx vertx, WebSocket socket, String token) {
    this.vertx = vertx;
    this.socket = socket;
    this.token = token;
    this.pinger = vertx.setPeriodic(PING_EVERY_MS, id -> socket.writeTextMessage("{\"type\":\"ping\"}"));
    socket.closeHandler(v -> vertx.cancelTimer(pinger));
  }

  /** A WebSocket client sized for bridge frames (a frame may be as large as a price curve). */
  public static WebSocketClient webSockets(Vertx vertx) {
    return webSockets(vertx, WebSocketClientOptions.DEFAULT_MAX_CONNECTIONS);
  }

  /** The same, for up to {@code connections} connections to one node at once (the default is 50). */
  public static WebSocketClient webSockets(Vertx vertx, int connections) {
    return vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
      .setMaxMessageSize(4 << 20).setConnectTimeout(5_000).setMaxConnections(connections));
  }

  /**
   * Connects to the bridge of the node at {@code base} ({@code http://host:port} or {@code https://...}).
   *
   * @param frames every frame the bridge sends: {@code rec} (a message) and {@code err} (a refusal)
   * @param closed called once when the connection ends
   */
  public static Future<BridgeClient> connect(Vertx vertx, WebSocketClient client, URI base, String token,
                                             Handler<JsonObject> frames, Handler<Void> closed) {
    boolean ssl = "https".equalsIgnoreCase(base.getScheme()) || "wss".equalsIgnoreCase(base.getScheme());
    int port = base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80;
    String path = (base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "")) + "/eventbus/websocket";
    return client.connect(new WebSocketConnectOptions().setHost(base.getHost()).setPort(port).setSsl(ssl)
        .setURI(path))
      .map(socket -> {
        BridgeClient bridge = new BridgeClient(vertx, socket, token);
        // the bridge writes its frames as binary WebSocket messages on this endpoint
        socket.handler(data -> {
          JsonObject frame;
          try {
            frame = new JsonObject(data);
          } catch (RuntimeException e) {
            return;
          }
          frames.handle(frame);
        });
        socket.closeHandler(v -> {
          vertx.cancelTimer(bridge.pinger);
          closed.handle(null);
        });
        return bridge;
      });
  }

  /** Asks for the address's messages; a refusal comes back as an {@code err} frame naming the address. */
  public Future<Void> register(String address) {
    JsonObject frame = new JsonObject().put("type", "register").put("address", address);
    if (token != null) {
      frame.put("headers", new JsonObject().put("authorization", "Bearer " + token));
    }
    return socket.writeTextMessage(frame.encode());
  }

  /** Sends a frame as is (tests use it for what the bridge must refuse). */
  public Future<Void> sendRaw(JsonObject frame) {
    return socket.writeTextMessage(frame.encode());
  }

  /** Stops reading: the node's writes then pile up, as with a stalled client. */
  public void pause() {
    socket.pause();
  }

  public void resume() {
    socket.resume();
  }

  public boolean isClosed() {
    return socket.isClosed();
  }

  public Future<Void> close() {
    vertx.cancelTimer(pinger);
    return socket.close();
  }
}
