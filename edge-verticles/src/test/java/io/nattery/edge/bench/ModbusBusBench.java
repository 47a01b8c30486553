package io.nattery.edge.bench;

import io.nattery.edge.Addresses;
import io.nattery.edge.modbus.ModbusWorkerVerticle;
import io.nattery.edge.registers.ReadPlan;
import io.nattery.edge.registers.Register;
import io.nattery.edge.registers.RegisterMap;
import io.nattery.edge.rtu.BusTrace;
import io.nattery.edge.rtu.RtuPeer;
import io.nattery.edge.telemetry.TelemetryPollerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Modbus figures of bench/edge-modbus.sh: for the shipped map, requests and bytes per telemetry cycle
 * against the minimum the map allows, the bus time that makes at 9600 8N1 against the wire-time lower
 * bound (3.5-character gaps counted), and the worst command latency while the poller runs at full rate
 * against pymodbus on a socat pty pair. Args: [cycles=300] [commands=60].
 */
public final class ModbusBusBench {
  private static final double GAP_CHARS = 3.5;

  private ModbusBusBench() {
  }

  /** Characters on the wire for one read of {@code count} registers: request, response, a 3.5-char gap after each. */
  static double readChars(int count) {
    return 8 + (5 + 2.0 * count) + 2 * GAP_CHARS;
  }

  /** The cheapest way to read the wanted registers in contiguous declared spans (dynamic programme over split points). */
  static double[] optimum(RegisterMap map, List<Register> wanted) {
    List<Register> sorted = new ArrayList<>(wanted);
    sorted.sort((a, b) -> Integer.compare(a.address(), b.address()));
    int n = sorted.size();
    double[] best = new double[n + 1];
    int[] requests = new int[n + 1];
    int[] bytes = new int[n + 1];
    for (int i = 1; i <= n; i++) {
      best[i] = Double.MAX_VALUE;
      for (int j = i; j >= 1; j--) {
        int start = sorted.get(j - 1).address();
        int end = sorted.get(i - 1).end();
        if (end - start > RegisterMap.MAX_READ_REGISTERS || !declaredThroughout(map, start, end)) {
          break;
        }
        double cost = best[j - 1] + readChars(end - start);
        if (cost < best[i]) {
          best[i] = cost;
          requests[i] = requests[j - 1] + 1;
          bytes[i] = bytes[j - 1] + 8 + 5 + 2 * (end - start);
        }
      }
    }
    return new double[] {best[n], requests[n], bytes[n]};
  }

  private static boolean declaredThroughout(RegisterMap map, int start, int end) {
    for (int a = start; a < end; ) {
      var register = map.at(a);
      if (register.isEmpty()) {
        return false;
      }
      a = register.get().end();
    }
    return true;
  }

  static double ms(double chars, int bitsPerChar) {
    return chars * bitsPerChar * 1000.0 / 9600;
  }

  public static void main(String[] args) throws Exception {
    int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int commands = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int bits = 10; // RTU 8N1: start + 8 data + stop
    RegisterMap map = RegisterMap.genericHybrid();
    ReadPlan plan = ReadPlan.forTelemetry(map);
    List<Register> wanted = plan.registers();
    int planRequests = plan.blocks().size();
    int planBytes = plan.blocks().stream().mapToInt(b -> 8 + 5 + 2 * b.count()).sum();
    double planChars = plan.blocks().stream().mapToDouble(b -> readChars(b.count())).sum();
    double[] opt = optimum(map, wanted);
    int wantedWords = wanted.stream().mapToInt(Register::length).sum();
    int floorRequests = (int) Math.ceil(wantedWords / (double) RegisterMap.MAX_READ_REGISTERS);
    int floorBytes = floorRequests * 13 + 2 * wantedWords;
    double floorChars = floorBytes + floorRequests * 2 * GAP_CHARS;

    System.out.printf("map %s: %d registers feed a sample (%d words); plan %s%n", map.name(), wanted.size(), wantedWords, plan.blocks());
    System.out.printf("per poll cycle: %d request(s), %d bytes (plan) | %d request(s), %d bytes (minimum the map allows: declared spans only)"
        + " | %d request(s), %d bytes (floor: the wanted words alone, as if contiguous)%n",
        planRequests, planBytes, (int) opt[1], (int) opt[2], floorRequests, floorBytes);
    System.out.printf("bus time at 9600 8N1 (10 bits/char, 3.5-char gap after every frame): plan %.1f ms, lower bound %.1f ms -> %.3fx"
        + " (target <= 1.15x); against the contiguous floor %.1f ms -> %.3fx%n",
        ms(planChars, bits), ms(opt[0], bits), planChars / opt[0], ms(floorChars, bits), planChars / floorChars);

    RtuPeer.requireTools();
    Path dir = Files.createTempDirectory("edge-bench");
    Path values = dir.resolve("values.json");
    Files.writeString(values, new JsonObject().put("40077", 4).put("40107", 4).encode());
    Vertx vertx = Vertx.vertx();
    try (RtuPeer peer = RtuPeer.start(dir)) {
      peer.startServer(values);
      String deviceId = "bench-bus";
      JsonObject config = new JsonObject().put("device_id", deviceId).put("poll_interval_ms", 1)
          .put("modbus", new JsonObject().put("transport", "rtu").put("serial_port", peer.edgePort()).put("timeout_ms", 1000));
      AtomicLong samples = new AtomicLong();
      vertx.eventBus().localConsumer(Addresses.telemetry(deviceId), m -> samples.incrementAndGet());
      vertx.deployVerticle(new ModbusWorkerVerticle(), new DeploymentOptions().setConfig(config).setThreadingModel(ThreadingModel.WORKER))
          .compose(id -> vertx.deployVerticle(new TelemetryPollerVerticle(), new DeploymentOptions().setConfig(config)))
          .await(30, TimeUnit.SECONDS);
      String address = Addresses.modbusRequest(deviceId);
      while (samples.get() < 5) {
        Thread.sleep(10);
      }
      JsonObject before = vertx.eventBus().<JsonObject>request(address, new JsonObject().put("op", "stats")).await(10, TimeUnit.SECONDS).body();
      long startSamples = samples.get();
      long t0 = System.nanoTime();
      Random random = new Random(42);
      List<Double> latencies = new ArrayList<>();
      // commands while polling runs flat out: the same 3-word write of mode and setpoint that control sends
      for (int i = 0; i < commands; i++) {
        Thread.sleep(20 + random.nextInt(60));
        JsonObject write = new JsonObject().put("op", "write").put("priority", "command").put("address", 40107)
            .put("values", new JsonArray().add(4).add(0).add(0));
        long c0 = System.nanoTime();
        vertx.eventBus().request(address, write).await(10, TimeUnit.SECONDS);
        latencies.add((System.nanoTime() - c0) / 1e6);
      }
      while (samples.get() - startSamples < cycles) {
        Thread.sleep(10);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long polled = samples.get() - startSamples;
      JsonObject after = vertx.eventBus().<JsonObject>request(address, new JsonObject().put("op", "stats")).await(10, TimeUnit.SECONDS).body();
      vertx.close().await(20, TimeUnit.SECONDS);
      long requests = after.getLong("requests") - before.getLong("requests") - commands;
      long bytes = after.getLong("bytes_sent") - before.getLong("bytes_sent") + after.getLong("bytes_received") - before.getLong("bytes_received")
          - commands * (15L + 8L);
      Collections.sort(latencies);
      BusTrace trace = peer.trace();
      System.out.printf("measured against pymodbus over a socat pty (no baud pacing on a pty): %d cycles in %.1f s (%.0f cycles/s),"
          + " %.2f requests and %.1f bytes per cycle, avg rtt %.1f ms, %d errors%n",
          polled, seconds, polled / seconds, requests / (double) polled, bytes / (double) polled, after.getDouble("avg_rtt_ms"),
          after.getLong("errors") - before.getLong("errors"));
      System.out.printf("command latency under full-rate polling (%d commands, command priority): p50 %.1f ms, p95 %.1f ms, worst %.1f ms;"
          + " at 9600 baud a command waits for at most one poll transaction (%.1f ms) plus its own (%.1f ms) = %.1f ms%n",
          commands, latencies.get(latencies.size() / 2), latencies.get((int) (latencies.size() * 0.95)), latencies.get(latencies.size() - 1),
          ms(planChars, bits), ms(8 + 2 * 3 + 1 + 8 + 2 * GAP_CHARS, bits), ms(planChars, bits) + ms(8 + 2 * 3 + 1 + 8 + 2 * GAP_CHARS, bits));
      System.out.printf("serial trace: %s%n", trace);
    }
  }
}
