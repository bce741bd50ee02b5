package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.Backoff;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.internal.curve.CurveSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * What a relay of frames (the gateway, module {@code io.callosum.gateway}) uses of the TCP lower:
 * one I/O loop and its thread; connections on it, dialled (CURVE) or accepted (plain or CURVE),
 * with the lower's framing, heartbeats, limits and handshakes, each handing every channel frame to
 * the relay's {@link FrameSink}; raw sockets of its own on the same selector; ticks; reconnect
 * delays. Everything but {@link #start}, {@link #post}, {@link #inLoop} and {@link #close} is for
 * the loop thread.
 */
public final class RelayLoop {
  /** The preamble's mechanism name of {@link CurveSecurity}. */
  private static final String CURVE = "CURVE";

  private final TcpOptions options;
  private final Hub hub;
  private final IoLoop loop;

  private RelayLoop(TcpOptions options) {
    this.options = options;
    this.hub = new Hub(options, NullSecurity::new, NullSecurity::new);
    this.loop = hub.acquire();
  }

  /**
   * Starts an I/O thread ({@code callosum-tcp-io-N}) for connections with {@code options} (their
   * security settings are not used).
   */
  public static RelayLoop start(TcpOptions options) {
    return new RelayLoop(options);
  }

  public TcpOptions options() {
    return options;
  }

  /** What the remotes of this loop's connections make it hold ({@code TcpOptions.memoryBudget}). */
  public MemoryBudget memory() {
    return hub.memory();
  }

  /** Whether the caller is the loop thread. */
  public boolean inLoop() {
    return loop.inLoop();
  }

  /**
   * Runs {@code task} on the loop thread soon; false if the loop has stopped (it will not run). Any
   * thread.
   */
  public boolean post(Runnable task) {
    return loop.post(task);
  }

  /**
   * Calls {@code tick} with the time (nanoTime) at every tick of the loop until the returned action
   * runs. Loop thread.
   */
  public Runnable everyTick(LongConsumer tick) {
    IoLoop.Ticking t = tick::accept;
    loop.addTicking(t);
    return () -> loop.removeTicking(t);
  }

  /**
   * Registers {@code channel} (non-blocking) with the loop's selector for {@code ops}; {@code
   * ready} runs on the loop when its key is. Loop thread.
   */
  public SelectionKey register(SelectableChannel channel, int ops, Consumer<SelectionKey> ready)
      throws ClosedChannelException {
    IoLoop.Ready r = ready::accept;
    return channel.register(loop.selector, ops, r);
  }

  /**
   * The address {@code tcp://host:port} resolved (name lookups block the caller); unresolvable:
   * {@code ConnectionLostException}.
   */
  public static InetSocketAddress resolve(URI address) {
    return Addresses.resolve(Addresses.parse(address), address);
  }

  /**
   * The local address to bind for {@code tcp://host:port} (a host name is looked up on the caller's
   * thread).
   */
  public static InetSocketAddress bindable(URI address) throws UnknownHostException {
    return Addresses.bindable(Addresses.parse(address));
  }

  /**
   * {@code tcp://host:port} with the host as written in {@code address} and {@code port} (e.g. the
   * port bound for port 0).
   */
  public static String withPort(URI address, int port) {
    return Addresses.parse(address).uri(port);
  }

  /**
   * Dials {@code address} with CURVE ({@code auth} pins the server's key and carries ours); {@code
   * remote} names it in logs. Every failure, even an immediate one, reaches {@link
   * FrameSink#closed} later on the loop, except an address that does not resolve (thrown). Loop
   * thread.
   */
  public FrameConnection dial(URI address, String remote, ClientAuthenticator auth, FrameSink sink)
      throws IOException {
    Relayed r = new Relayed(sink);
    r.connection =
        Connection.connect(loop, resolve(address), remote, r, CurveSecurity.client(auth), options);
    return r;
  }

  /**
   * Takes over an accepted socket: plain when {@code auth} is null, else a CURVE server that lets
   * in whom {@code auth} allows (under the lower's handshake limits). Loop thread.
   */
  public FrameConnection accept(
      SocketChannel socket, String remote, ServerAuthenticator auth, FrameSink sink)
      throws IOException {
    Relayed r = new Relayed(sink);
    ConnectionSecurity security = auth == null ? new NullSecurity() : CurveSecurity.server(auth);
    r.connection = Connection.accepted(loop, socket, remote, r, security, options);
    return r;
  }

  /**
   * The security mechanism a socket accepted with {@code auth} speaks ({@link #accept}): for the
   * preamble of a refusal ({@link OverLimit}).
   */
  public static String mechanism(ServerAuthenticator auth) {
    return auth == null ? NullSecurity.NAME : CURVE;
  }

  /** Reconnect delays of the options ({@code TcpOptions.reconnect}), with jitter. */
  public Backoff backoff() {
    return hub.backoff();
  }

  /**
   * Ends the loop and waits for its thread (every connection and socket must be closed by then).
   * Not on the loop thread.
   */
  public void close() {
    hub.release(loop);
  }

  @Override
  public String toString() {
    return "RelayLoop(" + loop + ")";
  }

  /**
   * A relayed connection: the sink's view of it, and the connection's owner, passing every channel
   * frame on.
   */
  private static final class Relayed implements FrameConnection, Connection.Owner {
    private final FrameSink sink;
    private Connection connection;

    Relayed(FrameSink sink) {
      this.sink = sink;
    }

    @Override
    public void established(Connection c) {
      sink.established(this);
    }

    @Override
    public void channelFrame(Connection c, int kind, int channel, byte[] frame) {
      sink.frame(this, kind, channel, frame);
    }

    @Override
    public void channelClosed(Connection c, Channel channel) {
      // a relayed connection holds no Channel: the sink has every frame of its channels
    }

    @Override
    public void closed(Connection c, CallosumException cause) {
      sink.closed(this, cause);
    }

    @Override
    public String remote() {
      return connection.remote;
    }

    @Override
    public String userId() {
      return connection.userId();
    }

    @Override
    public long bytesIn() {
      return connection.bytesIn();
    }

    @Override
    public long bytesOut() {
      return connection.bytesOut();
    }

    @Override
    public Backlog backlog() {
      return connection.backlog();
    }

    @Override
    public void send(byte[] frame) {
      connection.sendFrame(frame);
    }

    @Override
    public void send(byte[] frame, Runnable written) {
      connection.sendFrame(frame, written);
    }

    @Override
    public void abort(int code, String reason) {
      connection.abort(code, reason);
    }

    @Override
    public void shutdown(String reason, CallosumException cause) {
      connection.abortForShutdown(reason, cause);
    }

    @Override
    public String toString() {
      return String.valueOf(connection);
    }
  }
}
