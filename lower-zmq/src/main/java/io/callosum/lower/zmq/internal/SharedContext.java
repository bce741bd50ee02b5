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
  private final Object zapLock = new Object();

  /** The context, created if needed; pair every call with {@link #release()}. */
  public synchronized ZMQ.Context acquire() {
    if (context == null) {
      context = ZMQ.context(1);
    }
    users++;
    return context;
  }

  /**
   * Drops one use. When only the ZAP handler is left, it is stopped (outside any lock: its thread
   * releases its own use on the way out); the last use terminates the context.
   */
  public void release() {
    ZMQ.Context ending = null;
    ZapHandler idleZap = null;
    synchronized (this) {
      users--;
      if (users == 1 && zap != null) {
        idleZap = zap;
        zap = null;
      } else if (users == 0) {
        ending = context;
        context = null;
      }
    }
    if (idleZap != null) {
      idleZap.stop();
    }
    if (ending != null) {
      ending.term();
    }
  }

  /**
   * Routes ZAP requests for {@code domain} to {@code authenticator}, starting the context's ZAP
   * handler first if needed; returns once it is bound, so a server socket may bind after. The
   * handler lives as long as other endpoints use the context (a rebind of its inproc address right
   * after closing would race with jeromq's reaper). Started under its own lock, never this
   * object's: a handler that fails to start releases its context use on its own thread.
   */
  public void registerZap(String domain, io.callosum.auth.ServerAuthenticator authenticator) throws java.io.IOException {
    synchronized (zapLock) {
      ZapHandler handler;
      synchronized (this) {
        handler = zap;
      }
      if (handler == null) {
        handler = new ZapHandler(this);
        handler.startAndWait();
        synchronized (this) {
          zap = handler;
        }
      }
      handler.register(domain, authenticator);
    }
  }

  /** Stops routing {@code domain}. */
  public void unregisterZap(String domain) {
    ZapHandler handler;
    synchronized (this) {
      handler = zap;
    }
    if (handler != null) {
      handler.unregister(domain);
    }
  }

  /** How many endpoints use the context now (for tests). */
  public synchronized int users() {
    return users;
  }
}
