package io.callosum.lower.zmq.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * What the ZeroMQ broadcast and pipeline sockets share: one I/O thread each (a {@link Loop}),
 * options, and opening with a bounded wait. They are plain sockets: with CURVE, {@link
 * io.callosum.lower.zmq.ZmqTransport} runs fan-out over its encrypted links instead.
 */
abstract class FanoutSocket extends Loop {
  protected final URI address;
  protected final FanoutConfig config;
  protected final ZmqOptions options;
  protected ZMQ.Socket socket;
  private volatile String boundAddress;

  FanoutSocket(SharedContext shared, URI address, FanoutConfig config, ZmqOptions options, String role) throws IOException {
    super(shared, threadName(role, address, config));
    this.address = address;
    this.config = config;
    this.options = options;
  }

  /** The I/O thread's name; refuses a bad address before any resource is taken. */
  private static String threadName(String role, URI address, FanoutConfig config) {
    Addresses.toZmq(address, config.bind());
    return "callosum-zmq-" + role + "-" + address.getSchemeSpecificPart().replaceFirst("^//", "");
  }

  /** Makes a socket object; its constructor takes a use of the context. */
  interface Factory<T> {
    T create() throws IOException;
  }

  /**
   * Makes the socket object, starts its I/O thread and waits until it is bound or connecting.
   * Refuses CURVE, which these sockets do not do (a CURVE server would need the ZAP handler).
   */
  static <T extends FanoutSocket> T launch(FanoutConfig config, ZmqOptions options, Factory<T> factory) throws IOException {
    if (config.bind() ? options.curveServer() != null : options.curveClient() != null) {
      throw new IllegalArgumentException("CURVE fan-out runs over the transport's encrypted links, not over PUB/SUB or PUSH/PULL sockets");
    }
    T s = factory.create();
    s.startThread();
    try {
      s.opened.get(30, TimeUnit.SECONDS);
      return s;
    } catch (ExecutionException | TimeoutException e) {
      s.stop();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IOException("cannot " + (config.bind() ? "bind " : "connect to ") + s.address + ": " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      s.stop();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening " + s.address, e);
    }
  }

  /** Creates, configures and binds or connects the socket, on the loop thread. */
  protected final ZMQ.Socket openSocket(SocketType type) {
    ZMQ.Socket s = context.socket(type);
    s.setLinger(options.linger().toMillis());
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

  public void close() {
    stop();
  }

  @Override
  protected void closeSockets() {
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }

  @Override
  protected void tick(long nowMillis) {}
}
