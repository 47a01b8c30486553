package io.nattery.protocol.bench;

import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * How many telemetry payloads one thread checks against the contract per second: size check, parse, version,
 * JSON Schema, record. Not a test: run by bench/validation.sh, which prints the setup with the figures.
 * Arguments: [rounds=5] [messages per round=100000].
 */
public final class ValidationBench {

  private ValidationBench() {
  }

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    Buffer valid;
    try (InputStream in = ValidationBench.class.getResourceAsStream("/examples/telemetry.json")) {
      valid = Buffer.buffer(in.readAllBytes());
    }
    Buffer invalid = Buffer.buffer(valid.toString().replace("\"soc_pct\":57.5", "\"soc_pct\":\"57.5\""));
    MessageValidator validator = new MessageValidator();
    if (!validator.decode(MessageType.TELEMETRY, valid).isAccepted()
      || validator.decode(MessageType.TELEMETRY, invalid).isAccepted()) {
      throw new IllegalStateException("the bench payloads do not behave as expected");
    }
    System.out.printf("payload %d bytes, %d rounds of %d, JVM %s, args %s%n", valid.length(), rounds, perRound,
      System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getInputArguments());
    for (String kind : new String[] {"valid", "invalid"}) {
      Buffer payload = kind.equals("valid") ? valid : invalid;
      double[] rates = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long accepted = 0;
        long start = System.nanoTime();
        for (int i = 0; i < perRound; i++) {
          if (validator.decode(MessageType.TELEMETRY, payload).isAccepted()) {
            accepted++;
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        rates[r] = perRound / seconds;
        if (accepted != (kind.equals("valid") ? perRound : 0)) {
          throw new IllegalStateException("unexpected outcome count " + accepted);
        }
      }
      double[] warm = Arrays.copyOfRange(rates, 1, rates.length);
      Arrays.sort(warm);
      System.out.printf("%-7s telemetry: median %.0f msg/s, best %.0f msg/s over %d warm rounds (first round %.0f)%n",
        kind, warm[warm.length / 2], warm[warm.length - 1], warm.length, rates[0]);
    }
  }
}
