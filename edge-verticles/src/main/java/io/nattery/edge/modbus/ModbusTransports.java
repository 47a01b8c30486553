package io.nattery.edge.modbus;

import io.vertx.core.json.JsonObject;

/** Builds the transport a {@code modbus} config object asks for. */
public final class ModbusTransports {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 502;
  public static final int DEFAULT_UNIT_ID = 1;
  public static final int DEFAULT_TIMEOUT_MS = 1000;

  private ModbusTransports() {
  }

  /**
   * {@code {"transport":"tcp","host","port","unit_id","timeout_ms"}} or {@code {"transport":"rtu",
   * "serial_port","baud" (9600),"data_bits" (8),"parity" (none),"stop_bits" (1),"unit_id","timeout_ms",
   * "inter_frame_gap_us" (3.5 characters),"min_request_gap_ms" (0)}}.
   */
  public static ModbusTransport fromConfig(JsonObject modbus) {
    String transport = modbus.getString("transport", "tcp");
    return switch (transport) {
      case "tcp" -> new TcpModbusTransport(
          modbus.getString("host", DEFAULT_HOST),
          modbus.getInteger("port", DEFAULT_PORT),
          modbus.getInteger("unit_id", DEFAULT_UNIT_ID),
          modbus.getInteger("timeout_ms", DEFAULT_TIMEOUT_MS));
      case "rtu" -> new RtuModbusTransport(RtuModbusTransport.Settings.fromConfig(modbus));
      default -> throw new IllegalArgumentException("unknown modbus.transport '" + transport + "' (expected tcp or rtu)");
    };
  }
}
