package io.callosum.lower.zmq.internal;

import org.zeromq.ZMQ;

/**
 * One ZeroMQ context for all endpoints of a transport object, created with the first endpoint and
 * terminated with the last, so that an idle transport holds no thread. Thread-safe.
 */
public final class SharedContext {
  private ZMQ.Context context;
  private int users;
  private ZapHandler zap;

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

  /**
   * Routes ZAP requests for {@code domain} to {@code authenticator}, starting the context's ZAP
   * handler first if needed; returns once it is bound, so a server socket may bind after.
   */
  public synchronized void registerZap(String domain, io.callosum.auth.ServerAuthenticator authenticator) throws java.io.IOException {
    if (zap == null) {
      ZapHandler handler = new ZapHandler(this);
      handler.startAndWait();
      zap = handler;
    }
    zap.register(domain, authenticator);
  }

  /** Stops routing {@code domain}; the last domain stops the ZAP handler. */
  public void unregisterZap(String domain) {
    ZapHandler stopping = null;
    synchronized (this) {
      if (zap != null && zap.unregister(domain)) {
        stopping = zap;
        zap = null;
      }
    }
    if (stopping != null) {
      stopping.stop();
    }
  }

  /** How many endpoints use the context now (for tests). */
  public synchronized int users() {
    return users;
  }
}
