package io.callosum.lower.zmq.internal;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zmq.util.function.BiFunction;

/**
 * The threads of a jeromq context's I/O and reaper loops, made to outlive a failing timer. jeromq
 * 0.6.0's poller catches what a socket event throws but not what a timer throws, and one uncaught
 * exception ends the thread: every socket it serves goes deaf, and terminating the context then
 * waits for it forever. A heartbeat timer of a connection that jeromq has already torn down does
 * throw ({@code NullPointerException} in {@code StreamEngine.pullAndEncode}, seen under resets and
 * restarts). The timer that threw is already out of the poller's table, so running the loop again
 * goes on where it stopped; the failure is logged. A loop that keeps failing (more than {@value
 * #MAX_FAILURES} times within a second) is let go, as jeromq would.
 *
 * <p>Used as the context's thread factory ({@code ZMQ.Context.setThreadFactor}); each thread runs
 * its loop on itself, as {@code SCHED_BATCH} unless {@code ZmqOptions.batchScheduling} is off.
 */
final class ResilientPollerThreads {
  private static final Logger LOG = LoggerFactory.getLogger(ResilientPollerThreads.class);
  static final int MAX_FAILURES = 50;

  private ResilientPollerThreads() {}

  /**
   * The thread factory of a context: daemon threads that run their loop again after it throws, and
   * make themselves {@code SCHED_BATCH} first if {@code batchScheduling} ({@link BatchScheduling}).
   */
  static BiFunction<Runnable, String, Thread> factory(boolean batchScheduling) {
    return (loop, name) -> {
      Thread t = new Thread(() -> run(loop, name, batchScheduling), name);
      t.setDaemon(true);
      return t;
    };
  }

  private static void run(Runnable loop, String name, boolean batchScheduling) {
    if (batchScheduling) {
      BatchScheduling.applyToCurrentThread();
    }
    ArrayDeque<Long> failures = new ArrayDeque<>();
    while (true) {
      try {
        loop.run();
        return;
      } catch (RuntimeException e) {
        long now = System.nanoTime();
        failures.addLast(now);
        while (now - failures.peekFirst() > TimeUnit.SECONDS.toNanos(1)) {
          failures.removeFirst();
        }
        if (failures.size() > MAX_FAILURES) {
          LOG.error(
              "ZeroMQ {} thread: {} failures within a second, it ends", name, failures.size());
          throw e;
        }
        if (failures.size() == 1) {
          LOG.error("ZeroMQ {} thread: a timer failed; the thread goes on", name, e);
        } else { // within a second of the one before, whose stack trace was logged
          LOG.error(
              "ZeroMQ {} thread: a timer failed again ({}); the thread goes on",
              name,
              e.toString());
        }
      }
    }
  }
}
