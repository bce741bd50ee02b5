package io.callosum.testing;

import io.callosum.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Timer} that only moves when a test calls {@link #advance}: timeout tests run without
 * sleeping. Due tasks run on the advancing thread, in due order. Thread-safe.
 */
public final class ManualTimer implements Timer {
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long now;
  private long sequence;

  private final class Task implements Comparable<Task>, Scheduled {
    final long due;
    final long order;
    final Runnable action;
    boolean cancelled;

    Task(long due, long order, Runnable action) {
      this.due = due;
      this.order = order;
      this.action = action;
    }

    @Override
    public int compareTo(Task o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
    }

    @Override
    public void cancel() {
      synchronized (ManualTimer.this) {
        cancelled = true;
        tasks.remove(this);
      }
    }
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Scheduled schedule(Duration delay, Runnable task) {
    long nanos =
        delay.compareTo(Duration.ofDays(100L * 365)) > 0
            ? Duration.ofDays(100L * 365).toNanos()
            : Math.max(0, delay.toNanos());
    Task t = new Task(now + nanos, sequence++, task);
    tasks.add(t);
    return t;
  }

  /** Moves time forward by {@code d}, running every task that falls due. */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = Math.max(now, next.due);
      }
      next.action.run();
    }
  }

  /** How many tasks are scheduled and not cancelled. */
  public synchronized int scheduled() {
    return tasks.size();
  }

  /** The scheduled tasks' delays from now, for assertions. */
  public synchronized List<Duration> pendingDelays() {
    List<Duration> out = new ArrayList<>();
    for (Task t : tasks) {
      out.add(Duration.ofNanos(t.due - now));
    }
    return out;
  }
}
