package io.callosum.lower.zmq;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.ServerAuthenticator;
import java.time.Duration;

/**
 * Settings of a {@link ZmqTransport}. Immutable; derive variants with the {@code with...} methods.
 *
 * @param handshakeRetry how long a connector waits for PONG, once connected, before retrying on a
 *     fresh socket (a last resort for a connection that is really stuck or a PING the server
 *     dropped; a connection that jeromq 0.6.0 left deaf is heard after a nudge of its I/O thread,
 *     within milliseconds); the whole handshake is bounded by the peer's connect timeout
 * @param heartbeatInterval how often each end of a call link looks at its remotes: one quiet for
 *     half the timeout (or this interval, if longer) is sent a PING, which every Callosum peer
 *     answers, Python's included (no ZMTP heartbeats on DEALER and ROUTER sockets: see the module
 *     README); fan-out sockets, which cannot PING, use it as their ZMTP heartbeat interval
 * @param heartbeatTimeout silence after which a remote counts as gone (its calls then fail with
 *     "connection lost"): a connector then connects afresh; a bound peer drops the remote, and
 *     tells a connector of this project with BYE; a fan-out socket's ZMTP heartbeat timeout
 * @param linger how long close waits to deliver queued messages (Python Callosum uses 100 ms)
 * @param highWaterMark messages queued per connection in each direction before sends wait (an
 *     encrypted fan-out endpoint's sockets: at least twice its queue capacity)
 * @param reconnectInterval first delay before a DEALER reconnects (ZeroMQ backs off up to 10 s)
 * @param curveServer when set, bound peers are CURVE servers with this identity, and every client
 *     key is checked by it through ZAP; null for plain sockets
 * @param curveClient when set, connecting peers use CURVE with these keys; null for plain sockets
 * @param ioThreads how many I/O loop threads serve all sockets of the transport (every DEALER,
 *     ROUTER, PUB, SUB, PUSH and PULL of its peers and fan-out endpoints; a loop owns many sockets)
 * @param maxSockets the most ZeroMQ sockets the transport holds at once (jeromq's {@code
 *     ZMQ_MAX_SOCKETS}; a connecting or bound peer uses one, a fan-out endpoint one); a peer beyond
 *     it fails to open with an error that says so
 * @param idleTimeout how long the transport's ZeroMQ context and its threads outlive its last
 *     endpoint: an endpoint opened within it reuses them (connecting again costs no new threads);
 *     zero ends them with the last endpoint
 * @param memoryBudget bytes the remotes of this transport, all together, may make it and the peers
 *     on it hold: what the lower queues for them and what the core holds for them (see {@code
 *     docs/LIMITS.md}, the ZeroMQ lower); at least 64 KiB
 * @param batchScheduling whether jeromq's I/O and reaper threads of the transport ask Linux to
 *     schedule them as {@code SCHED_BATCH}, so that a woken I/O thread does not preempt the thread
 *     that woke it (jeromq 0.6.0 spins until that thread has counted its wake-up: milliseconds, if
 *     it is preempted; see the module README, <i>jeromq's I/O threads</i>); no effect elsewhere
 *     than Linux. Only those threads change, never the application's
 */
public record ZmqOptions(
    Duration handshakeRetry,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration linger,
    int highWaterMark,
    Duration reconnectInterval,
    ServerAuthenticator curveServer,
    ClientAuthenticator curveClient,
    int ioThreads,
    int maxSockets,
    Duration idleTimeout,
    long memoryBudget,
    boolean batchScheduling) {

  public ZmqOptions {
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads must be at least 1: " + ioThreads);
    }
    if (maxSockets < 1) {
      throw new IllegalArgumentException("maxSockets must be at least 1: " + maxSockets);
    }
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
    }
    if (memoryBudget < 64 << 10) {
      throw new IllegalArgumentException("memoryBudget must be at least 64 KiB: " + memoryBudget);
    }
  }

  /**
   * 1 s handshake retry, 1 s heartbeats with a 5 s timeout, 100 ms linger, HWM 10,000, 100 ms
   * reconnect, no CURVE, one I/O loop thread, 16,384 sockets, the context kept 1 s after its last
   * endpoint, a memory budget of 256 MiB, jeromq's threads {@code SCHED_BATCH} (on Linux).
   */
  public static ZmqOptions defaults() {
    return new ZmqOptions(
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofMillis(100),
        10_000,
        Duration.ofMillis(100),
        null,
        null,
        1,
        16_384,
        Duration.ofSeconds(1),
        256L << 20,
        true);
  }

  public ZmqOptions withHandshakeRetry(Duration d) {
    Copy c = new Copy(this);
    c.handshakeRetry = d;
    return c.build();
  }

  public ZmqOptions withHeartbeat(Duration interval, Duration timeout) {
    Copy c = new Copy(this);
    c.heartbeatInterval = interval;
    c.heartbeatTimeout = timeout;
    return c.build();
  }

  public ZmqOptions withLinger(Duration d) {
    Copy c = new Copy(this);
    c.linger = d;
    return c.build();
  }

  public ZmqOptions withHighWaterMark(int messages) {
    Copy c = new Copy(this);
    c.highWaterMark = messages;
    return c.build();
  }

  public ZmqOptions withReconnectInterval(Duration d) {
    Copy c = new Copy(this);
    c.reconnectInterval = d;
    return c.build();
  }

  /** Bound peers become CURVE servers: {@code server} gives their keys and decides who gets in. */
  public ZmqOptions withCurveServer(ServerAuthenticator server) {
    Copy c = new Copy(this);
    c.curveServer = server;
    return c.build();
  }

  /**
   * Connecting peers use CURVE: {@code client} gives the server's public key and their own keys.
   */
  public ZmqOptions withCurveClient(ClientAuthenticator client) {
    Copy c = new Copy(this);
    c.curveClient = client;
    return c.build();
  }

  /** How many I/O loop threads serve the transport's sockets. */
  public ZmqOptions withIoThreads(int threads) {
    Copy c = new Copy(this);
    c.ioThreads = threads;
    return c.build();
  }

  /** The most ZeroMQ sockets the transport holds at once. */
  public ZmqOptions withMaxSockets(int sockets) {
    Copy c = new Copy(this);
    c.maxSockets = sockets;
    return c.build();
  }

  /** How long the ZeroMQ context and its threads outlive the last endpoint (zero: not at all). */
  public ZmqOptions withIdleTimeout(Duration d) {
    Copy c = new Copy(this);
    c.idleTimeout = d;
    return c.build();
  }

  /** See {@link #memoryBudget()}. */
  public ZmqOptions withMemoryBudget(long bytes) {
    Copy c = new Copy(this);
    c.memoryBudget = bytes;
    return c.build();
  }

  /** See {@link #batchScheduling()}. */
  public ZmqOptions withBatchScheduling(boolean batch) {
    Copy c = new Copy(this);
    c.batchScheduling = batch;
    return c.build();
  }

  /** The settings of an options object, to change some and build a new one. */
  private static final class Copy {
    Duration handshakeRetry;
    Duration heartbeatInterval;
    Duration heartbeatTimeout;
    Duration linger;
    int highWaterMark;
    Duration reconnectInterval;
    ServerAuthenticator curveServer;
    ClientAuthenticator curveClient;
    int ioThreads;
    int maxSockets;
    Duration idleTimeout;
    long memoryBudget;
    boolean batchScheduling;

    Copy(ZmqOptions o) {
      handshakeRetry = o.handshakeRetry;
      heartbeatInterval = o.heartbeatInterval;
      heartbeatTimeout = o.heartbeatTimeout;
      linger = o.linger;
      highWaterMark = o.highWaterMark;
      reconnectInterval = o.reconnectInterval;
      curveServer = o.curveServer;
      curveClient = o.curveClient;
      ioThreads = o.ioThreads;
      maxSockets = o.maxSockets;
      idleTimeout = o.idleTimeout;
      memoryBudget = o.memoryBudget;
      batchScheduling = o.batchScheduling;
    }

    ZmqOptions build() {
      return new ZmqOptions(
          handshakeRetry,
          heartbeatInterval,
          heartbeatTimeout,
          linger,
          highWaterMark,
          reconnectInterval,
          curveServer,
          curveClient,
          ioThreads,
          maxSockets,
          idleTimeout,
          memoryBudget,
          batchScheduling);
    }
  }
}
