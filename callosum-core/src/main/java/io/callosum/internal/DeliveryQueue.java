package io.callosum.internal;

import io.callosum.fanout.Delivery;
import io.callosum.lower.ReadBatch;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue between a fan-out receiver's lower and its consumers, which wakes a waiting
 * consumer once per read round of the lower ({@link io.callosum.lower.ReadBatch}) rather than once
 * per item, as an {@code ArrayBlockingQueue} does on every {@code offer}. Items are queued at once
 * and in order; only the wake-up waits for the round's end.
 *
 * <p>Thread-safe: {@link #offer} on the lower's threads (or a consumer's, through a resume), {@link
 * #take} and {@link #poll} on any number of consumer threads.
 */
final class DeliveryQueue {
  private final int capacity;
  private final ArrayDeque<Delivery> items;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();

  /** A wake-up is deferred to the end of a read round and has not run yet. */
  private final AtomicBoolean wakeDeferred = new AtomicBoolean();

  private final Runnable wake = this::wake;

  /** Threads waiting in take() or poll(). Guarded by lock. */
  private int waiting;

  /** How often waiting consumers were woken for queued items (for tests). Guarded by lock. */
  private long wakeups;

  DeliveryQueue(int capacity) {
    this.capacity = capacity;
    this.items = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /**
   * Queues {@code d} unless {@link #capacity} items wait; a waiting consumer is woken at the end of
   * the calling thread's read round (at once outside one). Returns how many items wait now (so the
   * caller needs no second look), or -1 if the queue was full.
   */
  int offer(Delivery d) {
    int size;
    lock.lock();
    try {
      if (items.size() >= capacity) {
        return -1;
      }
      items.add(d);
      size = items.size();
      if (waiting == 0) {
        return size; // a consumer that comes takes it without waiting
      }
    } finally {
      lock.unlock();
    }
    if (!wakeDeferred.get() && wakeDeferred.compareAndSet(false, true)) {
      ReadBatch.runAtEnd(wake);
    }
    return size;
  }

  int capacity() {
    return capacity;
  }

  /** Queues {@code d} past the capacity and wakes every waiting consumer now (close's sentinel). */
  void put(Delivery d) {
    lock.lock();
    try {
      items.add(d);
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void wake() {
    wakeDeferred.set(false); // before the signal: an item queued after it defers a wake-up again
    lock.lock();
    try {
      if (waiting > 0 && !items.isEmpty()) {
        wakeups++;
        notEmpty.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The next item, waiting as long as it takes. */
  Delivery take() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (items.isEmpty()) {
        waiting++;
        try {
          notEmpty.await();
        } finally {
          waiting--;
        }
      }
      return items.poll();
    } finally {
      lock.unlock();
    }
  }

  /** The next item, waiting up to {@code nanos}; null if none came. */
  Delivery poll(long nanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (items.isEmpty()) {
        if (nanos <= 0) {
          return null;
        }
        waiting++;
        try {
          nanos = notEmpty.awaitNanos(nanos);
        } finally {
          waiting--;
        }
      }
      return items.poll();
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return items.size();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@link #capacity} items wait. */
  boolean isFull() {
    return size() >= capacity;
  }

  /** Threads waiting for an item now (for tests). */
  int waiting() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }

  /** How often waiting consumers were woken for queued items (for tests). */
  long wakeups() {
    lock.lock();
    try {
      return wakeups;
    } finally {
      lock.unlock();
    }
  }

  void clear() {
    lock.lock();
    try {
      items.clear();
    } finally {
      lock.unlock();
    }
  }
}
