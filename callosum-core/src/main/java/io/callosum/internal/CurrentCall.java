package io.callosum.internal;

import io.callosum.CallContext;

/**
 * The call whose handler runs on the current thread: set by {@link IncomingCalls} around a
 * synchronous handler and its interceptors, read by {@link OutgoingCalls} (calls made there are its
 * callbacks and inherit its deadline) and by {@link CallContext#current()}.
 */
public final class CurrentCall {
  private static final ThreadLocal<ServerCall> CURRENT = new ThreadLocal<>();

  private CurrentCall() {}

  /** The current thread's call, as the public API sees it; null outside a handler. */
  public static CallContext context() {
    return CURRENT.get();
  }

  static ServerCall get() {
    return CURRENT.get();
  }

  /** Makes {@code c} current on this thread (null: none). */
  static void set(ServerCall c) {
    // set(null), not remove(): the entry would be made again for the thread's next call
    CURRENT.set(c);
  }
}
