package io.nattery.cloud.demo;

import io.questdb.Bootstrap;
import io.questdb.DefaultBootstrapConfiguration;
import io.questdb.ServerMain;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * QuestDB in-process for the demo, on free local ports, data in a temporary directory removed on close:
 * written over HTTP (InfluxDB line protocol), read over the PostgreSQL wire protocol. Tests use it too.
 */
public final class EmbeddedQuestDb implements AutoCloseable {

  private final Path root;
  private final ServerMain server;
  private final int httpPort;
  private final int pgPort;

  public EmbeddedQuestDb() throws IOException {
    root = Files.createTempDirectory("nattery-questdb");
    Files.createDirectories(root.resolve("conf"));
    // QuestDB logs every query and a page of advisories to stdout; in the demo they go to its own file.
    Files.writeString(root.resolve("conf/log.conf"), """
      writers=file
      w.file.class=io.questdb.log.LogFileWriter
      w.file.location=%s
      w.file.level=ERROR,CRITICAL,ADVISORY
      """.formatted(root.resolve("questdb.log")));
    httpPort = freePort();
    pgPort = freePort();
    Map<String, String> env = new HashMap<>(Map.of(
      "QDB_HTTP_BIND_TO", "127.0.0.1:" + httpPort,
      "QDB_HTTP_MIN_ENABLED", "false",
      "QDB_PG_NET_BIND_TO", "127.0.0.1:" + pgPort,
      "QDB_LINE_TCP_ENABLED", "false",
      "QDB_LINE_UDP_ENABLED", "false",
      "QDB_TELEMETRY_ENABLED", "false",
      "QDB_CAIRO_MAT_VIEW_ENABLED", "false"));
    // A demo's load is a few rows a second: one thread per pool, and idle workers go to sleep quickly and
    // for longer instead of spinning (QuestDB's defaults are tuned for ingest on a dedicated host).
    for (String count : new String[] {"SHARED_NETWORK_WORKER_COUNT", "SHARED_QUERY_WORKER_COUNT",
      "SHARED_WRITE_WORKER_COUNT", "WAL_APPLY_WORKER_COUNT", "PG_WORKER_COUNT", "VIEW_COMPILER_WORKER_COUNT",
      "EXPORT_WORKER_COUNT", "MAT_VIEW_REFRESH_WORKER_COUNT"}) {
      env.put("QDB_" + count, "1");
    }
    for (String pool : new String[] {"SHARED_WORKER", "PG_WORKER", "WAL_APPLY_WORKER", "EXPORT_WORKER"}) {
      env.put("QDB_" + pool + "_YIELD_THRESHOLD", "10");
      env.put("QDB_" + pool + "_NAP_THRESHOLD", "20");
      env.put("QDB_" + pool + "_SLEEP_THRESHOLD", "50");
      env.put("QDB_" + pool + "_SLEEP_TIMEOUT", "100");
    }
    env.put("QDB_HTTP_NET_ACCEPT_LOOP_TIMEOUT", "1000");
    env.put("QDB_PG_NET_ACCEPT_LOOP_TIMEOUT", "1000");
    server = new ServerMain(new Bootstrap(new DefaultBootstrapConfiguration() {
      @Override
      public Map<String, String> getEnv() {
        return env;
      }

      @Override
      public String getBanner() {
        return "";
      }
    }, "-d", root.toString()));
    server.start();
  }

  /**
   * The {@code history} configuration of the cloud node: {@code url} for writes, {@code pg} for SQL reads
   * (QuestDB's built-in credentials, which only a local process can reach here).
   */
  public JsonObject historyConfig() {
    return new JsonObject().put("url", "http://127.0.0.1:" + httpPort)
      .put("pg", new JsonObject().put("host", "127.0.0.1").put("port", pgPort)
        .put("database", "qdb").put("user", "admin").put("password", "quest"));
  }

  public int pgPort() {
    return pgPort;
  }

  @Override
  public void close() throws IOException {
    server.close();
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
