package io.callosum.lower.zmq.internal;

import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import java.time.Duration;
import org.zeromq.ZMQ;

/** Socket options shared by both ends. */
final class Sockets {
  /**
   * Frames larger than this are refused by ZeroMQ itself; the core answers smaller oversize ones.
   */
  static long maxFrame(TransportConfig config) {
    return 2L * config.maxMessageSize() + (64 << 10);
  }

  /** Unanswered keepalive probes after which the kernel ends a connection. */
  private static final int KEEPALIVE_PROBES = 3;

  private Sockets() {}

  /**
   * How long a remote may be quiet before an end PINGs it: half the heartbeat timeout (so a live
   * one is asked, normally more than once, before it counts as gone), or the interval if that is
   * longer. Idle connections then cost one PING and its PONG per half timeout, which matters with
   * thousands of them: every write interest a jeromq I/O thread changes makes it walk all its
   * connections.
   */
  static long pingAfterNanos(ZmqOptions options) {
    return Math.max(
        options.heartbeatInterval().toNanos(), options.heartbeatTimeout().toNanos() / 2);
  }

  private static int seconds(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toSeconds()));
  }

  static void configure(ZMQ.Socket s, ZmqOptions options, TransportConfig config) {
    s.setLinger((int) options.linger().toMillis());
    // No ZMTP heartbeats: jeromq keeps timers per connection for them, and its I/O thread copies
    // and sorts its whole timer table on every round, which grows with the square of the
    // connections (docs/PERFORMANCE.md, ZeroMQ at 10,000 connections). Liveness is the endpoints'
    // own PING/PONG on their loop's timers; the kernel's keepalive ends the idle connection of a
    // host that is gone.
    s.setTCPKeepAlive(1);
    s.setTCPKeepAliveIdle(seconds(options.heartbeatTimeout()));
    s.setTCPKeepAliveInterval(seconds(options.heartbeatInterval()));
    s.setTCPKeepAliveCount(KEEPALIVE_PROBES);
    s.setMaxMsgSize(maxFrame(config));
    s.setSndHWM(options.highWaterMark());
    s.setRcvHWM(options.highWaterMark());
    s.setMsgAllocator(GuardedAllocator.INSTANCE);
  }

  /**
   * Processes the commands waiting in the socket's mailbox (jeromq's {@code ZMQ_EVENTS}), which
   * consumes the signal on its notification channel, and returns its events ({@code POLLIN}, {@code
   * POLLOUT}). A socket that is served without reading must do this, or its channel stays readable
   * and the loop's select returns at once, again and again.
   */
  static int processCommands(ZMQ.Socket s) {
    return s.base().getSocketOpt(zmq.ZMQ.ZMQ_EVENTS);
  }

  /**
   * Whether messages wait to be read. jeromq processes a socket's commands in every send and
   * receive, and with them consumes the signal on its notification channel: a message that arrived
   * while a send ran gives the loop no signal any more, so after sending without reading to the end
   * again, a socket asks this before the loop may sleep on its channel.
   */
  static boolean hasIn(ZMQ.Socket s) {
    return (processCommands(s) & ZMQ.Poller.POLLIN) != 0;
  }
}
