package io.nattery.edge.modbus;

/**
 * One link to one Modbus device, used by one thread at a time (the worker). TCP now; RTU over a
 * serial port slots in behind the same methods. Blocking by nature: only the worker calls it.
 */
public interface ModbusTransport extends AutoCloseable {

  /** Opens the link; a no-op when it is open. */
  void connect() throws ModbusFailure;

  boolean isConnected();

  /** Function 3: {@code count} words from {@code address}, as ints 0..65535. */
  int[] readHoldingRegisters(int address, int count) throws ModbusFailure;

  /** Function 16: {@code values} (ints 0..65535) from {@code address}. */
  void writeRegisters(int address, int[] values) throws ModbusFailure;

  /** Closes the link; the next {@link #connect()} reopens it. Never throws. */
  @Override
  void close();

  /** Where the link goes, for logs and error texts (no secrets). */
  String describe();
}
