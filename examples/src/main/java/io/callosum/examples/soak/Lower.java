package io.callosum.examples.soak;

import java.util.Locale;

/** A lower a soak runs over. */
public enum Lower {
  /** The TCP lower ({@code tcp://}); brings the gateway pair along. */
  TCP("tcp"),
  /** The ZeroMQ lower ({@code zmq+tcp://}). */
  ZMQ("zmq+tcp");

  final String scheme;

  Lower(String scheme) {
    this.scheme = scheme;
  }

  /** Its name on the command line and in the summary. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
