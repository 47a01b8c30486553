package io.nattery.edge.modbus;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** What the worker counts, shaped as the {@code modbus} object of Health. Touched by the worker thread only. */
final class ModbusCounters {
  private long requests;
  private long errors;
  private long timeouts;
  private long crcErrors;
  private long retries;
  private long backoffs;
  private long commands;
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
      case CRC -> crcErrors++;
      case IO -> { }
    }
  }

  void badRequest() {
    errors++;
  }

  void retried() {
    retries++;
  }

  void backedOff() {
    backoffs++;
  }

  void command() {
    commands++;
  }

  void reconnected() {
    reconnects++;
  }

  long errors() {
    return errors;
  }

  JsonObject toJson(long bytesSent, long bytesReceived, int queued) {
    return new JsonObject()
        .put("requests", requests)
        .put("errors", errors)
        .put("timeouts", timeouts)
        .put("crc_errors", crcErrors)
        .put("retries", retries)
        .put("device_backoffs", backoffs)
        .put("commands", commands)
        .put("bytes_sent", bytesSent)
        .put("bytes_received", bytesReceived)
        .put("queued", queued)
        .put("exception_responses", exceptionResponses)
        .put("not_connected", notConnected)
        .put("reconnects", reconnects)
        .put("last_ok_ts", lastOk == null ? null : lastOk.toString())
        .put("avg_rtt_ms", okCount == 0 ? 0.0 : okNanos / 1e6 / okCount);
  }
}
