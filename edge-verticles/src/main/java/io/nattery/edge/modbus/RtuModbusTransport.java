package io.nattery.edge.modbus;

import com.ghgande.j2mod.modbus.ModbusIOException;
import com.ghgande.j2mod.modbus.msg.ExceptionResponse;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersRequest;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersResponse;
import com.ghgande.j2mod.modbus.msg.WriteMultipleRegistersRequest;
import com.ghgande.j2mod.modbus.net.AbstractSerialConnection;
import com.ghgande.j2mod.modbus.net.SerialConnection;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * Modbus RTU over a serial port: j2mod's RTU framing on jSerialComm. The transport owns the bus timing
 * instead of leaving it to j2mod: before every request it waits until the line has been silent for the
 * inter-frame gap (3.5 characters by default) and the configured minimum gap since the last request, and
 * after a timeout or a CRC error it drains the line until it has been quiet for a whole response timeout,
 * so a late answer can never collide with the next request.
 */
public final class RtuModbusTransport implements ModbusTransport {

  /** Serial settings; everything has the RTU default of PROTOCOL's inverters, 9600 8N1. */
  public record Settings(String port, int baud, int dataBits, String parity, int stopBits, int unitId, int timeoutMs,
      long interFrameGapMicros, int minRequestGapMs) {

    public static Settings fromConfig(JsonObject modbus) {
      String port = modbus.getString("serial_port");
      if (port == null || port.isBlank()) {
        throw new IllegalArgumentException("modbus.serial_port is required for the rtu transport (e.g. /dev/ttyUSB0)");
      }
      int baud = modbus.getInteger("baud", 9600);
      int dataBits = modbus.getInteger("data_bits", 8);
      String parity = modbus.getString("parity", "none").toLowerCase(Locale.ROOT);
      int stopBits = modbus.getInteger("stop_bits", 1);
      int unitId = modbus.getInteger("unit_id", ModbusTransports.DEFAULT_UNIT_ID);
      int timeoutMs = modbus.getInteger("timeout_ms", ModbusTransports.DEFAULT_TIMEOUT_MS);
      if (baud < 300 || baud > 1_000_000) {
        throw new IllegalArgumentException("modbus.baud must be 300..1000000, got " + baud);
      }
      if (dataBits != 7 && dataBits != 8) {
        throw new IllegalArgumentException("modbus.data_bits must be 7 or 8, got " + dataBits);
      }
      if (!parity.equals("none") && !parity.equals("even") && !parity.equals("odd")) {
        throw new IllegalArgumentException("modbus.parity must be none, even or odd, got " + parity);
      }
      if (stopBits != 1 && stopBits != 2) {
        throw new IllegalArgumentException("modbus.stop_bits must be 1 or 2, got " + stopBits);
      }
      if (unitId < 1 || unitId > 247) {
        throw new IllegalArgumentException("modbus.unit_id must be 1..247 on a serial line, got " + unitId);
      }
      if (timeoutMs < 1) {
        throw new IllegalArgumentException("modbus.timeout_ms must be > 0, got " + timeoutMs);
      }
      long defaultGap = gapMicros(baud, dataBits, parity, stopBits);
      long gap = modbus.getLong("inter_frame_gap_us", defaultGap);
      int minGap = modbus.getInteger("min_request_gap_ms", 0);
      if (gap < 0 || minGap < 0) {
        throw new IllegalArgumentException("modbus.inter_frame_gap_us and modbus.min_request_gap_ms must be >= 0");
      }
      return new Settings(port, baud, dataBits, parity, stopBits, unitId, timeoutMs, gap, minGap);
    }

    /** Bits on the wire per character: start, data, parity, stop. */
    public int bitsPerChar() {
      return 1 + dataBits + (parity.equals("none") ? 0 : 1) + stopBits;
    }

    /**
     * The Modbus spec's silent interval: 3.5 characters, fixed at 1750 us above 19200 baud.
     */
    static long gapMicros(int baud, int dataBits, String parity, int stopBits) {
      if (baud > 19200) {
        return 1750;
      }
      int bits = 1 + dataBits + (parity.equals("none") ? 0 : 1) + stopBits;
      return (long) Math.ceil(3.5 * bits * 1_000_000.0 / baud);
    }
  }

  private final Settings settings;
  private SerialConnection connection;
  /** When the line last carried a byte we know of (end of our request or of the reply), System.nanoTime. */
  private long lineQuietSinceNanos;
  private long lastRequestStartNanos;
  private long bytesSent;
  private long bytesReceived;

  public RtuModbusTransport(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public void connect() throws ModbusFailure {
    if (isConnected()) {
      return;
    }
    close();
    SerialParameters parameters = new SerialParameters();
    parameters.setPortName(settings.port());
    parameters.setBaudRate(settings.baud());
    parameters.setDatabits(settings.dataBits());
    parameters.setStopbits(settings.stopBits() == 2 ? AbstractSerialConnection.TWO_STOP_BITS : AbstractSerialConnection.ONE_STOP_BIT);
    parameters.setParity(switch (settings.parity()) {
      case "even" -> AbstractSerialConnection.EVEN_PARITY;
      case "odd" -> AbstractSerialConnection.ODD_PARITY;
      default -> AbstractSerialConnection.NO_PARITY;
    });
    parameters.setEncoding("rtu");
    parameters.setEcho(false);
    // j2mod sleeps this long after opening "for the port to settle": a USB adapter needs none of it
    parameters.setOpenDelay(0);
    SerialConnection candidate = new SerialConnection(parameters);
    try {
      candidate.open();
    } catch (Exception e) {
      candidate.close();
      throw ModbusFailure.notConnected("cannot open " + describe() + ": " + e.getMessage(), e);
    }
    if (!candidate.isOpen()) {
      candidate.close();
      throw ModbusFailure.notConnected("cannot open " + describe(), null);
    }
    candidate.setTimeout(settings.timeoutMs());
    candidate.getModbusTransport().setTimeout(settings.timeoutMs());
    connection = candidate;
    lineQuietSinceNanos = System.nanoTime();
  }

  @Override
  public boolean isConnected() {
    return connection != null && connection.isOpen();
  }

  @Override
  public int[] readHoldingRegisters(int address, int count) throws ModbusFailure {
    String what = "reading " + count + " registers at " + address;
    ReadMultipleRegistersRequest request = new ReadMultipleRegistersRequest(address, count);
    ModbusResponse response = transact(request, what, 8, 5 + 2 * count);
    if (!(response instanceof ReadMultipleRegistersResponse read) || read.getWordCount() != count) {
      throw ModbusFailure.io("unexpected reply " + what + " on " + describe() + ": " + response, null);
    }
    int[] words = new int[count];
    for (int i = 0; i < count; i++) {
      words[i] = read.getRegisterValue(i);
    }
    return words;
  }

  @Override
  public void writeRegisters(int address, int[] values) throws ModbusFailure {
    String what = "writing " + values.length + " registers at " + address;
    Register[] registers = new Register[values.length];
    for (int i = 0; i < values.length; i++) {
      registers[i] = new SimpleRegister(values[i]);
    }
    transact(new WriteMultipleRegistersRequest(address, registers), what, 9 + 2 * values.length, 8);
  }

  private ModbusResponse transact(ModbusRequest request, String what, int requestBytes, int responseBytes) throws ModbusFailure {
    if (!isConnected()) {
      throw ModbusFailure.notConnected("not connected to " + describe() + " when " + what, null);
    }
    request.setUnitID(settings.unitId());
    waitForTurn();
    lastRequestStartNanos = System.nanoTime();
    ModbusResponse response;
    try {
      connection.getModbusTransport().writeRequest(request);
      bytesSent += requestBytes;
      response = connection.getModbusTransport().readResponse();
    } catch (ModbusIOException e) {
      throw classify(e, what);
    } catch (RuntimeException e) {
      throw ModbusFailure.io("error " + what + " on " + describe() + ": " + e, e);
    } finally {
      lineQuietSinceNanos = System.nanoTime();
    }
    if (response instanceof ExceptionResponse exception) {
      bytesReceived += 5;
      int code = exception.getExceptionCode();
      throw ModbusFailure.exceptionResponse(code, "modbus exception " + code + " (" + ModbusFailure.exceptionName(code)
          + ") " + what + " on " + describe());
    }
    bytesReceived += responseBytes;
    return response;
  }

  /** Sleeps until the bus may carry the next request: the inter-frame gap and the minimum request spacing. */
  private void waitForTurn() {
    long now = System.nanoTime();
    long readyAt = Math.max(lineQuietSinceNanos + settings.interFrameGapMicros() * 1000,
        lastRequestStartNanos + settings.minRequestGapMs() * 1_000_000L);
    if (lastRequestStartNanos == 0) {
      readyAt = lineQuietSinceNanos + settings.interFrameGapMicros() * 1000;
    }
    long waitNanos = readyAt - now;
    if (waitNanos > 0) {
      try {
        Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private ModbusFailure classify(ModbusIOException e, String what) {
    String message = String.valueOf(e.getMessage());
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("crc")) {
      return ModbusFailure.crc("CRC error " + what + " on " + describe(), e);
    }
    // j2mod reports "nothing arrived before the port's read timeout" as "Cannot read from serial port"
    boolean nothingArrived = lower.contains("cannot read from serial port") || lower.contains("error reading response");
    if (connection.isOpen() && (nothingArrived || lower.contains("timed out") || lower.contains("timeout"))) {
      return ModbusFailure.timeout("timeout after " + settings.timeoutMs() + " ms " + what + " on " + describe(), e);
    }
    if (!connection.isOpen()) {
      return ModbusFailure.io("port lost " + what + " on " + describe() + ": " + message, e);
    }
    // half a frame, garbage: the line is out of step, treat it like a CRC error (drain, retry)
    return ModbusFailure.crc("bad frame " + what + " on " + describe() + ": " + message, e);
  }

  /**
   * After a timeout or a bad frame: reads and discards until the line has been quiet for one response
   * timeout, so a late or partial reply is gone before the next request. Gives up after four timeouts of
   * chatter (a babbling device is then someone else's problem: the port is reopened).
   */
  @Override
  public void recover(ModbusFailure failure) {
    if (failure.kind() == ModbusFailure.Kind.IO || !isConnected()) {
      close();
      return;
    }
    if (failure.kind() != ModbusFailure.Kind.TIMEOUT && failure.kind() != ModbusFailure.Kind.CRC) {
      return;
    }
    long quietNanos = settings.timeoutMs() * 1_000_000L;
    long start = System.nanoTime();
    long lastByte = start;
    byte[] sink = new byte[256];
    while (System.nanoTime() - lastByte < quietNanos) {
      if (System.nanoTime() - start > 4 * quietNanos) {
        close();
        return;
      }
      int available = connection.bytesAvailable();
      if (available > 0) {
        int read = connection.readBytes(sink, Math.min(available, sink.length));
        if (read > 0) {
          bytesReceived += read;
          lastByte = System.nanoTime();
        }
      } else if (available < 0) {
        close();
        return;
      } else {
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    lineQuietSinceNanos = System.nanoTime();
  }

  @Override
  public long bytesSent() {
    return bytesSent;
  }

  @Override
  public long bytesReceived() {
    return bytesReceived;
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  @Override
  public String describe() {
    return "rtu://" + settings.port() + " " + settings.baud() + " " + settings.dataBits()
        + settings.parity().toUpperCase(Locale.ROOT).charAt(0) + settings.stopBits() + " unit " + settings.unitId();
  }
}
