package io.nattery.cloud.bridge;

import io.nattery.cloud.Addresses;
import io.nattery.cloud.api.RouteGroup;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.auth.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * PROTOCOL.md's SockJS event-bus bridge at {@code /eventbus}: the standard Vert.x bridge, outbound only. Every
 * {@code register} frame must carry a valid JWT in its headers ({@code authorization: Bearer ...}) whose roles may
 * see the address ({@link BridgeAddresses#leastRole}); {@code send} and {@code publish} are refused, as every action
 * goes through REST. Per connection: at most {@code bridge.max_subscriptions} addresses, and at most
 * {@code bridge.max_buffered_bytes} written but not yet taken by the client; past that the client is cut off, so a
 * slow or stalled reader costs the node a bounded amount of memory and nobody else waits for it.
 * <p>
 * Which per-device addresses this node's clients listen to is announced on {@link Addresses#BRIDGE_INTEREST}, so
 * that the node that ingests a device publishes its addresses only while someone, on any node, listens.
 */
public final class EventBusBridge implements RouteGroup {

  private static final Logger LOG = LoggerFactory.getLogger(EventBusBridge.class);
  /** How often the full interest of this node is announced again (a restarted feed learns it within this). */
  static final long ANNOUNCE_EVERY_MS = 5_000;

  private final String node = UUID.randomUUID().toString();
  private final Map<SockJSSocket, Connection> connections = new HashMap<>();
  /** Per-device addresses this node's clients registered, with how many clients each. */
  private final Map<String, Integer> interest = new HashMap<>();
  private Vertx vertx;
  private Tokens tokens;
  private int maxSubscriptions;
  private long maxBufferedBytes;
  private boolean announcePending;

  /** One client connection: what it registered and what was written to it but not yet flushed. */
  private static final class Connection {
    final Set<String> addresses = new HashSet<>();
    long buffered;
    boolean cutOff;
  }

  @Override
  public void mount(Vertx vertx, Router router, Pool pool, JsonObject config) {
    this.vertx = vertx;
    JsonObject bridge = config.getJsonObject("bridge", new JsonObject());
    maxSubscriptions = bridge.getInteger("max_subscriptions", 64);
    maxBufferedBytes = bridge.getLong("max_buffered_bytes", 1L << 20);
    tokens = new Tokens(vertx, config.getJsonObject("jwt", new JsonObject()));
    SockJSBridgeOptions options = new SockJSBridgeOptions()
      .addOutboundPermitted(new PermittedOptions().setAddressRegex(BridgeAddresses.OUTBOUND_REGEX))
      // ours refuses first, with a clearer error; this is the bridge's own backstop
      .setMaxHandlersPerSocket(maxSubscriptions + 1)
      .setMaxAddressLength(100)
      .setPingTimeout(bridge.getLong("ping_timeout_ms", 30_000L));
    SockJSHandler sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions().setRegisterWriteHandler(false));
    router.route("/eventbus/*").subRouter(sockJs.bridge(options, this::onEvent));
    vertx.setPeriodic(ANNOUNCE_EVERY_MS, id -> announce());
  }

  private void onEvent(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    switch (event.type()) {
      case SOCKET_CREATED -> {
        connections.put(socket, new Connection());
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        Connection closed = connections.remove(socket);
        if (closed != null) {
          closed.addresses.forEach(this::release);
        }
        event.complete(true);
      }
      case REGISTER -> register(event);
      case UNREGISTER -> {
        Connection connection = connections.get(socket);
        String address = event.getRawMessage().getString("address");
        if (connection != null && connection.addresses.remove(address)) {
          release(address);
        }
        event.complete(true);
      }
      case SEND, PUBLISH -> {
        error(socket, event.getRawMessage().getString("address"), 405, "inbound_refused",
          "nothing is inbound on this bridge: act through the REST API");
        event.complete(false);
      }
      case RECEIVE -> deliver(event);
      default -> event.complete(true);
    }
  }

  private void register(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    String address = event.getRawMessage().getString("address");
    Optional<String> token = event.getRawMessage().getValue("headers") instanceof JsonObject headers
      ? bearer(headers) : Optional.empty();
    if (token.isEmpty()) {
      refuse(event, address, 401, "unauthorized", "a register frame needs headers.authorization: Bearer <token>");
      return;
    }
    tokens.auth().authenticate(new TokenCredentials(token.get())).onComplete(authenticated -> {
      Connection connection = connections.get(socket);
      if (connection == null) {
        event.complete(false);
        return;
      }
      if (authenticated.failed()) {
        refuse(event, address, 401, "unauthorized", "the token is not valid");
        return;
      }
      Optional<Role> least = BridgeAddresses.leastRole(address);
      if (least.isEmpty()) {
        refuse(event, address, 403, "access_denied", "no such address on this bridge");
        return;
      }
      if (!roles(authenticated.result()).contains(least.get().wire())) {
        refuse(event, address, 403, "access_denied", "this address needs the role " + least.get().wire());
        return;
      }
      if (connection.addresses.size() >= maxSubscriptions) {
        refuse(event, address, 429, "too_many_subscriptions",
          "at most " + maxSubscriptions + " addresses per connection");
        return;
      }
      if (connection.addresses.add(address)) {
        acquire(address);
      }
      event.complete(true);
    });
  }

  /** Writes the frame itself, counting what the client has not taken yet; cuts the client off past the limit. */
  private void deliver(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    Connection connection = connections.get(socket);
    event.complete(false);
    if (connection == null || connection.cutOff) {
      return;
    }
    Buffer frame = event.getRawMessage().toBuffer();
    int length = frame.length();
    if (connection.buffered + length > maxBufferedBytes) {
      connection.cutOff = true;
      LOG.warn("cut off a bridge client that did not keep up [from: {}, buffered: {} bytes, addresses: {}]",
        socket.remoteAddress(), connection.buffered, connection.addresses.size());
      socket.close(4008, "too slow: more than " + maxBufferedBytes + " bytes waiting");
      return;
    }
    connection.buffered += length;
    socket.write(frame).onComplete(written -> connection.buffered -= length);
  }

  private void refuse(BridgeEvent event, String address, int code, String type, String message) {
    LOG.info("refused a bridge registration [address: {}, from: {}, why: {}]", printable(address),
      event.socket().remoteAddress(), type);
    error(event.socket(), address, code, type, message);
    event.complete(false);
  }

  /** An error frame as the standard client hands it to the address's handler ({@code failureCode, failureType, message}). */
  private static void error(SockJSSocket socket, String address, int code, String type, String message) {
    JsonObject frame = new JsonObject().put("type", "err").put("failureCode", code).put("failureType", type)
      .put("message", message);
    if (address != null) {
      frame.put("address", address);
    }
    socket.write(frame.toBuffer());
  }

  private void acquire(String address) {
    if (BridgeAddresses.isDeviceAddress(address) && interest.merge(address, 1, Integer::sum) == 1) {
      announceSoon();
    }
  }

  private void release(String address) {
    if (BridgeAddresses.isDeviceAddress(address)
      && interest.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null) == null) {
      announceSoon();
    }
  }

  private void announceSoon() {
    if (!announcePending) {
      announcePending = true;
      vertx.setTimer(50, id -> announce());
    }
  }

  private void announce() {
    announcePending = false;
    vertx.eventBus().publish(Addresses.BRIDGE_INTEREST, new JsonObject().put("node", node)
      .put("addresses", new JsonArray(List.copyOf(interest.keySet()))));
  }

  private static Optional<String> bearer(JsonObject headers) {
    if (headers == null) {
      return Optional.empty();
    }
    for (String name : headers.fieldNames()) {
      if (name.equalsIgnoreCase("authorization") && headers.getValue(name) instanceof String value
        && value.regionMatches(true, 0, "Bearer ", 0, 7) && value.length() > 7) {
        return Optional.of(value.substring(7).trim());
      }
    }
    return Optional.empty();
  }

  private static List<Object> roles(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
    JsonArray roles = claims.getJsonArray("roles");
    return roles == null ? List.of() : roles.getList();
  }

  private static String printable(String address) {
    return address == null ? null : address.replaceAll("[^A-Za-z0-9_.*-]", "?");
  }
}
