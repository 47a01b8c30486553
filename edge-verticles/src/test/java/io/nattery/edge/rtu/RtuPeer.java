package io.nattery.edge.rtu;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An outside Modbus RTU slave for the tests: socat makes a pty pair (and logs every byte crossing it, with
 * its direction, for {@link BusTrace}), Debian's pymodbus serves registers on one end
 * ({@code src/test/python/rtu_server.py}), and the edge opens the other end with jSerialComm as it would
 * a USB adapter. Without socat or pymodbus the tests are skipped with a message, except under CI
 * ({@code CI} set), where they fail: .ci/run installs both.
 */
public final class RtuPeer implements AutoCloseable {
  public static final String PYTHON = "/usr/bin/python3";
  private static final Path SCRIPT = Path.of("src/test/python/rtu_server.py").toAbsolutePath();

  private final Path dir;
  private final Process socat;
  private Process server;
  private final Path serverOut;
  private final Path trace;

  private RtuPeer(Path dir, Process socat) {
    this.dir = dir;
    this.socat = socat;
    this.serverOut = dir.resolve("server.out");
    this.trace = dir.resolve("socat.trace");
  }

  /** Skips (locally) or fails (CI) when socat or pymodbus is missing. */
  public static void requireTools() {
    List<String> missing = new ArrayList<>();
    if (!onPath("socat")) {
      missing.add("socat (apt-get install socat)");
    }
    if (!pymodbusInstalled()) {
      missing.add("pymodbus for " + PYTHON + " (apt-get install python3-pymodbus)");
    }
    if (missing.isEmpty()) {
      return;
    }
    String message = "RTU tests need " + String.join(" and ", missing);
    String ci = System.getenv("CI");
    if (ci != null && !ci.isBlank() && !ci.equals("false")) {
      throw new IllegalStateException(message + "; CI is set, so this is a failure, not a skip");
    }
    Assumptions.abort(message + "; skipped (set CI=true to make this a failure)");
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static boolean pymodbusInstalled() {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import pymodbus, serial_asyncio").redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A pty pair with its traffic logged; no server yet. */
  public static RtuPeer start(Path dir) throws IOException, InterruptedException {
    Path edge = dir.resolve("edge");
    Path slave = dir.resolve("slave");
    Process socat = new ProcessBuilder("socat", "-x", "pty,raw,echo=0,link=" + edge, "pty,raw,echo=0,link=" + slave)
        .redirectError(dir.resolve("socat.trace").toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    RtuPeer peer = new RtuPeer(dir, socat);
    for (int i = 0; i < 100 && !(Files.exists(edge) && Files.exists(slave)); i++) {
      Thread.sleep(50);
    }
    if (!Files.exists(edge) || !Files.exists(slave)) {
      peer.close();
      throw new IllegalStateException("socat made no pty pair in " + dir);
    }
    return peer;
  }

  /** The end the edge opens. */
  public String edgePort() {
    return dir.resolve("edge").toString();
  }

  /** Starts (or restarts) pymodbus on the other end with these registers and options, and waits for it. */
  public void startServer(Path values, String... options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PYTHON, SCRIPT.toString(), "--port", dir.resolve("slave").toString(),
        "--values", values.toString()));
    command.addAll(List.of(options));
    Files.deleteIfExists(serverOut);
    server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(serverOut.toFile()).start();
    for (int i = 0; i < 200; i++) {
      if (Files.exists(serverOut) && Files.readString(serverOut).contains("READY")) {
        // pymodbus prints READY just before it opens the port
        Thread.sleep(300);
        return;
      }
      if (!server.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("pymodbus did not start: " + (Files.exists(serverOut) ? Files.readString(serverOut) : "no output"));
  }

  /** Kills the server the hard way, as a device losing power would go. */
  public void killServer() throws InterruptedException {
    if (server != null) {
      server.destroyForcibly();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The "WRITE address w1 w2 ..." lines pymodbus printed. */
  public List<String> writes() throws IOException {
    if (!Files.exists(serverOut)) {
      return List.of();
    }
    return Files.readAllLines(serverOut, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("WRITE ")).toList();
  }

  public BusTrace trace() throws IOException {
    return BusTrace.parse(Files.readAllLines(trace, StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws InterruptedException {
    killServer();
    socat.destroy();
    if (!socat.waitFor(5, TimeUnit.SECONDS)) {
      socat.destroyForcibly();
    }
  }
}
