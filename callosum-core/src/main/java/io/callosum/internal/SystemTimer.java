package io.callosum.internal;

import io.callosum.Timer;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The default {@link Timer}: one daemon thread, started on first use, stopped by {@link #close}.
 */
public final class SystemTimer implements Timer, AutoCloseable {
  private final String name;
  private ScheduledThreadPoolExecutor executor;
  private boolean closed;

  public SystemTimer(String name) {
    this.name = name;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  private synchronized ScheduledThreadPoolExecutor executor() {
    if (closed) {
      return null;
    }
    if (executor == null) {
      executor = new ScheduledThreadPoolExecutor(1, Threads.daemonFactory(name));
      executor.setRemoveOnCancelPolicy(true);
      executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }
    return executor;
  }

  @Override
  public Scheduled schedule(Duration delay, Runnable task) {
    ScheduledThreadPoolExecutor e = executor();
    if (e == null) {
      return () -> {};
    }
    ScheduledFuture<?> f = e.schedule(task, nanos(delay), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public void close() {
    ScheduledThreadPoolExecutor e;
    synchronized (this) {
      closed = true;
      e = executor;
      executor = null;
    }
    if (e != null) {
      Threads.shutdownAndWait(e);
    }
  }

  /** The delay in nanoseconds, saturated: a delay of centuries must not overflow into an error. */
  static long nanos(Duration delay) {
    if (delay.isNegative()) {
      return 0;
    }
    return delay.compareTo(Duration.ofDays(100L * 365)) > 0
        ? Duration.ofDays(100L * 365).toNanos()
        : delay.toNanos();
  }
}
