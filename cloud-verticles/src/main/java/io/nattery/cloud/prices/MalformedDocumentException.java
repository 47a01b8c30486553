package io.nattery.cloud.prices;

/** An ENTSO-E document that cannot be read as day-ahead prices; the message names what is wrong and where. */
public final class MalformedDocumentException extends Exception {

  public MalformedDocumentException(String message) {
    super(message);
  }
}
