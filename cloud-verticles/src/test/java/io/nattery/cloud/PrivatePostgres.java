package io.nattery.cloud;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own, from the machine's PostgreSQL binaries, on a free port and in a temporary
 * directory: a test may stop and start it (a database outage) without touching the machine's server that other
 * tests share. PostgreSQL refuses to run as root, so as root it runs as the {@code postgres} user.
 */
public final class PrivatePostgres implements AutoCloseable {

  private final Path dir;
  private final Path bin;
  public final int port;

  public PrivatePostgres() throws Exception {
    bin = binaries();
    port = LocalServices.freePort();
    dir = Files.createTempDirectory("nattery-pg-");
    run(List.of("chown", "postgres:postgres", dir.toString()), false);
    asOwner(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "postgres",
      "-E", "UTF8", "--no-sync");
    start();
  }

  /** The configuration object the cloud's {@code postgres} section expects. */
  public JsonObject config() {
    return new JsonObject().put("host", "127.0.0.1").put("port", port).put("database", "postgres")
      .put("user", "postgres").put("pool_size", 4);
  }

  public void start() throws Exception {
    asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
      dir.resolve("log").toString(), "-w", "-t", "60", "-o",
      "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
  }

  /** Stops the server at once, as a crash would (clients' connections are cut). */
  public void stop() throws Exception {
    asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
  }

  @Override
  public void close() throws Exception {
    try {
      stop();
    } catch (Exception alreadyStopped) {
      // removed below either way
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void asOwner(String... command) throws Exception {
    List<String> line = new ArrayList<>();
    if (isRoot()) {
      line.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    line.addAll(List.of(command));
    run(line, true);
  }

  private static void run(List<String> command, boolean required) throws Exception {
    if (!isRoot() && command.get(0).equals("chown")) {
      return;
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(90, TimeUnit.SECONDS) || (required && process.exitValue() != 0)) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** The newest installed major version's binaries, as Debian lays them out. */
  private static Path binaries() throws IOException {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.max(Comparator.comparing(p -> Integer.parseInt(p.getFileName().toString())))
        .map(p -> p.resolve("bin"))
        .orElseThrow(() -> new IllegalStateException("no PostgreSQL under /usr/lib/postgresql"));
    }
  }
}
