package io.callosum;

/**
 * Observes every call on both sides, for metrics, tracing or logging, without touching the core.
 * Register with {@link Peer.Options#interceptor}. Methods are called once per call, {@code started}
 * before {@code finished}; they may run on any thread (including an I/O thread), so they must be
 * fast and must not block. An exception thrown by an interceptor is logged and ignored.
 */
public interface CallInterceptor {
  /** The call starts: sent (caller) or accepted for scheduling (callee). */
  default void started(CallInfo call) {}

  /** The call ended: reply received or failed (caller), reply sent (callee). */
  default void finished(CallInfo call, CallOutcome outcome) {}
}
