package io.callosum.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Work handed over in an order (decided elsewhere, typically under a lock) and done outside that
 * lock, one thread at a time and in that order: whichever thread finds nobody draining does what is
 * queued, its own and what others queued meanwhile; a thread that finds the queue being drained
 * leaves its items to the drainer. So nobody waits for anybody, and the lock is never held while
 * the work runs (a reply's write to a socket, an interceptor).
 *
 * <p>Threads: {@link #add} and {@link #drain} from any thread. {@link #pending} counts what is
 * queued or being done, for a graceful shutdown's "nothing left in flight".
 */
final class SerialQueue<T> {
  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger pending = new AtomicInteger();
  private final Consumer<? super T> work;

  /** {@code work} is done for every item, in the order they were added; it should not throw. */
  SerialQueue(Consumer<? super T> work) {
    this.work = work;
  }

  /** Queues {@code item}; done by the next {@link #drain}, on whichever thread drains. */
  void add(T item) {
    pending.incrementAndGet();
    queue.add(item);
  }

  /**
   * Does what is queued unless another thread is doing it (which then does this thread's items
   * too). Whatever {@code work} throws goes to the thread's uncaught-exception handler; the items
   * behind it are still done.
   */
  void drain() {
    while (!queue.isEmpty()) {
      if (!draining.compareAndSet(false, true)) {
        return; // another thread is draining and will see ours
      }
      try {
        T item;
        while ((item = queue.poll()) != null) {
          try {
            work.accept(item);
          } catch (RuntimeException e) {
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
          } finally {
            pending.decrementAndGet();
          }
        }
      } finally {
        draining.set(false);
      }
    }
  }

  /** Items added and not yet done. */
  int pending() {
    return pending.get();
  }
}
