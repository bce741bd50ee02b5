package io.callosum;

import java.util.Optional;

/**
 * What a handler knows about the call it serves. Passed to {@link Handler#handle}; valid for the
 * duration of the call and safe to use from any thread.
 *
 * <p>{@link #caller()} is the remote that made the call: invoking it from inside the handler is a
 * callback, and the callback carries this call's ancestry so that ordering never deadlocks on a
 * callback chain (see {@link Ordering}).
 */
public interface CallContext {
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

  /** Whether the call has been cancelled (caller cancel or timeout, execution timeout, close). */
  boolean isCancelled();

  /** Runs {@code action} when the call is cancelled (at once if it already is). */
  void onCancel(Runnable action);
}
