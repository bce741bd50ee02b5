package io.callosum.lower.zmq.internal;

import org.zeromq.ZMQ;

/**
 * Watches a connecting socket's new TCP connection until its ZMTP greeting arrives, and meanwhile
 * nudges jeromq's I/O thread ({@link IoThreadNudge}): jeromq 0.6.0 may have left the connection
 * unregistered with its selector, and then nothing else would make it heard. Normally the greeting
 * comes before the first nudge. All methods run on the socket's loop thread.
 */
final class GreetingWatch {
  /** The events a socket reports to its watch (with its own events, if it wants more). */
  static final int EVENTS =
      ZMQ.EVENT_CONNECTED | ZMQ.EVENT_HANDSHAKE_PROTOCOL | ZMQ.EVENT_DISCONNECTED;

  /**
   * How long after the TCP connection the greeting may take before the first nudge; doubled after
   * each nudge, up to {@link #LAST_MILLIS}.
   */
  private static final long FIRST_MILLIS = 5;

  /** The wait before the last nudge for one connection. */
  private static final long LAST_MILLIS = 320;

  private final IoLoop loop;
  private final SharedContext shared;
  private final ZMQ.Context context;
  private IoLoop.Timer timer;
  private long delay;

  GreetingWatch(IoLoop loop, SharedContext shared, ZMQ.Context context) {
    this.loop = loop;
    this.shared = shared;
    this.context = context;
  }

  /**
   * A socket event ({@code ZMQ.EVENT_*}): a new connection starts the watch, its greeting or its
   * end stops it.
   */
  void onEvent(int event) {
    if (event == ZMQ.EVENT_CONNECTED) {
      stop();
      delay = FIRST_MILLIS;
      timer = loop.schedule(delay, this::late);
    } else if (event == ZMQ.EVENT_HANDSHAKE_PROTOCOL || event == ZMQ.EVENT_DISCONNECTED) {
      stop(); // the I/O thread hears this connection, or it is gone
    }
  }

  /** Stops watching (the socket is replaced or closed). */
  void stop() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  private void late() {
    timer = null;
    if (IoThreadNudge.nudge(context)) {
      shared.countNudge();
    }
    delay *= 2;
    if (delay <= LAST_MILLIS) {
      timer = loop.schedule(delay, this::late);
    }
  }
}
