package io.nattery.protocol;

/** The outcome of {@link MessageValidator#decode}: exactly one of a record or a rejection. */
public record Decoded<T>(T value, Rejection rejection) {

  public Decoded {
    if ((value == null) == (rejection == null)) {
      throw new IllegalArgumentException("exactly one of value and rejection");
    }
  }

  public static <T> Decoded<T> accepted(T value) {
    return new Decoded<>(value, null);
  }

  public static <T> Decoded<T> rejected(Rejection rejection) {
    return new Decoded<>(null, rejection);
  }

  public boolean isAccepted() {
    return value != null;
  }
}
