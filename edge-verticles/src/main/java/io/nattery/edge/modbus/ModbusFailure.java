package io.nattery.edge.modbus;

/** A Modbus transaction that did not succeed, and the code the worker fails the request with. */
public final class ModbusFailure extends Exception {
  /** Failure codes outside the Modbus exception codes (1..11), HTTP-like so that they read at a glance. */
  public static final int BAD_REQUEST = 400;
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
    /** The link broke or carried garbage (CRC, framing): reopened. */
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
    return kind == Kind.TIMEOUT || kind == Kind.IO;
  }

  /** The code for {@code Message.fail}. */
  public int failureCode() {
    return switch (kind) {
      case EXCEPTION_RESPONSE -> exceptionCode;
      case TIMEOUT -> TIMEOUT;
      case NOT_CONNECTED -> NOT_CONNECTED;
      case IO -> IO_ERROR;
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
