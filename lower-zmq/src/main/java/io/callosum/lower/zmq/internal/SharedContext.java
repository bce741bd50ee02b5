package io.callosum.lower.zmq.internal;

import org.zeromq.ZMQ;

/**
 * One ZeroMQ context for all endpoints of a transport object, created with the first endpoint and
 * terminated with the last, so that an idle transport holds no thread. Thread-safe.
 */
public final class SharedContext {
  private ZMQ.Context context;
  private int users;

  /** The context, created if needed; pair every call with {@link #release()}. */
  public synchronized ZMQ.Context acquire() {
    if (context == null) {
      context = ZMQ.context(1);
    }
    users++;
    return context;
  }

  /** Drops one use; the last one terminates the context (all its sockets must be closed). */
  public void release() {
    ZMQ.Context ending = null;
    synchronized (this) {
      if (--users == 0) {
        ending = context;
        context = null;
      }
    }
    if (ending != null) {
      ending.term();
    }
  }

  /** How many endpoints use the context now (for tests). */
  public synchronized int users() {
    return users;
  }
}
