package io.callosum.internal;

import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer's {@link CallInterceptor}s, called where a call starts or finishes (an I/O, handler,
 * callback or timer thread). An interceptor that throws is logged and skipped: it never fails the
 * call or the thread that reported the event.
 */
final class Interceptors {
  private static final Logger LOG = LoggerFactory.getLogger(Interceptors.class);
  private final List<CallInterceptor> all;

  Interceptors(List<CallInterceptor> all) {
    this.all = List.copyOf(all);
  }

  boolean isEmpty() {
    return all.isEmpty();
  }

  void started(CallInfo info) {
    if (all.isEmpty()) {
      return; // not even an iterator: this runs twice per call
    }
    for (CallInterceptor i : all) {
      try {
        i.started(info);
      } catch (Throwable e) {
        LOG.warn("interceptor {} failed", i, e);
      }
    }
  }

  void finished(CallInfo info, CallOutcome outcome) {
    if (all.isEmpty()) {
      return;
    }
    for (CallInterceptor i : all) {
      try {
        i.finished(info, outcome);
      } catch (Throwable e) {
        LOG.warn("interceptor {} failed", i, e);
      }
    }
  }
}
