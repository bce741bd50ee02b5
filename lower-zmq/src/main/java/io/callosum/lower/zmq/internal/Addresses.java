package io.callosum.lower.zmq.internal;

import java.net.URI;

/**
 * Translation between Callosum addresses ({@code zmq+tcp://h:p}) and ZeroMQ endpoints ({@code
 * tcp://h:p}).
 */
final class Addresses {
  private Addresses() {}

  /** The ZeroMQ endpoint of {@code address}; for binding, port 0 becomes ZeroMQ's {@code *}. */
  static String toZmq(URI address, boolean bind) {
    String s = address.toString();
    if (!s.startsWith("zmq+")) {
      throw new IllegalArgumentException("not a ZeroMQ address: " + s);
    }
    String endpoint = s.substring(4);
    if (!(endpoint.startsWith("tcp://")
        || endpoint.startsWith("ipc://")
        || endpoint.startsWith("inproc://"))) {
      throw new IllegalArgumentException(
          "unsupported ZeroMQ address " + s + " (use zmq+tcp://, zmq+ipc:// or zmq+inproc://)");
    }
    if (bind && endpoint.startsWith("tcp://") && endpoint.endsWith(":0")) {
      endpoint = endpoint.substring(0, endpoint.length() - 1) + "*";
    }
    return endpoint;
  }

  static String fromZmq(String endpoint) {
    return "zmq+" + endpoint;
  }
}
