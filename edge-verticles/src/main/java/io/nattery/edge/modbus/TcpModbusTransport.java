package io.nattery.edge.modbus;

import com.ghgande.j2mod.modbus.ModbusException;
import com.ghgande.j2mod.modbus.ModbusIOException;
import com.ghgande.j2mod.modbus.ModbusSlaveException;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;

import java.net.SocketTimeoutException;

/** Modbus TCP through j2mod's master, for gateways and the simulator. */
public final class TcpModbusTransport implements ModbusTransport {
  private final String host;
  private final int port;
  private final int unitId;
  private final int timeoutMs;
  private ModbusTCPMaster master;

  public TcpModbusTransport(String host, int port, int unitId, int timeoutMs) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("modbus.port must be 1..65535, got " + port);
    }
    if (unitId < 0 || unitId > 255) {
      throw new IllegalArgumentException("modbus.unit_id must be 0..255, got " + unitId);
    }
    if (timeoutMs < 1) {
      throw new IllegalArgumentException("modbus.timeout_ms must be > 0, got " + timeoutMs);
    }
    this.host = host;
    this.port = port;
    this.unitId = unitId;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void connect() throws ModbusFailure {
    if (isConnected()) {
      return;
    }
    close();
    // reconnect=false keeps one socket for all transactions instead of one per request
    ModbusTCPMaster candidate = new ModbusTCPMaster(host, port, timeoutMs, false, false);
    try {
      candidate.connect();
    } catch (Exception e) {
      candidate.disconnect();
      throw ModbusFailure.notConnected("cannot connect to " + describe() + ": " + e.getMessage(), e);
    }
    // j2mod reads "retries <= 0" as 5 tries with sleeps in between; 1 is a single try, and the worker decides what comes next
    candidate.setRetries(1);
    master = candidate;
  }

  @Override
  public boolean isConnected() {
    return master != null && master.isConnected();
  }

  @Override
  public int[] readHoldingRegisters(int address, int count) throws ModbusFailure {
    String what = "reading " + count + " registers at " + address;
    ModbusTCPMaster link = requireLink(what);
    try {
      Register[] registers = link.readMultipleRegisters(unitId, address, count);
      if (registers == null || registers.length != count) {
        throw ModbusFailure.io("short reply " + what + " from " + describe() + ": "
            + (registers == null ? 0 : registers.length) + " registers", null);
      }
      int[] words = new int[count];
      for (int i = 0; i < count; i++) {
        words[i] = registers[i].toUnsignedShort();
      }
      return words;
    } catch (ModbusException e) {
      throw classify(e, what);
    }
  }

  @Override
  public void writeRegisters(int address, int[] values) throws ModbusFailure {
    String what = "writing " + values.length + " registers at " + address;
    ModbusTCPMaster link = requireLink(what);
    Register[] registers = new Register[values.length];
    for (int i = 0; i < values.length; i++) {
      registers[i] = new SimpleRegister(values[i]);
    }
    try {
      link.writeMultipleRegisters(unitId, address, registers);
    } catch (ModbusException e) {
      throw classify(e, what);
    }
  }

  @Override
  public void close() {
    if (master != null) {
      master.disconnect();
      master = null;
    }
  }

  @Override
  public String describe() {
    return "tcp://" + host + ":" + port + " unit " + unitId;
  }

  private ModbusTCPMaster requireLink(String what) throws ModbusFailure {
    if (!isConnected()) {
      throw ModbusFailure.notConnected("not connected to " + describe() + " when " + what, null);
    }
    return master;
  }

  private ModbusFailure classify(ModbusException e, String what) {
    if (e instanceof ModbusSlaveException slave) {
      int code = slave.getType();
      return ModbusFailure.exceptionResponse(code, "modbus exception " + code + " ("
          + ModbusFailure.exceptionName(code) + ") " + what + " on " + describe());
    }
    if (isTimeout(e)) {
      return ModbusFailure.timeout("timeout after " + timeoutMs + " ms " + what + " on " + describe(), e);
    }
    String kind = e instanceof ModbusIOException ? "I/O error " : "error ";
    return ModbusFailure.io(kind + what + " on " + describe() + ": " + e.getMessage(), e);
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException
          || (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timed out"))) {
        return true;
      }
    }
    return false;
  }
}
