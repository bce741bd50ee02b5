package io.callosum.lower.tcp;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.ServerAuthenticator;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link TcpTransport}. Immutable and thread-safe; build one with {@link #builder()}
 * or derive a variant with {@link #toBuilder()}:
 *
 * <pre>{@code
 * TcpOptions o =
 *     TcpOptions.builder().heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(5)).build();
 * }</pre>
 *
 * <p>Every limit protects against one remote: exceeding it cuts that remote's connection (or
 * refuses its channel), never anyone else's.
 *
 * <p><b>Security handshakes.</b> A bound endpoint with security (CURVE) runs the key agreement of
 * each handshake step on {@link #handshakeThreads()} daemon threads ({@code
 * callosum-tcp-handshake-N-i}) and the calls of its {@code ServerAuthenticator} on {@link
 * #authenticatorThreads()} others ({@code callosum-tcp-auth-N-i}), both per transport object,
 * started on first use and ended with its I/O thread. At most {@link #maxHandshakes()} accepted
 * connections of the transport may be in their handshake at once, and at most {@link
 * #maxHandshakesPerAddress()} of them from one remote address; a connection past either limit is
 * answered with its preamble and {@code ABORT} <i>limit exceeded</i> and closed at once, before any
 * key agreement. Each connection in its handshake has at most one step queued or running, so the
 * queues of both pools hold at most {@code maxHandshakes} entries.
 */
public final class TcpOptions {
  /** By default one source may hold this fraction (1/N) of an endpoint's connections. */
  private static final int DEFAULT_ADDRESS_SHARE = 16;

  private final Duration heartbeatInterval;
  private final Duration heartbeatTimeout;
  private final Duration reconnectMin;
  private final Duration reconnectMax;
  private final Duration handshakeTimeout;
  private final int maxFrameSize;
  private final int maxChannelsPerConnection;
  private final int maxConnections;

  /** As set on the builder; 0: a share of {@link #maxConnections} (see the getter). */
  private final int maxConnectionsPerAddress;

  private final long maxSendBacklog;
  private final long memoryBudget;
  private final int handshakeThreads;
  private final int authenticatorThreads;
  private final int maxHandshakes;
  private final int maxHandshakesPerAddress;
  private final ServerAuthenticator curveServer;
  private final ClientAuthenticator curveClient;
  private final URI gateway;

  private TcpOptions(Builder b) {
    this.heartbeatInterval = b.heartbeatInterval;
    this.heartbeatTimeout = b.heartbeatTimeout;
    this.reconnectMin = b.reconnectMin;
    this.reconnectMax = b.reconnectMax;
    this.handshakeTimeout = b.handshakeTimeout;
    this.maxFrameSize = b.maxFrameSize;
    this.maxChannelsPerConnection = b.maxChannelsPerConnection;
    this.maxConnections = b.maxConnections;
    this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
    this.maxSendBacklog = b.maxSendBacklog;
    this.memoryBudget = b.memoryBudget;
    this.handshakeThreads = b.handshakeThreads;
    this.authenticatorThreads = b.authenticatorThreads;
    this.maxHandshakes = b.maxHandshakes;
    this.maxHandshakesPerAddress = Math.min(b.maxHandshakesPerAddress, b.maxHandshakes);
    this.curveServer = b.curveServer;
    this.curveClient = b.curveClient;
    this.gateway = b.gateway;
  }

  /**
   * Heartbeats every 1 s on an idle connection, loss after 5 s of silence; reconnects after 100 ms
   * backing off to 10 s; 5 s for the preamble and security handshake; frames up to 17 MiB (a 16 MiB
   * message with room for its header); 1,024 channels per connection; 4,096 connections per bound
   * endpoint, 256 of them (a sixteenth) from one source; 64 MiB send backlog per connection; a
   * memory budget of 256 MiB for what remotes make the transport hold; security handshakes on
   * min(cores, 4) threads with 4 authenticator threads, at most 256 in progress per transport and
   * 64 per remote address; no CURVE.
   */
  public static TcpOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** How long a connection may be idle before this side sends a heartbeat. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * Silence after which a connection counts as lost (its calls then fail with "connection lost").
   */
  public Duration heartbeatTimeout() {
    return heartbeatTimeout;
  }

  /** The first delay before a connector reconnects; doubled per failed attempt, with jitter. */
  public Duration reconnectMin() {
    return reconnectMin;
  }

  /** The longest delay between reconnect attempts. */
  public Duration reconnectMax() {
    return reconnectMax;
  }

  /**
   * How long a new connection may take to exchange preambles and complete its security handshake.
   */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /** The largest frame (length prefix value) sent or accepted, in bytes. */
  public int maxFrameSize() {
    return maxFrameSize;
  }

  /** How many channels one connection may have open at a bound endpoint. */
  public int maxChannelsPerConnection() {
    return maxChannelsPerConnection;
  }

  /** How many connections a bound endpoint serves at once; more are refused. */
  public int maxConnections() {
    return maxConnections;
  }

  /**
   * How many of the {@link #maxConnections()} a bound endpoint (or a gateway) serves from one
   * source at once; more from it are refused, so that one source cannot lock the others out. A
   * source is a remote IP address (an IPv6 address's /64 network); every loopback client of one
   * machine is one source. Default: a sixteenth of {@code maxConnections} (256 of the default
   * 4,096), at least 1; at most {@code maxConnections}.
   */
  public int maxConnectionsPerAddress() {
    return Math.min(
        maxConnectionsPerAddress > 0
            ? maxConnectionsPerAddress
            : Math.max(1, maxConnections / DEFAULT_ADDRESS_SHARE),
        maxConnections);
  }

  /** Bytes queued for one connection before it is cut off as a remote that does not read. */
  public long maxSendBacklog() {
    return maxSendBacklog;
  }

  /**
   * Bytes that the remotes of this transport, all together, may make it and the peers on it hold
   * (default 256 MiB): records partly received, frames queued to send, and what the core holds for
   * them (calls waiting for or in a handler with their stream windows, replies held for return
   * order, big messages arriving in chunks, fan-out items held for a paused receiver). Half of it
   * is split into equal reserves, one per connection; a connection may always fill its reserve and
   * may take more only while every other one's reserve stays free. A connection with no room is not
   * read from until room comes (back-pressure); its calls and big messages are refused as
   * overloaded and frames queued to it fail with {@code OverloadedException}; one that holds more
   * than its reserve and lets go of nothing for a heartbeat timeout while it waits is cut; and
   * while the budget is used up, new connections are refused. See {@code docs/LIMITS.md}.
   */
  public long memoryBudget() {
    return memoryBudget;
  }

  /**
   * Threads per transport that run the cryptography of bound endpoints' security handshakes
   * (default min(available processors, 4)).
   */
  public int handshakeThreads() {
    return handshakeThreads;
  }

  /**
   * Threads per transport that call the bound endpoints' {@code ServerAuthenticator} (default 4): a
   * slow authenticator holds up only its own handshake until every one of them waits.
   */
  public int authenticatorThreads() {
    return authenticatorThreads;
  }

  /**
   * How many accepted connections of this transport may be in their security handshake at once
   * (default 256); more are refused as they are accepted. Bounds the memory and queued work that
   * unauthenticated remotes can cause.
   */
  public int maxHandshakes() {
    return maxHandshakes;
  }

  /**
   * How many of the {@link #maxHandshakes()} one remote IP address may hold (default 64, at most
   * {@code maxHandshakes}), so that one source flooding HELLOs leaves room for others.
   */
  public int maxHandshakesPerAddress() {
    return maxHandshakesPerAddress;
  }

  /**
   * When set, bound endpoints are CURVE servers with this identity and admission check; else null.
   */
  public ServerAuthenticator curveServer() {
    return curveServer;
  }

  /** When set, connections this transport opens use CURVE with these keys; else null. */
  public ClientAuthenticator curveClient() {
    return curveClient;
  }

  /**
   * The local gateway ({@code tcp://host:port}) that carries this transport's {@code
   * tunnel://CLUSTER/NAME} addresses, or null (see {@link Builder#gateway}).
   */
  public URI gateway() {
    return gateway;
  }

  @Override
  public String toString() {
    return "TcpOptions(heartbeat "
        + heartbeatInterval.toMillis()
        + "/"
        + heartbeatTimeout.toMillis()
        + " ms, reconnect "
        + reconnectMin.toMillis()
        + ".."
        + reconnectMax.toMillis()
        + " ms, handshake "
        + handshakeTimeout.toMillis()
        + " ms, frame "
        + maxFrameSize
        + " B, channels "
        + maxChannelsPerConnection
        + ", connections "
        + maxConnections
        + " ("
        + maxConnectionsPerAddress()
        + " per address), backlog "
        + maxSendBacklog
        + " B, memory "
        + memoryBudget
        + " B, handshakes "
        + maxHandshakes
        + " ("
        + maxHandshakesPerAddress
        + " per address) on "
        + handshakeThreads
        + "+"
        + authenticatorThreads
        + " threads"
        + (curveServer != null ? ", CURVE server" : "")
        + (curveClient != null ? ", CURVE client" : "")
        + (gateway != null ? ", gateway " + gateway : "")
        + ")";
  }

  /** Builds {@link TcpOptions}; not thread-safe. Setters check their argument at once. */
  public static final class Builder {
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration heartbeatTimeout = Duration.ofSeconds(5);
    private Duration reconnectMin = Duration.ofMillis(100);
    private Duration reconnectMax = Duration.ofSeconds(10);
    private Duration handshakeTimeout = Duration.ofSeconds(5);
    private int maxFrameSize = (16 << 20) + (1 << 20);
    private int maxChannelsPerConnection = 1024;
    private int maxConnections = 4096;
    private int maxConnectionsPerAddress;
    private long maxSendBacklog = 64L << 20;
    private long memoryBudget = 256L << 20;
    private int handshakeThreads = Math.min(Runtime.getRuntime().availableProcessors(), 4);
    private int authenticatorThreads = 4;
    private int maxHandshakes = 256;
    private int maxHandshakesPerAddress = 64;
    private ServerAuthenticator curveServer;
    private ClientAuthenticator curveClient;
    private URI gateway;

    private Builder() {}

    private Builder(TcpOptions o) {
      heartbeatInterval = o.heartbeatInterval;
      heartbeatTimeout = o.heartbeatTimeout;
      reconnectMin = o.reconnectMin;
      reconnectMax = o.reconnectMax;
      handshakeTimeout = o.handshakeTimeout;
      maxFrameSize = o.maxFrameSize;
      maxChannelsPerConnection = o.maxChannelsPerConnection;
      maxConnections = o.maxConnections;
      maxConnectionsPerAddress = o.maxConnectionsPerAddress;
      maxSendBacklog = o.maxSendBacklog;
      memoryBudget = o.memoryBudget;
      handshakeThreads = o.handshakeThreads;
      authenticatorThreads = o.authenticatorThreads;
      maxHandshakes = o.maxHandshakes;
      maxHandshakesPerAddress = o.maxHandshakesPerAddress;
      curveServer = o.curveServer;
      curveClient = o.curveClient;
      gateway = o.gateway;
    }

    /**
     * Heartbeat every {@code interval} of idleness; the connection is lost after {@code timeout} of
     * silence.
     */
    public Builder heartbeat(Duration interval, Duration timeout) {
      positive(interval, "heartbeat interval");
      positive(timeout, "heartbeat timeout");
      if (timeout.compareTo(interval) <= 0) {
        throw new IllegalArgumentException(
            "the heartbeat timeout (" + timeout + ") must exceed the interval (" + interval + ")");
      }
      heartbeatInterval = interval;
      heartbeatTimeout = timeout;
      return this;
    }

    /**
     * Reconnect delays: the first after {@code min}, doubling up to {@code max}, each with jitter.
     */
    public Builder reconnect(Duration min, Duration max) {
      positive(min, "reconnect min");
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException(
            "reconnect max (" + max + ") is below min (" + min + ")");
      }
      reconnectMin = min;
      reconnectMax = max;
      return this;
    }

    public Builder handshakeTimeout(Duration d) {
      handshakeTimeout = positive(d, "handshake timeout");
      return this;
    }

    public Builder maxFrameSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("max frame size must be at least 1024 bytes: " + bytes);
      }
      maxFrameSize = bytes;
      return this;
    }

    public Builder maxChannelsPerConnection(int n) {
      maxChannelsPerConnection = atLeastOne(n, "max channels per connection");
      return this;
    }

    public Builder maxConnections(int n) {
      maxConnections = atLeastOne(n, "max connections");
      return this;
    }

    /**
     * At most {@code n} connections from one source (see {@link
     * TcpOptions#maxConnectionsPerAddress()}; capped at {@code maxConnections}). Tests whose
     * clients all come from loopback set it to {@code maxConnections}.
     */
    public Builder maxConnectionsPerAddress(int n) {
      maxConnectionsPerAddress = atLeastOne(n, "max connections per address");
      return this;
    }

    public Builder maxSendBacklog(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("max send backlog must be positive: " + bytes);
      }
      maxSendBacklog = bytes;
      return this;
    }

    /** See {@link TcpOptions#memoryBudget()}; at least 64 KiB. */
    public Builder memoryBudget(long bytes) {
      if (bytes < 64 << 10) {
        throw new IllegalArgumentException("the memory budget must be at least 64 KiB: " + bytes);
      }
      memoryBudget = bytes;
      return this;
    }

    /**
     * Threads that run the cryptography of security handshakes, per transport (see {@link
     * TcpOptions#handshakeThreads()}).
     */
    public Builder handshakeThreads(int n) {
      handshakeThreads = atLeastOne(n, "handshake threads");
      return this;
    }

    /**
     * Threads that call the server authenticator, per transport (see {@link
     * TcpOptions#authenticatorThreads()}).
     */
    public Builder authenticatorThreads(int n) {
      authenticatorThreads = atLeastOne(n, "authenticator threads");
      return this;
    }

    /**
     * At most {@code total} security handshakes in progress per transport, at most {@code
     * perAddress} of them from one remote address (capped at {@code total}).
     */
    public Builder maxHandshakes(int total, int perAddress) {
      maxHandshakes = atLeastOne(total, "max handshakes");
      maxHandshakesPerAddress = atLeastOne(perAddress, "max handshakes per address");
      return this;
    }

    /**
     * Bound endpoints become CURVE servers: {@code server} gives their keys and decides who gets
     * in.
     */
    public Builder curveServer(ServerAuthenticator server) {
      curveServer = server;
      return this;
    }

    /** Connections use CURVE: {@code client} gives the server's public key and this side's keys. */
    public Builder curveClient(ClientAuthenticator client) {
      curveClient = client;
      return this;
    }

    /**
     * The local gateway for {@code tunnel://} addresses: connecting to {@code
     * tunnel://CLUSTER/NAME} opens a channel through it to the peer registered as NAME at cluster
     * CLUSTER's gateway; binding {@code tunnel://CLUSTER/NAME} dials out to it and registers NAME
     * (CLUSTER must be the gateway's own), so the peer needs no inbound port. Channels ride the one
     * connection to the gateway, with this transport's security.
     */
    public Builder gateway(URI tcpAddress) {
      if (tcpAddress != null
          && (!"tcp".equals(tcpAddress.getScheme())
              || tcpAddress.getHost() == null
              || tcpAddress.getPort() < 0)) {
        throw new IllegalArgumentException(
            "a gateway is reached at tcp://host:port, not " + tcpAddress);
      }
      gateway = tcpAddress;
      return this;
    }

    public TcpOptions build() {
      return new TcpOptions(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }

    private static int atLeastOne(int n, String what) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be at least 1: " + n);
      }
      return n;
    }
  }
}
