package io.callosum;

/**
 * Observes and wraps the calls a peer makes and serves, for metrics, tracing or logging, without
 * touching the core. Register with {@link Peer.Options#interceptor}; every method has a default
 * that does nothing, so an interceptor implements only what it needs.
 *
 * <ul>
 *   <li>{@link #started} and {@link #finished} observe every call on both sides, once each and in
 *       that order. They may run on any thread (an I/O thread included), so they must be fast and
 *       must not block. An exception thrown by them is logged and ignored.
 *   <li>{@link #sending} sees a call this peer makes as it is made, on the thread that makes it (so
 *       thread-bound context, such as the current trace, is the caller's), and may add to its
 *       metadata. An exception thrown by it is logged and ignored.
 *   <li>{@link #intercept} wraps the handler of a call this peer serves, on the handler's thread
 *       with the call current ({@link CallContext#current()}), for every call that was admitted,
 *       calls of unknown methods included. What it throws or returns is the handler's outcome.
 * </ul>
 *
 * <p>With several interceptors, {@code sending} and {@code started} run in the order they were
 * registered, and the first registered {@code intercept} is the outermost.
 */
public interface CallInterceptor {
  /** The call starts: sent (caller) or accepted for scheduling (callee). */
  default void started(CallInfo call) {}

  /** The call ended: reply received or failed (caller), reply sent (callee). */
  default void finished(CallInfo call, CallOutcome outcome) {}

  /**
   * Caller side: {@code call} is about to be sent, on the thread that makes it and before {@link
   * #started}. {@code metadata} holds the call's metadata; what is put there travels with the call
   * (to remotes that announce metadata). Returns null, or a listener told once how this call ended
   * (on any thread), for state kept from here to the end (e.g. a span).
   */
  default Listener sending(CallInfo call, Metadata.Builder metadata) {
    return null;
  }

  /**
   * Callee side: serves the call by calling {@code next} (the next interceptor, then the handler)
   * with the context and body it was given, or answers it without. Runs on the handler's thread
   * with {@link CallContext#current()} set to {@code call}, so calls made here are callbacks of it
   * and inherit its deadline. A call of a method that has no handler comes here too: its {@code
   * next} throws, and the caller gets "no such method" (unless this returns something else).
   * Returns the handler's result (a value or a {@link java.util.concurrent.CompletionStage}).
   */
  default Object intercept(CallContext call, Body body, Handler next) throws Exception {
    return next.handle(call, body);
  }

  /** Hears the end of one call, from {@link #sending}. */
  @FunctionalInterface
  interface Listener {
    /** The call ended: called once, on any thread; must be fast and must not block. */
    void finished(CallOutcome outcome);
  }
}
