package io.nattery.edge.modbus;

/**
 * One link to one Modbus device, used by one thread at a time (the worker): Modbus TCP or RTU over a
 * serial port. Blocking by nature: only the worker calls it.
 */
public interface ModbusTransport extends AutoCloseable {

  /** Opens the link; a no-op when it is open. */
  void connect() throws ModbusFailure;

  boolean isConnected();

  /** Function 3: {@code count} words from {@code address}, as ints 0..65535. */
  int[] readHoldingRegisters(int address, int count) throws ModbusFailure;

  /** Function 16: {@code values} (ints 0..65535) from {@code address}. */
  void writeRegisters(int address, int[] values) throws ModbusFailure;

  /**
   * Puts the link back into a state where the next request can go out after {@code failure}: the default
   * closes it (TCP: a late reply may sit on the socket); RTU drains the line instead.
   */
  default void recover(ModbusFailure failure) {
    if (failure.linkSuspect()) {
      close();
    }
  }

  /** Bytes this link put on the wire (0 where unknown), for the bus-time figures. */
  default long bytesSent() {
    return 0;
  }

  /** Bytes this link took off the wire (0 where unknown). */
  default long bytesReceived() {
    return 0;
  }

  /** Closes the link; the next {@link #connect()} reopens it. Never throws. */
  @Override
  void close();

  /** Where the link goes, for logs and error texts (no secrets). */
  String describe();
}
