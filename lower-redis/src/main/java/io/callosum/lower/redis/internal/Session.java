package io.callosum.lower.redis.internal;

import io.callosum.ConnectionLostException;
import io.callosum.OverloadedException;
import io.callosum.lower.redis.RedisOptions;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis connections of one endpoint: a writer for every non-blocking command (XADD, XACK,
 * XINFO, ...) and a reader for its blocking {@code XREADGROUP}s (a blocked command holds its
 * connection), plus the endpoint's loop, the one thread that runs the endpoint's work in order.
 * Lettuce reconnects both by itself; while one is down, commands fail at once, and {@link Events}
 * hears of the loss and the return on the loop. A connection the session closes itself (the
 * reader's, {@link #closeReader}; both, {@link #close}) is not lost: Lettuce tells its close as a
 * disconnect like any other, and the session ignores it. Sends are bounded by {@link
 * RedisOptions#maxSendBacklog}.
 */
public final class Session implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);
  private static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  /** What a session tells its endpoint, on the endpoint's loop. */
  public interface Events {
    /**
     * A connection to Redis went down (Lettuce is reconnecting it); never one the session closed.
     */
    void lost();

    /** Both connections are up again after {@link #lost}. */
    void restored();
  }

  private final RedisAddress address;
  private final RedisOptions options;
  private final ClientThreads.Lease lease;
  private final RedisClient client;
  private final EventExecutor loop;
  private final AtomicLong backlog = new AtomicLong();
  private final XAddArgs trim;
  private final XAddArgs trimIfExists;
  private volatile StatefulRedisConnection<String, byte[]> writer;
  private volatile StatefulRedisConnection<String, byte[]> reader;
  private volatile Events events;
  private volatile boolean down;
  private volatile boolean readerClosed;
  private volatile boolean closed;

  private Session(
      ClientThreads.Lease lease, RedisAddress address, RedisOptions options, Duration timeout) {
    this.address = address;
    this.options = options;
    this.lease = lease;
    this.loop = lease.loop();
    this.client = RedisClient.create(lease.resources(), uri(address, options, timeout));
    this.trim = new XAddArgs().maxlen(options.maxStreamLength()).approximateTrimming();
    this.trimIfExists =
        new XAddArgs().maxlen(options.maxStreamLength()).approximateTrimming().nomkstream();
  }

  /**
   * Connects both connections, each within about {@code timeout} (TCP, then TLS and Redis's
   * handshake); an unreachable, silent or refusing Redis (AUTH, TLS) is an {@link IOException} that
   * says which.
   */
  public static Session open(
      ClientThreads.Lease lease, RedisAddress address, RedisOptions options, Duration timeout)
      throws IOException {
    TrustManagerFactory trust =
        address.tls() && options.trustedCertificates() != null
            ? TrustFile.read(options.trustedCertificates())
            : null;
    Session s = new Session(lease, address, options, timeout);
    try {
      s.client.setOptions(clientOptions(options, timeout, trust));
      s.client.addListener(s.new StateListener());
      s.writer = s.client.connect(CODEC);
      s.reader = s.client.connect(CODEC);
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw ConnectFailure.explain(address, timeout, e);
    }
  }

  private static RedisURI uri(RedisAddress a, RedisOptions o, Duration connectTimeout) {
    // Bounds a connection's setup after TCP (the TLS handshake, then HELLO, AUTH, ...), 60 s
    // unless set: a server that accepts and never answers would hold a connect that long.
    RedisURI.Builder b =
        RedisURI.builder()
            .withHost(a.host())
            .withPort(a.port())
            .withSsl(a.tls())
            .withTimeout(connectTimeout);
    if (a.tls()) {
      b.withVerifyPeer(o.verifyPeer());
    }
    char[] password = a.password() != null ? a.password() : o.password();
    String user = a.password() != null ? a.username() : o.username();
    if (password != null) {
      b = user != null ? b.withAuthentication(user, password) : b.withPassword(password);
    }
    return b.build();
  }

  private static ClientOptions clientOptions(
      RedisOptions o, Duration connectTimeout, TrustManagerFactory trust) {
    ClientOptions.Builder b =
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .protocolVersion(ProtocolVersion.RESP2)
            .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
            .timeoutOptions(
                TimeoutOptions.enabled(o.blockTimeout().plus(connectTimeout).plusSeconds(5)));
    if (trust != null) {
      b.sslOptions(SslOptions.builder().trustManager(trust).build());
    }
    return b.build();
  }

  /** Where this session's events go; set once, before anything is read. */
  public void events(Events events) {
    this.events = events;
  }

  public RedisAddress address() {
    return address;
  }

  public RedisOptions options() {
    return options;
  }

  /** The endpoint's share of the transport's threads (its loop and its connections' I/O thread). */
  public ClientThreads.Lease lease() {
    return lease;
  }

  /** The endpoint's loop. */
  public EventExecutor loop() {
    return loop;
  }

  /** Commands that do not block. */
  public RedisAsyncCommands<String, byte[]> commands() {
    return writer.async();
  }

  /** The connection for blocking reads. */
  public RedisAsyncCommands<String, byte[]> readerCommands() {
    return reader.async();
  }

  /** Whether a connection is down (commands fail until it is back). */
  public boolean isDown() {
    return down;
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Appends an entry to {@code stream}, trimmed to about {@link RedisOptions#maxStreamLength}; with
   * {@code onlyIfExists} ({@code NOMKSTREAM}) not to a stream that is gone (a peer's own stream,
   * which it deleted on close or Redis let expire: nobody reads it any more, and it is not made
   * again). Refuses at once when the connection is down or too many bytes are on their way.
   */
  public CompletionStage<String> append(
      String stream, Map<String, byte[]> fields, long bytes, boolean onlyIfExists) {
    if (closed || down) {
      throw new ConnectionLostException(
          "no connection to Redis at " + address.hostPort() + (closed ? " (closed)" : ""));
    }
    long queued = backlog.addAndGet(bytes);
    if (queued > options.maxSendBacklog() && queued != bytes) { // one big entry alone may pass
      backlog.addAndGet(-bytes);
      throw new OverloadedException(
          "more than "
              + options.maxSendBacklog()
              + " bytes are on their way to Redis at "
              + address.hostPort());
    }
    CompletableFuture<String> f;
    try {
      f = mark(stream, fields, onlyIfExists);
    } catch (RuntimeException e) {
      backlog.addAndGet(-bytes);
      throw new ConnectionLostException("cannot send to Redis: " + e.getMessage(), e);
    }
    return f.whenComplete((id, e) -> backlog.addAndGet(-bytes));
  }

  /** Appends a marker entry (no backlog counted), as {@link #append} does. */
  public CompletableFuture<String> mark(
      String stream, Map<String, byte[]> fields, boolean onlyIfExists) {
    return writer
        .async()
        .xadd(stream, onlyIfExists ? trimIfExists : trim, fields)
        .toCompletableFuture();
  }

  /**
   * A command whose reply nobody waits for (a marker, an acknowledgement, a trim): a failure is
   * logged, and the next round (or the reader's claims) makes up for it.
   */
  public static void quietly(CompletionStage<?> command) {
    command.whenComplete(
        (v, e) -> {
          if (e != null) {
            LOG.debug("a Redis command failed: {}", e.toString());
          }
        });
  }

  /**
   * Closes the reader's connection (ending a blocked read), for good: its close is no loss (not
   * logged, no {@link Events#lost}), and the session is back after a loss once the writer is.
   * Completes when it is closed.
   */
  public CompletableFuture<Void> closeReader() {
    readerClosed = true;
    return reader.closeAsync().handle((v, e) -> null);
  }

  /** Closes both connections and the client (the shared threads stay). Idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      LOG.debug("closing the Redis client for {} failed", address, e);
    }
  }

  /** Whether the session closed {@code connection} itself (then its disconnect is no loss). */
  private boolean closedHere(RedisChannelHandler<?, ?> connection) {
    return closed || (connection == reader && readerClosed);
  }

  /**
   * Lettuce's connection events, moved to the loop as {@link Events}. Lettuce calls it on the
   * connection's I/O thread, for the connections the session closes as well.
   */
  private final class StateListener implements RedisConnectionStateListener {
    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
      if (closedHere(connection) || (connection != writer && connection != reader)) {
        return;
      }
      loop.execute(
          () -> {
            if (!down && !closedHere(connection)) {
              down = true;
              LOG.warn("lost the connection to Redis at {}; reconnecting", address.hostPort());
              Events e = events;
              if (e != null) {
                e.lost();
              }
            }
          });
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress remote) {
      loop.execute(this::checkRestored);
    }

    private void checkRestored() {
      StatefulRedisConnection<String, byte[]> w = writer;
      StatefulRedisConnection<String, byte[]> r = reader;
      boolean readerBack = readerClosed || (r != null && r.isOpen()); // a closed one stays closed
      if (!down || closed || w == null || !w.isOpen() || !readerBack) {
        return;
      }
      down = false;
      LOG.info("connected to Redis at {} again", address.hostPort());
      Events e = events;
      if (e != null) {
        e.restored();
      }
    }
  }
}
