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
 * @param heartbeatInterval ZMTP heartbeat interval, and how often a bound peer probes its remotes
 * @param heartbeatTimeout silence after which ZMTP drops a connection (its calls then fail with
 *     "connection lost")
 * @param linger how long close waits to deliver queued messages (Python Callosum uses 100 ms)
 * @param highWaterMark messages queued per connection in each direction before sends wait
 * @param reconnectInterval first delay before a DEALER reconnects (ZeroMQ backs off up to 10 s)
 * @param curveServer when set, bound peers are CURVE servers with this identity, and every client
 *     key is checked by it through ZAP; null for plain sockets
 * @param curveClient when set, connecting peers use CURVE with these keys; null for plain sockets
 * @param ioThreads how many I/O loop threads serve all sockets of the transport (every DEALER,
 *     ROUTER, PUB, SUB, PUSH and PULL of its peers and fan-out endpoints; a loop owns many sockets)
 * @param maxSockets the most ZeroMQ sockets the transport holds at once (jeromq's {@code
 *     ZMQ_MAX_SOCKETS}; a connecting or bound peer uses one, a fan-out endpoint one); a peer beyond
 *     it fails to open with an error that says so
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
    int maxSockets) {

  public ZmqOptions {
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads must be at least 1: " + ioThreads);
    }
    if (maxSockets < 1) {
      throw new IllegalArgumentException("maxSockets must be at least 1: " + maxSockets);
    }
  }

  /**
   * 1 s handshake retry, 1 s heartbeats with a 5 s timeout, 100 ms linger, HWM 10,000, 100 ms
   * reconnect, no CURVE, one I/O loop thread, 16,384 sockets.
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
        16_384);
  }

  public ZmqOptions withHandshakeRetry(Duration d) {
    return new ZmqOptions(
        d,
        heartbeatInterval,
        heartbeatTimeout,
        linger,
        highWaterMark,
        reconnectInterval,
        curveServer,
        curveClient,
        ioThreads,
        maxSockets);
  }

  public ZmqOptions withHeartbeat(Duration interval, Duration timeout) {
    return new ZmqOptions(
        handshakeRetry,
        interval,
        timeout,
        linger,
        highWaterMark,
        reconnectInterval,
        curveServer,
        curveClient,
        ioThreads,
        maxSockets);
  }

  public ZmqOptions withLinger(Duration d) {
    return new ZmqOptions(
        handshakeRetry,
        heartbeatInterval,
        heartbeatTimeout,
        d,
        highWaterMark,
        reconnectInterval,
        curveServer,
        curveClient,
        ioThreads,
        maxSockets);
  }

  public ZmqOptions withHighWaterMark(int messages) {
    return new ZmqOptions(
        handshakeRetry,
        heartbeatInterval,
        heartbeatTimeout,
        linger,
        messages,
        reconnectInterval,
        curveServer,
        curveClient,
        ioThreads,
        maxSockets);
  }

  public ZmqOptions withReconnectInterval(Duration d) {
    return new ZmqOptions(
        handshakeRetry,
        heartbeatInterval,
        heartbeatTimeout,
        linger,
        highWaterMark,
        d,
        curveServer,
        curveClient,
        ioThreads,
        maxSockets);
  }

  /** Bound peers become CURVE servers: {@code server} gives their keys and decides who gets in. */
  public ZmqOptions withCurveServer(ServerAuthenticator server) {
    return new ZmqOptions(
        handshakeRetry,
        heartbeatInterval,
        heartbeatTimeout,
        linger,
        highWaterMark,
        reconnectInterval,
        server,
        curveClient,
        ioThreads,
        maxSockets);
  }

  /**
   * Connecting peers use CURVE: {@code client} gives the server's public key and their own keys.
   */
  public ZmqOptions withCurveClient(ClientAuthenticator client) {
    return new ZmqOptions(
        handshakeRetry,
        heartbeatInterval,
        heartbeatTimeout,
        linger,
        highWaterMark,
        reconnectInterval,
        curveServer,
        client,
        ioThreads,
        maxSockets);
  }

  /** How many I/O loop threads serve the transport's sockets. */
  public ZmqOptions withIoThreads(int threads) {
    return new ZmqOptions(
        handshakeRetry,
        heartbeatInterval,
        heartbeatTimeout,
        linger,
        highWaterMark,
        reconnectInterval,
        curveServer,
        curveClient,
        threads,
        maxSockets);
  }

  /** The most ZeroMQ sockets the transport holds at once. */
  public ZmqOptions withMaxSockets(int sockets) {
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
        sockets);
  }
}
