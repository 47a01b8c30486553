package io.nattery.cloud.demo;

import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import io.nattery.protocol.Contract;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Moquette in-process, for the demo: per-device logins and the contract's topic permissions. */
final class EmbeddedBroker implements AutoCloseable {

  private final Server server = new Server();

  EmbeddedBroker(String host, int port, String cloudUser, BrokerAccessPolicy.Login cloud,
                 Map<String, BrokerAccessPolicy.Login> devices) throws IOException {
    Properties props = new Properties();
    props.setProperty("host", host);
    props.setProperty("port", Integer.toString(port));
    props.setProperty("websocket_port", "disabled");
    props.setProperty("allow_anonymous", "true");
    // plain mosquitto_sub sends an empty client id and lets the broker name it
    props.setProperty("allow_zero_byte_client_id", "true");
    props.setProperty("persistence_enabled", "false");
    props.setProperty("telemetry_enabled", "false");
    props.setProperty("netty.mqtt.message_size", Integer.toString(Contract.MAX_PAYLOAD_BYTES + 1024));
    BrokerAccessPolicy policy = new BrokerAccessPolicy(cloudUser, cloud, devices, true);
    server.startServer(new MemoryConfig(props), List.of(), null, policy, policy);
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.stopServer();
  }
}
