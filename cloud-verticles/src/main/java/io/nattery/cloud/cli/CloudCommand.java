package io.nattery.cloud.cli;

import io.nattery.cloud.CloudNode;
import io.nattery.cloud.metrics.NodeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(name = "cloud", description = "Run a cloud node.")
final class CloudCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(CloudCommand.class);

  @Option(names = "--conf", required = true, description = "the node's JSON configuration (see conf/cloud.json)")
  Path conf;

  @Option(names = "--cluster", description = "join the other nodes over Hazelcast")
  boolean cluster;

  @Override
  public Integer call() throws Exception {
    JsonObject config = ConfigFile.read(conf);
    PrometheusMeterRegistry metrics = NodeMetrics.start();
    VertxBuilder builder = NodeMetrics.instrumented(new VertxOptions(), metrics);
    Vertx vertx = cluster
      ? builder.withClusterManager(clusterManager(config.getJsonObject("cluster", new JsonObject())))
          .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS)
      : builder.build();
    try {
      CloudNode.deploy(vertx, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("the cloud node could not start: {}", rootMessage(e));
      vertx.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close().await(), "nattery-shutdown"));
    NatteryCli.serving = true;
    return 0;
  }

  /**
   * Hazelcast with Vert.x's defaults, but members found over TCP-IP from {@code cluster.members}
   * ("host[:port]"), never by multicast, which would let any host on the network join.
   */
  static HazelcastClusterManager clusterManager(JsonObject cluster) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(cluster.getString("name", "nattery"));
    JoinConfig join = hazelcast.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    cluster.getJsonArray("members", new JsonArray(List.of("127.0.0.1")))
      .forEach(member -> join.getTcpIpConfig().addMember(String.valueOf(member)));
    return new HazelcastClusterManager(hazelcast);
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
