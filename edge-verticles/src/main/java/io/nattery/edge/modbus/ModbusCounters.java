package io.nattery.edge.modbus;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** What the worker counts, shaped as the {@code modbus} object of Health. Touched by the worker thread only. */
final class ModbusCounters {
  private long requests;
  private long errors;
  private long timeouts;
  private long exceptionResponses;
  private long notConnected;
  private long reconnects;
  private long okCount;
  private long okNanos;
  private Instant lastOk;

  void ok(long nanos) {
    requests++;
    okCount++;
    okNanos += nanos;
    lastOk = Instant.now();
  }

  void failed(ModbusFailure failure) {
    requests++;
    errors++;
    switch (failure.kind()) {
      case TIMEOUT -> timeouts++;
      case EXCEPTION_RESPONSE -> exceptionResponses++;
      case NOT_CONNECTED -> notConnected++;
      case IO -> { }
    }
  }

  void badRequest() {
    errors++;
  }

  void reconnected() {
    reconnects++;
  }

  long errors() {
    return errors;
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("requests", requests)
        .put("errors", errors)
        .put("timeouts", timeouts)
        .put("crc_errors", 0L) // no CRC on TCP; the RTU transport will count them
        .put("exception_responses", exceptionResponses)
        .put("not_connected", notConnected)
        .put("reconnects", reconnects)
        .put("last_ok_ts", lastOk == null ? null : lastOk.toString())
        .put("avg_rtt_ms", okCount == 0 ? 0.0 : okNanos / 1e6 / okCount);
  }
}
