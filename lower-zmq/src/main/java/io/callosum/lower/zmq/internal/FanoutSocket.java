package io.callosum.lower.zmq.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * What the ZeroMQ broadcast and pipeline sockets share: a socket on one of the transport's {@link
 * IoLoop}s, options, and opening with a bounded wait. They are plain sockets: with CURVE, {@link
 * io.callosum.lower.zmq.ZmqTransport} runs fan-out over its encrypted links instead.
 */
abstract class FanoutSocket extends LoopSocket {
  protected final URI address;
  protected final FanoutConfig config;
  protected final ZmqOptions options;
  protected ZMQ.Socket socket;
  private volatile String boundAddress;

  /** A connecting socket's watch over its new connections (null for a bound one). */
  private final GreetingWatch greeting;

  FanoutSocket(
      SharedContext shared, URI address, FanoutConfig config, ZmqOptions options, String role)
      throws IOException {
    super(shared, null);
    this.address = address;
    this.config = config;
    this.options = options;
    this.greeting = config.bind() ? null : new GreetingWatch(loop, shared, context);
  }

  /**
   * The send high-water mark: for broadcast twice the capacity, so that {@code queueCapacity} items
   * always fit before a PUB drops. jeromq's pipe counts an item as gone only once its reader
   * reports it read, and a reader reports every half high-water mark; with the capacity itself as
   * the mark, a PUB dropped items for a subscriber that had read up to half the capacity without
   * reporting it, though fewer than the capacity were unread (a burst of the capacity then lost an
   * item or two). With twice the capacity it drops only while at least the capacity is unread, and
   * its pipe holds at most twice the capacity of the sender's own items. A PUSH drops nothing (it
   * waits), and keeps the capacity: a small one is how a pipeline keeps jobs from piling up at a
   * busy worker. The receive mark stays the capacity too, so what a remote can make a receiver hold
   * is not raised.
   */
  static int sendHighWaterMark(FanoutConfig config) {
    return config.pattern() == FanoutPattern.BROADCAST
        ? (int) Math.min(Integer.MAX_VALUE, 2L * config.queueCapacity())
        : config.queueCapacity();
  }

  /** Makes a socket object; its constructor takes a use of the context. */
  interface Factory<T> {
    T create() throws IOException;
  }

  /**
   * Makes the socket object, starts its I/O thread and waits until it is bound or connecting.
   * Refuses CURVE, which these sockets do not do (a CURVE server would need the ZAP handler).
   */
  static <T extends FanoutSocket> T launch(
      FanoutConfig config, ZmqOptions options, Factory<T> factory) throws IOException {
    if (config.bind() ? options.curveServer() != null : options.curveClient() != null) {
      throw new IllegalArgumentException(
          "CURVE fan-out runs over the transport's encrypted links, not over PUB/SUB or PUSH/PULL"
              + " sockets");
    }
    T s = factory.create();
    s.openAndWait(30_000, (config.bind() ? "bind " : "connect to ") + s.address);
    return s;
  }

  /** Creates, configures and binds or connects the socket, on the loop thread. */
  protected final ZMQ.Socket openSocket(SocketType type) throws IOException {
    ZMQ.Socket s = newSocket(type);
    s.setLinger((int) options.linger().toMillis());
    s.setHeartbeatIvl((int) options.heartbeatInterval().toMillis());
    s.setHeartbeatTimeout((int) options.heartbeatTimeout().toMillis());
    s.setHeartbeatTtl((int) options.heartbeatTimeout().toMillis());
    s.setSndHWM(sendHighWaterMark(config));
    s.setRcvHWM(config.queueCapacity());
    s.setMaxMsgSize(config.maxMessageSize());
    s.setMsgAllocator(GuardedAllocator.INSTANCE);
    s.setReconnectIVL((int) options.reconnectInterval().toMillis());
    // A connection whose ZMTP handshake never finishes is dropped after this, and a connector then
    // reconnects, instead of staying deaf for ZeroMQ's default 30 s. One that jeromq's I/O thread
    // left unregistered is heard after a nudge, much sooner (GreetingWatch).
    s.setHandshakeIvl((int) Math.max(1000, 3 * options.handshakeRetry().toMillis()));
    if (greeting != null) {
      // Called on jeromq's I/O thread: hand the event to the loop.
      s.base()
          .setEventHook(
              event -> {
                shared.ioThreadEvent(event.event);
                loop.post(() -> connectionEvent(s, event.event));
              },
              GreetingWatch.EVENTS);
    }
    try {
      if (config.bind()) {
        s.bind(Addresses.toZmq(address, true));
        boundAddress = Addresses.fromZmq(s.getLastEndpoint());
      } else {
        s.connect(Addresses.toZmq(address, false));
        boundAddress = address.toString();
      }
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  public String address() {
    return boundAddress;
  }

  /** Loop thread: an event of a connecting socket's connections. */
  private void connectionEvent(ZMQ.Socket s, int event) {
    if (s == socket && isOpen()) {
      greeting.onEvent(event);
    }
  }

  @Override
  protected void closeSockets() {
    if (greeting != null) {
      greeting.stop();
    }
    if (socket != null) {
      if (config.bind()) {
        closeAndWait(socket); // the port refuses connections once close returns
      } else {
        socket.base().setEventHook(null, 0);
        socket.close();
      }
      socket = null;
    }
  }
}
