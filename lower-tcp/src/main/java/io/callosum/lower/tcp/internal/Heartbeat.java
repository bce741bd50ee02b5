package io.callosum.lower.tcp.internal;

import java.time.Duration;

/**
 * The heartbeat of one connection in its data phase (README.md, *Loss, heartbeats*), decided on the
 * times the caller gives it, with no clock or socket of its own: when nothing has been written for
 * the interval, PING; when nothing has been read for the timeout, the connection is lost; when
 * output has waited for the timeout without the socket taking any, the remote does not read and the
 * connection is cut.
 *
 * <p>Immutable; the connection's loop thread asks it on every tick.
 */
final class Heartbeat {
  /** What a tick finds. */
  enum Kind {
    /** Nothing to do. */
    NONE,
    /** Send PING: nothing has been written for the interval. */
    PING,
    /** Nothing has been read for the timeout: the connection is lost. */
    LOST,
    /** Output has waited for the timeout: the remote does not read, and is cut. */
    NOT_READING
  }

  /** What a tick finds, and why (for the log and the error; null for NONE and PING). */
  record Verdict(Kind kind, String why) {}

  private static final Verdict NOTHING = new Verdict(Kind.NONE, null);
  private static final Verdict PING = new Verdict(Kind.PING, null);

  private final String remote;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final long timeoutMillis;

  /**
   * @param remote the remote's name, for reasons
   * @param interval {@code TcpOptions.heartbeatInterval}
   * @param timeout {@code TcpOptions.heartbeatTimeout}
   */
  Heartbeat(String remote, Duration interval, Duration timeout) {
    this.remote = remote;
    this.intervalNanos = interval.toNanos();
    this.timeoutNanos = timeout.toNanos();
    this.timeoutMillis = timeout.toMillis();
  }

  /**
   * @param now nanoTime
   * @param lastRead when the remote last sent anything
   * @param idleNanos how long the socket has taken nothing from this side
   * @param pending whether output waits to be written
   */
  Verdict check(long now, long lastRead, long idleNanos, boolean pending) {
    if (pending && idleNanos > timeoutNanos) {
      return new Verdict(
          Kind.NOT_READING,
          remote
              + " has taken none of our data for "
              + idleNanos / 1_000_000
              + " ms (timeout "
              + timeoutMillis
              + " ms): it does not read");
    }
    if (now - lastRead > timeoutNanos) {
      return new Verdict(
          Kind.LOST,
          "no data or heartbeat from "
              + remote
              + " for "
              + (now - lastRead) / 1_000_000
              + " ms (timeout "
              + timeoutMillis
              + " ms)");
    }
    return idleNanos > intervalNanos && !pending ? PING : NOTHING;
  }
}
