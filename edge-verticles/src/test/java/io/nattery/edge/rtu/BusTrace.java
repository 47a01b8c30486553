package io.nattery.edge.rtu;

import java.util.ArrayList;
import java.util.List;

/**
 * The serial traffic socat logged ({@code -x}: a header line per chunk, {@code >} from the edge to the
 * device, {@code <} back, then the bytes in hex), cut into RTU frames, and checked for the one rule of a
 * half-duplex bus: no request starts before the previous response ended. A violation shows up as either
 * request bytes arriving while a response is still incomplete, or a response arriving when no request is
 * waiting for one (the late answer to a request the master gave up on, after it had already sent the next).
 */
public final class BusTrace {
  private final int requests;
  private final int responses;
  private final List<String> violations;

  private BusTrace(int requests, int responses, List<String> violations) {
    this.requests = requests;
    this.responses = responses;
    this.violations = violations;
  }

  static BusTrace parse(List<String> lines) {
    List<Character> directions = new ArrayList<>();
    List<List<Integer>> chunks = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("> ") || line.startsWith("< ")) {
        directions.add(line.charAt(0));
        chunks.add(new ArrayList<>());
      } else if (line.startsWith(" ") && !chunks.isEmpty()) {
        for (String hex : line.trim().split("\\s+")) {
          if (!hex.isEmpty()) {
            chunks.get(chunks.size() - 1).add(Integer.parseInt(hex, 16));
          }
        }
      }
    }
    List<Integer> request = new ArrayList<>();
    List<Integer> response = new ArrayList<>();
    boolean awaiting = false;
    int requests = 0;
    int responses = 0;
    List<String> violations = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      if (directions.get(i) == '>') {
        if (!response.isEmpty()) {
          violations.add("chunk " + i + ": request bytes while response " + hex(response) + " was incomplete");
          response.clear();
        }
        request.addAll(chunks.get(i));
        int length;
        while ((length = requestLength(request)) > 0 && request.size() >= length) {
          request.subList(0, length).clear();
          requests++;
          awaiting = true;
        }
      } else {
        response.addAll(chunks.get(i));
        int length;
        while ((length = responseLength(response)) > 0 && response.size() >= length) {
          if (!awaiting) {
            violations.add("chunk " + i + ": response " + hex(response.subList(0, length)) + " with no request waiting for it");
          }
          response.subList(0, length).clear();
          responses++;
          awaiting = false;
        }
      }
    }
    return new BusTrace(requests, responses, violations);
  }

  /** Bytes of the request frame starting the buffer (function 3 or 16), 0 while unknown. */
  private static int requestLength(List<Integer> b) {
    if (b.size() < 2) {
      return 0;
    }
    return switch (b.get(1)) {
      case 3, 6 -> 8;
      case 16 -> b.size() < 7 ? 0 : 9 + b.get(6);
      default -> b.size();
    };
  }

  private static int responseLength(List<Integer> b) {
    if (b.size() < 2) {
      return 0;
    }
    int fc = b.get(1);
    if ((fc & 0x80) != 0) {
      return 5;
    }
    return switch (fc) {
      case 3 -> b.size() < 3 ? 0 : 5 + b.get(2);
      case 6, 16 -> 8;
      default -> b.size();
    };
  }

  private static String hex(List<Integer> bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(bytes.size(), 12); i++) {
      sb.append(String.format("%02x ", bytes.get(i)));
    }
    return sb.append(bytes.size() > 12 ? "..." : "").toString().trim();
  }

  public int requests() {
    return requests;
  }

  public int responses() {
    return responses;
  }

  public List<String> violations() {
    return violations;
  }

  @Override
  public String toString() {
    return requests + " requests, " + responses + " responses, " + violations.size() + " violations"
        + (violations.isEmpty() ? "" : ": " + violations.subList(0, Math.min(5, violations.size())));
  }
}
