package io.nattery.cloud;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A {@code ./nattery} process as a user starts it (through the launcher, from the packaged jar), its output kept. */
public final class NodeProcess implements AutoCloseable {

  private final Process process;
  private final List<String> output = new CopyOnWriteArrayList<>();

  private NodeProcess(List<String> args) throws Exception {
    Path launcher = Path.of("..", "nattery").toAbsolutePath().normalize();
    if (!Files.isExecutable(launcher)) {
      throw new IllegalStateException("the launcher is missing: " + launcher);
    }
    List<String> command = new ArrayList<>();
    command.add(launcher.toString());
    command.addAll(args);
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
        lines.lines().forEach(output::add);
      } catch (Exception ignored) {
        // the process ended
      }
    }, "node-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static NodeProcess start(String... args) throws Exception {
    return new NodeProcess(List.of(args));
  }

  /** Waits until a line of output contains {@code text}; fails with the output when it does not come. */
  public void awaitOutput(String text, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (output.stream().noneMatch(l -> l.contains(text))) {
      if (!process.isAlive() || System.currentTimeMillis() > deadline) {
        throw new AssertionError("no '" + text + "' in the output" + (process.isAlive() ? "" : " (it exited)")
          + ":\n" + String.join("\n", output));
      }
      Thread.sleep(100);
    }
  }

  public List<String> output() {
    return List.copyOf(output);
  }

  /** Kills the process as a crash would: no shutdown hook, no goodbye to the broker or the cluster. */
  public void crash() throws InterruptedException {
    process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.toHandle().descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      crash();
    }
  }
}
