package io.callosum.lower.zmq.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Linux to schedule the calling thread as {@code SCHED_BATCH}: a thread of that policy, when
 * woken, does not preempt the thread running on the CPU it is woken on, but waits for that thread
 * to block or for the next tick. jeromq's I/O and reaper threads run so (see lower-zmq/README.md,
 * <i>jeromq's I/O threads</i>): jeromq 0.6.0 wakes its I/O thread by writing a byte to the thread's
 * mailbox pipe and only then counting it ({@code Signaler.send}), and an I/O thread that finds the
 * byte before the count takes its mailbox for readable again and again, spinning, until the sender
 * counts. Woken on the sender's CPU and preempting it right after its write, the I/O thread spun
 * until the next tick gave the sender its CPU back: 3–4 ms (250 ticks a second here) on about one
 * call in ten at one call in flight. As {@code SCHED_BATCH} it no longer preempts the sender.
 *
 * <p>Any thread may call {@link #applyToCurrentThread}; it changes only the calling thread. Needs
 * no privilege (a thread may always move between {@code SCHED_OTHER} and {@code SCHED_BATCH} at its
 * nice value). Elsewhere than Linux, or where libc cannot be bound, it does nothing.
 */
final class BatchScheduling {
  private static final Logger LOG = LoggerFactory.getLogger(BatchScheduling.class);

  /** {@code SCHED_BATCH} of Linux's {@code <sched.h>}. */
  private static final int SCHED_BATCH = 3;

  private static final boolean BOUND = bind();

  private BatchScheduling() {}

  private static boolean bind() {
    try {
      if (!Platform.isLinux()) {
        return false;
      }
      Native.register(BatchScheduling.class, Platform.C_LIBRARY_NAME);
      return true;
    } catch (LinkageError | RuntimeException e) { // no JNA, its native part, or libc's symbols
      LOG.debug("libc's sched_setscheduler is not bound; jeromq's threads keep their policy", e);
      return false;
    }
  }

  /**
   * Makes the calling thread {@code SCHED_BATCH}; true if it now is. Never throws: a refusal is
   * logged at debug level and the thread keeps its policy.
   */
  static boolean applyToCurrentThread() {
    if (!BOUND) {
      return false;
    }
    int rc = sched_setscheduler(0, SCHED_BATCH, new int[] {0}); // pid 0: the calling thread
    if (rc != 0) {
      LOG.debug(
          "sched_setscheduler(SCHED_BATCH) refused for {} (errno {})",
          Thread.currentThread().getName(),
          Native.getLastError());
      return false;
    }
    return true;
  }

  /** Whether the calling thread is {@code SCHED_BATCH} (false where that cannot be read). */
  static boolean isCurrentThreadBatch() {
    return BOUND && sched_getscheduler(0) == SCHED_BATCH;
  }

  /** libc's {@code sched_setscheduler(pid, policy, &param)}, {@code param} one int (priority). */
  private static native int sched_setscheduler(int pid, int policy, int[] param);

  /** libc's {@code sched_getscheduler(pid)}. */
  private static native int sched_getscheduler(int pid);
}
