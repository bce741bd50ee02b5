package io.callosum.lower.zmq.internal;

import io.callosum.lower.FanoutConfig;
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

  FanoutSocket(
      SharedContext shared, URI address, FanoutConfig config, ZmqOptions options, String role)
      throws IOException {
    super(shared, null);
    this.address = address;
    this.config = config;
    this.options = options;
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
    s.setSndHWM(config.queueCapacity());
    s.setRcvHWM(config.queueCapacity());
    s.setMaxMsgSize(config.maxMessageSize());
    s.setMsgAllocator(GuardedAllocator.INSTANCE);
    s.setReconnectIVL((int) options.reconnectInterval().toMillis());
    // A jeromq connection sometimes never finishes its ZMTP handshake (seen about 1 in 30 on a
    // loaded machine): a short handshake interval drops it, and a connector then reconnects,
    // instead of staying deaf for ZeroMQ's default 30 s.
    s.setHandshakeIvl((int) Math.max(1000, 3 * options.handshakeRetry().toMillis()));
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

  @Override
  protected void closeSockets() {
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }
}
