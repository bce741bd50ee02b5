package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.tcp.TcpOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound endpoint: accepts connections, and makes each channel a remote opens a {@link Channel}
 * (so one core remote per channel). Limits: connections at once, in all and per source (refused
 * with the preamble and an ABORT, logged rate-limited), channels per connection (a connection that
 * keeps opening past it is cut), and everything {@link Connection} checks. Its state is touched on
 * the loop thread only; {@link #close} waits for the loop to release it.
 */
final class ServerEndpoint implements Endpoint, Connection.Owner, IoLoop.Ready {
  private static final Logger LOG = LoggerFactory.getLogger(ServerEndpoint.class);
  private static final long ACCEPT_PAUSE_MILLIS = 100;

  /** After the first few refused connections, one line per this interval counts the rest. */
  private static final long REFUSAL_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

  private final Hub hub;
  private final IoLoop loop;
  private final ServerSocketChannel server;
  private final String address;
  private final TransportConfig config;
  private final LinkListener listener;
  private final Supplier<ConnectionSecurity> security;
  private final TcpOptions options;
  private final byte[] capabilities;

  /** The connections this endpoint serves, with the source each counts against. */
  private final Map<Connection, InetAddress> connections = new LinkedHashMap<>();

  private final ConnectionsBySource bySource;
  private final RefusalLog refusals =
      new RefusalLog(REFUSAL_LOG_INTERVAL, "further refused connections");
  private final Object closeLock = new Object();
  private SelectionKey acceptKey;
  private boolean closed;

  /** Completed once the endpoint is closing and its last connection has ended (loop thread). */
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  /** Loop thread: close() has begun; {@link #ended} completes with the last connection. */
  private boolean ending;

  private ServerEndpoint(
      Hub hub,
      IoLoop loop,
      ServerSocketChannel server,
      String address,
      TransportConfig config,
      LinkListener listener,
      Supplier<ConnectionSecurity> security) {
    this.hub = hub;
    this.loop = loop;
    this.server = server;
    this.address = address;
    this.config = config;
    this.listener = listener;
    this.security = security;
    this.options = hub.options();
    this.capabilities = config.localCapabilities().encode();
    this.bySource = new ConnectionsBySource(options.maxConnectionsPerAddress());
  }

  static ServerEndpoint bind(
      Hub hub,
      Addresses.HostPort hp,
      TransportConfig config,
      LinkListener listener,
      Supplier<ConnectionSecurity> security)
      throws IOException {
    ServerSocketChannel ssc = ServerSocketChannel.open();
    IoLoop loop = null;
    try {
      ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      ssc.bind(Addresses.bindable(hp), 256);
      ssc.configureBlocking(false);
      int port = ((InetSocketAddress) ssc.getLocalAddress()).getPort();
      IoLoop l = hub.acquire();
      loop = l;
      ServerEndpoint e = new ServerEndpoint(hub, l, ssc, hp.uri(port), config, listener, security);
      CompletableFuture<Void> registered = new CompletableFuture<>();
      if (!loop.post(
          () -> {
            try {
              e.acceptKey = ssc.register(l.selector, SelectionKey.OP_ACCEPT, e);
              registered.complete(null);
            } catch (IOException | RuntimeException ex) {
              registered.completeExceptionally(ex);
            }
          })) {
        throw new IOException("the TCP I/O loop has stopped");
      }
      try {
        registered.join();
      } catch (CompletionException ex) {
        throw ex.getCause() instanceof IOException
            ? (IOException) ex.getCause()
            : new IOException(ex.getCause());
      }
      return e;
    } catch (IOException | RuntimeException ex) {
      ssc.close();
      if (loop != null) {
        hub.release(loop);
      }
      throw ex;
    }
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public void ready(SelectionKey key) {
    for (int i = 0; i < 64; i++) {
      SocketChannel sc;
      try {
        sc = server.accept();
      } catch (IOException e) {
        // E.g. out of file descriptors: the socket stays acceptable, so stop asking for a while
        // instead of spinning on it.
        LOG.warn(
            "{}: accept failed ({}); pausing accepts for {} ms",
            address,
            e.toString(),
            ACCEPT_PAUSE_MILLIS);
        key.interestOps(0);
        long resume = System.nanoTime() + ACCEPT_PAUSE_MILLIS * 1_000_000;
        loop.addTicking(
            new IoLoop.Ticking() {
              @Override
              public void tick(long now) {
                if (now - resume >= 0) {
                  loop.removeTicking(this);
                  if (key.isValid()) {
                    key.interestOps(SelectionKey.OP_ACCEPT);
                  }
                }
              }
            });
        return;
      }
      if (sc == null) {
        return;
      }
      String remote = remoteName(sc);
      InetAddress source = ConnectionsBySource.sourceOf(sc);
      if (connections.size() >= options.maxConnections()) {
        refuse(
            sc,
            remote,
            "this endpoint serves at most " + options.maxConnections() + " connections");
        continue;
      }
      if (!loop.memory.admitsAnother()) {
        refuse(sc, remote, "no room in the memory budget for another connection: " + loop.memory);
        continue;
      }
      if (source != null && !bySource.add(source)) {
        refuse(
            sc,
            remote,
            "this endpoint serves at most "
                + bySource.max()
                + " connections from "
                + ConnectionsBySource.describe(source)
                + " (TcpOptions.maxConnectionsPerAddress)");
        continue;
      }
      try {
        connections.put(
            Connection.accepted(loop, sc, remote, this, security.get(), options), source);
      } catch (IOException | RuntimeException e) {
        LOG.warn("{}: cannot take the connection from {}: {}", address, remote, e.toString());
        if (source != null) {
          bySource.remove(source);
        }
        closeQuietly(sc);
      }
    }
  }

  /**
   * Over a connection limit or the memory budget: the preamble and an ABORT saying why, logged
   * rate-limited.
   */
  private void refuse(SocketChannel sc, String remote, String reason) {
    String line =
        refusals.admit("refused a connection from " + remote + ": " + reason, System.nanoTime());
    if (line != null) {
      LOG.warn("{}: {}", address, line);
    }
    OverLimit.refuse(sc, security.get().mechanism(), reason);
  }

  private static String remoteName(SocketChannel sc) {
    try {
      return String.valueOf(sc.getRemoteAddress()).replaceFirst("^/", "");
    } catch (IOException e) {
      return "?";
    }
  }

  private static void closeQuietly(SocketChannel sc) {
    try {
      sc.close();
    } catch (IOException e) {
      LOG.debug("close failed", e);
    }
  }

  @Override
  public void established(Connection c) {
    LOG.debug(
        "{}: {} connected{}", address, c.remote, c.userId() != null ? " as " + c.userId() : "");
  }

  @Override
  public void channelFrame(Connection c, int kind, int number, byte[] frame) {
    switch (kind) {
      case Wire.OPEN -> open(c, number, frame);
      case Wire.CLOSE ->
          c.remoteClosedChannel(number, Wire.reason(frame, Wire.CHANNEL_FRAME_HEADER));
      case Wire.OPENED ->
          c.abort(Wire.PROTOCOL, "a client sent OPENED: this endpoint opens no channels");
      case Wire.DATA ->
          LOG.debug(
              "{}: dropped DATA for channel {}, which is not open",
              c.remote,
              Integer.toUnsignedString(number));
      default ->
          c.abort(
              Wire.PROTOCOL,
              "frame kind 0x"
                  + Integer.toHexString(kind)
                  + " is for gateways; "
                  + address
                  + " is a tcp:// endpoint");
    }
  }

  private void open(Connection c, int number, byte[] frame) {
    if ((number & Wire.ACCEPTOR_BIT) != 0 || !Wire.openable(number)) {
      c.abort(
          Wire.PROTOCOL,
          "channel id "
              + Integer.toUnsignedString(number)
              + (number == 0
                  ? " is not an opener's id (1..2^31-1)"
                  : " is in the accepting side's id space"));
      return;
    }
    if (c.channels.contains(number)) {
      c.abort(Wire.PROTOCOL, "channel " + number + " is already open");
      return;
    }
    int max = options.maxChannelsPerConnection();
    if (c.channels.size() >= max) {
      if (++c.refusedOpens > max) {
        c.abort(
            Wire.LIMIT,
            "flood of channel opens: "
                + c.refusedOpens
                + " refused past the limit of "
                + max
                + " channels");
      } else {
        c.sendFrame(Wire.close(number, "channel limit of " + max + " per connection reached"));
      }
      return;
    }
    Capabilities remote =
        Capabilities.decode(Arrays.copyOfRange(frame, Wire.CHANNEL_FRAME_HEADER, frame.length));
    Channel ch = new Channel(number, c, null, remote, c.userId(), listener);
    c.channels.add(number, ch);
    c.sendFrame(Wire.channelFrame(Wire.OPENED, number, capabilities));
    ch.announce();
  }

  @Override
  public void channelClosed(Connection c, Channel channel) {
    // a bound endpoint keeps a connection without channels: its client may open more
  }

  @Override
  public void closed(Connection c, CallosumException cause) {
    InetAddress source = connections.remove(c);
    if (source != null) {
      bySource.remove(source);
    }
    if (ending && connections.isEmpty()) {
      ended.complete(null);
    }
  }

  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    Runnable shut =
        () -> {
          try {
            // A registered channel is closed for real only once the selector drops its key: do that
            // now, so that the port is free when close() returns (a server restarted on it can
            // bind).
            if (acceptKey != null) {
              acceptKey.cancel();
            }
            server.close();
            loop.selector.selectNow();
          } catch (IOException e) {
            LOG.debug("closing {} failed", address, e);
          }
          String suppressed = refusals.flush(System.nanoTime());
          if (suppressed != null) {
            LOG.warn("{}: {}", address, suppressed);
          }
          ending = true;
          // What is queued for a connection is written before it ends: the last replies of a
          // peer that shut down gracefully.
          for (Connection c : new ArrayList<>(connections.keySet())) {
            c.abortOnceWritten(
                "the server endpoint " + address + " is closing",
                new ConnectionLostException("the endpoint " + address + " closed"));
          }
          if (connections.isEmpty()) {
            ended.complete(null);
          }
        };
    if (!loop.post(shut)) {
      shut.run();
      ended.complete(null); // the loop has ended, and every connection with it
    }
    if (!loop.inLoop()) {
      ended.join();
    }
    hub.release(loop);
  }

  @Override
  public String toString() {
    return "ServerEndpoint(" + address + ", " + config.localCapabilities() + ")";
  }
}
