package io.nattery.cloud.prices;

import java.time.Duration;

/** What one request for day-ahead prices came to. Details never carry the token. */
public sealed interface FetchOutcome {

  /** A price document: its complete days, and those it touched without covering. */
  record Published(EntsoeDocument.Prices prices) implements FetchOutcome {
  }

  /** The acknowledgement that nothing is published for the interval yet. */
  record NotPublished(String reason) implements FetchOutcome {
  }

  /**
   * A request that failed; {@code retryAfter} is what the server asked for (Retry-After), null when it did not.
   */
  record Failed(Failure kind, String detail, Duration retryAfter) implements FetchOutcome {

    public boolean retryable() {
      return kind.retryable();
    }
  }

  /** Why a request failed, named as the counters name it. */
  enum Failure {
    TIMEOUT("timeout", true),
    CONNECTION("connection", true),
    /** 503. */
    UNAVAILABLE("unavailable", true),
    /** 429: too many requests. */
    RATE_LIMITED("rate_limited", true),
    /** Any other 5xx. */
    SERVER_ERROR("server_error", true),
    /** A 200 that is an HTML error page rather than a document. */
    ERROR_PAGE("error_page", true),
    /** A document the parser refused; a later answer may be whole again. */
    MALFORMED_DOCUMENT("malformed_document", true),
    /** 401 or 403: the token is wrong or not enabled; nothing will change until someone fixes it. */
    UNAUTHORIZED("unauthorized", false),
    /** 400 and other 4xx: the request itself is wrong. */
    BAD_REQUEST("bad_request", false),
    /** No token configured. */
    MISSING_TOKEN("missing_token", false);

    private final String wire;
    private final boolean retryable;

    Failure(String wire, boolean retryable) {
      this.wire = wire;
      this.retryable = retryable;
    }

    public String wire() {
      return wire;
    }

    public boolean retryable() {
      return retryable;
    }
  }
}
