package io.callosum.internal;

/**
 * A remote sent something malformed. {@link #header()} is set when the header was readable, so that
 * a request can still be answered with an ERROR reply.
 */
public final class BadMessageException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Header header;

  public BadMessageException(String message, Header header) {
    super(message);
    this.header = header;
  }

  public BadMessageException(String message, Header header, Throwable cause) {
    super(message, cause);
    this.header = header;
  }

  public Header header() {
    return header;
  }
}
