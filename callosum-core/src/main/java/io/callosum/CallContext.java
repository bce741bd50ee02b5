package io.callosum;

import io.callosum.internal.CurrentCall;
import java.time.Duration;
import java.util.Optional;

/**
 * What a handler knows about the call it serves. Passed to {@link Handler#handle}; valid for the
 * duration of the call and safe to use from any thread.
 *
 * <p>{@link #caller()} is the remote that made the call: invoking it from inside the handler is a
 * callback, and the callback carries this call's ancestry so that ordering never deadlocks on a
 * callback chain (see {@link Ordering}).
 *
 * <p>A call may carry a deadline ({@link #timeRemaining()}): the caller's timeout, counted from the
 * call's arrival, or this peer's execution timeout, whichever ends first. Past it the handler is
 * cancelled, and calls the handler makes (on its thread, or through {@link #caller()}) time out no
 * later than it.
 */
public interface CallContext {
  /**
   * The call whose handler (or {@link CallInterceptor#intercept}) runs on the current thread, if
   * any. A handler that goes on on other threads (an asynchronous one) passes its context along
   * itself.
   */
  static Optional<CallContext> current() {
    return Optional.ofNullable(CurrentCall.context());
  }

  /** The method being served. */
  String method();

  /** The call's order key as sent by the caller. */
  OrderKey orderKey();

  /**
   * The caller, for calling it back while serving it. Calls made through this handle are recognised
   * by the caller as nested inside this call.
   */
  RemotePeer caller();

  /** The caller's authenticated identity (user id), if its lower authenticated it. */
  Optional<String> identity();

  /**
   * The metadata the caller sent with the call; empty if it sent none (a Python Callosum caller
   * never sends any).
   */
  Metadata metadata();

  /**
   * Sets the metadata of this call's reply (a result or the handler's failure), replacing what was
   * set before; set it before returning (or before the returned stage completes). It reaches
   * callers that announce metadata ({@link Invocation#invokeForReply}, {@link
   * RemoteUserException#metadata()}).
   */
  void setReplyMetadata(Metadata metadata);

  /**
   * The time left before this call's deadline, zero once it has passed; empty when the call has
   * none (the caller set no timeout and this peer no execution timeout).
   */
  Optional<Duration> timeRemaining();

  /** Whether the call has been cancelled (caller cancel or timeout, deadline, close). */
  boolean isCancelled();

  /** Runs {@code action} when the call is cancelled (at once if it already is). */
  void onCancel(Runnable action);
}
