package io.nattery.edge.modbus;

/** A Modbus transaction that did not succeed, and the code the worker fails the request with. */
public final class ModbusFailure extends Exception {
  /** Failure codes outside the Modbus exception codes (1..11), HTTP-like so that they read at a glance. */
  public static final int BAD_REQUEST = 400;
  /** A request whose {@code expires_at_ms} passed while it waited: never sent. */
  public static final int EXPIRED = 410;
  public static final int IO_ERROR = 502;
  public static final int NOT_CONNECTED = 503;
  public static final int TIMEOUT = 504;

  /** What went wrong; decides whether the link is reopened. */
  public enum Kind {
    /** The device answered with a Modbus exception: the link is fine. */
    EXCEPTION_RESPONSE,
    /** No answer in time: the link may hold a late reply, so it is reopened. */
    TIMEOUT,
    /** No link, and opening one failed. */
    NOT_CONNECTED,
    /** A reply with a bad CRC or a broken frame: the line is drained before the next request. */
    CRC,
    /** The link broke: reopened. */
    IO
  }

  private final Kind kind;
  private final int exceptionCode;

  private ModbusFailure(Kind kind, int exceptionCode, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.exceptionCode = exceptionCode;
  }

  public static ModbusFailure exceptionResponse(int code, String message) {
    return new ModbusFailure(Kind.EXCEPTION_RESPONSE, code, message, null);
  }

  public static ModbusFailure timeout(String message, Throwable cause) {
    return new ModbusFailure(Kind.TIMEOUT, 0, message, cause);
  }

  public static ModbusFailure notConnected(String message, Throwable cause) {
    return new ModbusFailure(Kind.NOT_CONNECTED, 0, message, cause);
  }

  public static ModbusFailure crc(String message, Throwable cause) {
    return new ModbusFailure(Kind.CRC, 0, message, cause);
  }

  public static ModbusFailure io(String message, Throwable cause) {
    return new ModbusFailure(Kind.IO, 0, message, cause);
  }

  public Kind kind() {
    return kind;
  }

  /** The Modbus exception code (1..11) of an exception response, 0 otherwise. */
  public int exceptionCode() {
    return exceptionCode;
  }

  /** Whether the link should be closed and reopened before the next request. */
  public boolean linkSuspect() {
    return kind == Kind.TIMEOUT || kind == Kind.IO || kind == Kind.CRC;
  }

  /**
   * Whether trying again may help: timeouts, bad frames, a lost link, and the exception codes that mean
   * "not now" (4 device failure, 5 acknowledge, 6 busy, 10/11 gateway). Codes 1-3 (illegal function,
   * address, value) would only fail again.
   */
  public boolean retryable() {
    return switch (kind) {
      case TIMEOUT, CRC, IO -> true;
      case NOT_CONNECTED -> false;
      case EXCEPTION_RESPONSE -> exceptionCode == 4 || exceptionCode == 5 || exceptionCode == 6
          || exceptionCode == 10 || exceptionCode == 11;
    };
  }

  /** The code for {@code Message.fail}. */
  public int failureCode() {
    return switch (kind) {
      case EXCEPTION_RESPONSE -> exceptionCode;
      case TIMEOUT -> TIMEOUT;
      case NOT_CONNECTED -> NOT_CONNECTED;
      case IO, CRC -> IO_ERROR;
    };
  }

  /** The standard name of a Modbus exception code. */
  public static String exceptionName(int code) {
    return switch (code) {
      case 1 -> "illegal function";
      case 2 -> "illegal data address";
      case 3 -> "illegal data value";
      case 4 -> "server device failure";
      case 5 -> "acknowledge";
      case 6 -> "server device busy";
      case 8 -> "memory parity error";
      case 10 -> "gateway path unavailable";
      case 11 -> "gateway target device failed to respond";
      default -> "exception " + code;
    };
  }
}
