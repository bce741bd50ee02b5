package io.callosum.internal;

import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.Handler;
import io.callosum.Metadata;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer's {@link CallInterceptor}s. {@link #started} and {@link #finished} are called where a
 * call starts or finishes (an I/O, handler, callback or timer thread), {@link #sending} on the
 * thread making a call: an interceptor that throws there is logged and skipped, it never fails the
 * call or the thread that reported the event. {@link #handle} runs a handler inside them on the
 * handler's thread: there what they throw is the handler's outcome.
 */
final class Interceptors {
  private static final Logger LOG = LoggerFactory.getLogger(Interceptors.class);
  private final CallInterceptor[] all;

  Interceptors(List<CallInterceptor> all) {
    this.all = all.toArray(new CallInterceptor[0]);
  }

  boolean isEmpty() {
    return all.length == 0;
  }

  void started(CallInfo info) {
    for (CallInterceptor i : all) { // an empty array: no iterator, this runs twice per call
      try {
        i.started(info);
      } catch (Throwable e) {
        LOG.warn("interceptor {} failed", i, e);
      }
    }
  }

  void finished(CallInfo info, CallOutcome outcome) {
    for (CallInterceptor i : all) {
      try {
        i.finished(info, outcome);
      } catch (Throwable e) {
        LOG.warn("interceptor {} failed", i, e);
      }
    }
  }

  /**
   * Lets each interceptor add to an outgoing call's {@code metadata}; returns the listeners they
   * asked to hear the call's end, or null for none.
   */
  List<CallInterceptor.Listener> sending(CallInfo info, Metadata.Builder metadata) {
    List<CallInterceptor.Listener> listeners = null;
    for (CallInterceptor i : all) {
      try {
        CallInterceptor.Listener l = i.sending(info, metadata);
        if (l != null) {
          if (listeners == null) {
            listeners = new ArrayList<>(2);
          }
          listeners.add(l);
        }
      } catch (Throwable e) {
        LOG.warn("interceptor {} failed", i, e);
      }
    }
    return listeners;
  }

  /** Tells each listener of {@link #sending} how the call ended. */
  static void finished(List<CallInterceptor.Listener> listeners, CallOutcome outcome) {
    for (CallInterceptor.Listener l : listeners) {
      try {
        l.finished(outcome);
      } catch (Throwable e) {
        LOG.warn("call listener {} failed", l, e);
      }
    }
  }

  /** Runs {@code handler} inside every interceptor's {@link CallInterceptor#intercept}. */
  Object handle(CallContext call, Body body, Handler handler) throws Exception {
    return all.length == 0 ? handler.handle(call, body) : next(0, handler).handle(call, body);
  }

  /** The handler as interceptor {@code i} calls it: the next interceptor, or the handler. */
  private Handler next(int i, Handler handler) {
    if (i == all.length) {
      return handler;
    }
    CallInterceptor interceptor = all[i];
    return (call, body) -> interceptor.intercept(call, body, next(i + 1, handler));
  }
}
