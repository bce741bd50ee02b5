package io.callosum.lower.tcp.internal;

import io.callosum.lower.MemoryBudget;

/**
 * Whether one connection may be read from, by its holder in the transport's memory budget
 * (TcpOptions.memoryBudget): it may read as much as its {@linkplain MemoryBudget.Holder#allowance()
 * allowance}; with none left it pauses (its socket is not read: back-pressure) until room comes —
 * on whichever thread lets go of bytes, which then has the connection resume on its loop — or a
 * tick finds room (reserves grow as connections leave). A paused connection that holds more than
 * its reserve and has let go of nothing for the timeout is to be cut: it holds what others need and
 * does not give it back (a record it never finishes, replies it never reads).
 *
 * <p>Decisions on times given to it; loop thread only, but for the wake-up, which only asks the
 * connection to resume on the loop.
 */
final class MemoryGate {
  private final MemoryBudget.Holder memory;
  private final long timeoutNanos;
  private final Runnable wake;
  private boolean paused;
  private long pausedAt;
  private long heldAtPause;
  private long resumedAt;

  /**
   * @param memory the connection's holder
   * @param timeoutNanos how long a paused connection may hold more than its reserve without letting
   *     go of any (TcpOptions.heartbeatTimeout)
   * @param wake asks the connection, from any thread, to call {@link #resume} on its loop
   * @param now nanoTime
   */
  MemoryGate(MemoryBudget.Holder memory, long timeoutNanos, Runnable wake, long now) {
    this.memory = memory;
    this.timeoutNanos = timeoutNanos;
    this.wake = wake;
    this.resumedAt = now;
  }

  MemoryBudget.Holder memory() {
    return memory;
  }

  /**
   * How many bytes may be read now; 0 when the connection has paused (then {@code wake} runs when
   * room comes). Loop thread.
   */
  long readable(long now) {
    long allowance = memory.allowance();
    if (allowance > 0) {
      return allowance;
    }
    if (!memory.awaitRoom(wake)) {
      return Math.max(1, memory.allowance()); // room came meanwhile
    }
    if (!paused) {
      paused = true;
      pausedAt = now;
      heldAtPause = memory.held();
    }
    return 0;
  }

  boolean paused() {
    return paused;
  }

  /** Whether the connection may read again (and does from now on). Loop thread. */
  boolean resume(long now) {
    if (!paused || memory.allowance() <= 0) {
      return false;
    }
    memory.stopWaiting();
    paused = false;
    resumedAt = now;
    return true;
  }

  /**
   * Since when the connection counts as reading for its heartbeat: now while paused (nothing is
   * read because this side does not read), else since it last resumed.
   */
  long readingSince(long now) {
    return paused ? now : resumedAt;
  }

  /** The tick's look at a paused connection: why it is to be cut, or null. Loop thread. */
  String check(long now) {
    if (!paused || now - pausedAt < timeoutNanos) {
      return null;
    }
    long held = memory.held();
    if (held < heldAtPause || held <= memory.budget().reserve()) {
      pausedAt = now; // it let go of some, or holds no more than its reserve: it may wait on
      heldAtPause = held;
      return null;
    }
    return "it holds "
        + held
        + " bytes of the memory budget (TcpOptions.memoryBudget, "
        + memory.budget().limit()
        + " bytes; its reserve is "
        + memory.budget().reserve()
        + ") and has let go of none for "
        + (now - pausedAt) / 1_000_000
        + " ms while others wait";
  }

  /** The connection has ended: it waits for nothing and has no reserve any more. */
  void close() {
    memory.close();
  }
}
