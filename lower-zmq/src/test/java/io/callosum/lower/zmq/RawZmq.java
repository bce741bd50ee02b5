package io.callosum.lower.zmq;

import io.callosum.testing.Await;
import java.util.ArrayList;
import java.util.List;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A raw jeromq socket with its own context, playing Python Callosum in tests: a DEALER for its
 * client, a ROUTER for its server. Not thread-safe: create, use and close it on one thread. Closing
 * sets LINGER 0 and terminates the context.
 */
final class RawZmq implements AutoCloseable {
  private final ZMQ.Context context = ZMQ.context(1);
  private final ZMQ.Socket socket;
  private final String endpoint;
  private boolean closed;

  private RawZmq(SocketType type, String endpoint, boolean bind) {
    ZMQ.Socket s = context.socket(type);
    s.setLinger(0);
    try {
      if (bind) {
        s.bind(endpoint);
        this.endpoint = s.getLastEndpoint();
      } else {
        // A fresh jeromq DEALER's connection now and then never starts its handshake (jeromq #912,
        // lower-zmq/README.md) and would sit for the default 30 s: torn down after 1 s instead,
        // jeromq reconnects, and what was queued goes on the new connection.
        s.setHandshakeIvl(1000);
        s.connect(endpoint);
        this.endpoint = endpoint;
      }
    } catch (RuntimeException e) {
      s.close();
      context.term();
      throw e;
    }
    this.socket = s;
  }

  /** A DEALER connected to {@code zmqEndpoint} ({@code tcp://...}), as Python Callosum's client. */
  static RawZmq dealer(String zmqEndpoint) {
    return new RawZmq(SocketType.DEALER, zmqEndpoint, false);
  }

  /** A DEALER connected to a Callosum address ({@code zmq+tcp://...}). */
  static RawZmq dealerTo(String callosumAddress) {
    if (!callosumAddress.startsWith("zmq+")) {
      throw new IllegalArgumentException(callosumAddress);
    }
    return dealer(callosumAddress.substring(4));
  }

  /** A ROUTER bound to an ephemeral loopback port, as Python Callosum's server. */
  static RawZmq router() {
    return new RawZmq(SocketType.ROUTER, "tcp://127.0.0.1:*", true);
  }

  /** The ZeroMQ endpoint ({@code tcp://127.0.0.1:port}). */
  String endpoint() {
    return endpoint;
  }

  /** The Callosum address of a bound socket ({@code zmq+tcp://127.0.0.1:port}). */
  String callosumAddress() {
    return "zmq+" + endpoint;
  }

  ZMQ.Socket socket() {
    return socket;
  }

  /** Sends the frames as one message (blocking; loopback with tiny messages never waits long). */
  void send(byte[]... frames) {
    for (int i = 0; i < frames.length; i++) {
      if (!socket.send(frames[i], i < frames.length - 1 ? ZMQ.SNDMORE : 0)) {
        throw new AssertionError("raw send failed, errno " + socket.errno());
      }
    }
  }

  /** The next whole message, or null if none arrives within {@code timeoutMillis}. */
  List<byte[]> receive(long timeoutMillis) {
    socket.setReceiveTimeOut((int) Math.max(1, timeoutMillis));
    byte[] first = socket.recv(0);
    if (first == null) {
      return null;
    }
    List<byte[]> frames = new ArrayList<>();
    frames.add(first);
    while (socket.hasReceiveMore()) {
      frames.add(socket.recv(0));
    }
    return frames;
  }

  /** The next whole message, failing the test if none arrives within {@link Await#LIMIT}. */
  List<byte[]> next() {
    List<byte[]> m = receive(Await.LIMIT.toMillis());
    if (m == null) {
      throw new AssertionError(
          "the raw " + socket.getSocketType() + " received nothing within " + Await.LIMIT);
    }
    return m;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    socket.setLinger(0);
    socket.close();
    context.term();
  }
}
