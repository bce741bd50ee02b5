package io.callosum;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per finished call through SLF4J (logger {@code io.callosum.calls}): side, method,
 * order key, remote, outcome, duration in microseconds and bytes out/in. Successful calls log at
 * DEBUG, failed ones at INFO.
 */
public final class LoggingInterceptor implements CallInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger("io.callosum.calls");

  /** An interceptor that logs to {@code io.callosum.calls}; it holds no state of its own. */
  public LoggingInterceptor() {}

  @Override
  public void finished(CallInfo call, CallOutcome outcome) {
    if (outcome.isSuccess() ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
      String line = line(call, outcome);
      if (outcome.isSuccess()) {
        LOG.debug(line);
      } else {
        LOG.info(line);
      }
    }
  }

  /**
   * The logged line, e.g. {@code CALLER add okey=b"" remote=inproc-1 outcome=OK 120us out=40B
   * in=35B}.
   */
  static String line(CallInfo call, CallOutcome outcome) {
    return String.format(
        "%s %s okey=%s remote=%s outcome=%s %dus out=%dB in=%dB",
        call.side(),
        call.method(),
        call.orderKey(),
        call.remote().id(),
        outcome.isSuccess() ? "OK" : outcome.error(),
        outcome.duration().toNanos() / 1000,
        outcome.bytesOut(),
        outcome.bytesIn());
  }
}
