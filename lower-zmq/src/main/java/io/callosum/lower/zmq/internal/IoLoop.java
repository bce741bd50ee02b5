package io.callosum.lower.zmq.internal;

import io.callosum.lower.ReadBatch;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One I/O thread that serves many ZeroMQ sockets. jeromq sockets are single-threaded, so every
 * socket is created, used and closed on the loop that owns it; a loop may own any number.
 *
 * <p>The loop waits in one {@link Selector} on each socket's notification channel (jeromq's {@code
 * ZMQ_FD}, the read end of its command mailbox) and on nothing else: no tick. A socket whose
 * channel becomes readable has its {@link Handler#ready()} called; so has one that {@link #again
 * asked} to run again without waiting (a batch cut short, or a send that may have taken the signal
 * of incoming messages, since jeromq processes its commands during a send). Timers run at their
 * deadline. Other threads hand work over with {@link #execute}: a queue, and a selector wake-up
 * only when the loop is asleep, so a burst of hand-offs costs one wake.
 *
 * <p>The loop thread holds the loop's lock whenever it is not waiting in its select. Another thread
 * that takes it ({@link #tryEnter}, while the loop sleeps) may act as the loop until {@link #exit}:
 * a send from a handler thread then goes into the socket at once, without waking the loop at all.
 * On exit, a socket that asked to be served again (a send may take the signal of incoming messages)
 * is looked at, and the loop is woken only if messages wait there or a timer came due earlier than
 * the loop's wait.
 *
 * <p>A {@link RuntimeException} from a task, a timer or a handler is logged and the loop goes on:
 * one bad message must not silence every socket. An {@link Error} ends the loop: every handler
 * still registered is told ({@link Handler#loopFailed}) and closed, on this thread.
 */
final class IoLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(IoLoop.class);

  /** A socket served by a loop; all its methods run on the loop thread. */
  abstract static class Handler {
    /** Whether this handler is in its loop's run-again queue (loop thread only). */
    private boolean queued;

    /** How many times in a row its channel was readable for nothing (loop thread only). */
    private int dry;

    /**
     * The socket may have messages to read or room to write: serve it without blocking. Returns
     * whether it found anything to do (false: its channel was readable for nothing).
     */
    abstract boolean ready();

    /** The loop is ending with this handler still registered: close the socket now. */
    abstract void closeOnLoopEnd();

    /**
     * Whether messages may wait to be read though the socket's channel gave no signal (a thread
     * that entered the loop sent on it): by default yes, which wakes the loop.
     */
    boolean hasInput() {
      return true;
    }

    /**
     * The loop is ending abnormally ({@code cause} escaped it); called before {@link
     * #closeOnLoopEnd}.
     */
    void loopFailed(Throwable cause) {}
  }

  /** A timer: runs once at its deadline unless cancelled (loop thread only). */
  static final class Timer implements Comparable<Timer> {
    private final long deadline;
    private final Runnable task;
    private boolean cancelled;

    private Timer(long deadline, Runnable task) {
      this.deadline = deadline;
      this.task = task;
    }

    void cancel() {
      cancelled = true;
    }

    @Override
    public int compareTo(Timer o) {
      return Long.compare(deadline - o.deadline, 0);
    }
  }

  /**
   * Dry wake-ups in a row after which the loop yields its core: jeromq 0.6.0 writes a command's
   * signal byte before it counts it, so between the two the socket's channel is readable while
   * jeromq will not read the byte, and a select returns at once, again and again, until the sending
   * thread (often descheduled right after its write) counts it.
   */
  private static final int DRY_YIELD = 2;

  /** Dry wake-ups in a row after which the channel is left out of the select for a moment. */
  private static final int DRY_PAUSE = 16;

  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

  /** Held by the loop thread except while it waits in select, or by a thread that entered. */
  private final ReentrantLock lock = new ReentrantLock();

  /** The timer the sleeping loop wakes for (null: none); read by a thread that entered. */
  private Timer sleepsFor;

  /** How often another thread acted as the loop (entered) while it slept. */
  private final AtomicLong entries = new AtomicLong();

  /** True while the loop is (about to be) blocked in select: a hand-off must wake it. */
  private final AtomicBoolean sleeping = new AtomicBoolean();

  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final ArrayDeque<Handler> again = new ArrayDeque<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean stopping;
  private long wakeups;
  private final AtomicLong dryYields = new AtomicLong();
  private final AtomicLong dryPauses = new AtomicLong();

  /** How often a hand-off from another thread woke the sleeping loop. */
  private final AtomicLong handOffWakeups = new AtomicLong();

  IoLoop(String threadName) throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this, threadName);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /**
   * Tries to act as the loop from another thread: true if the loop sleeps in its select and this
   * thread now holds the loop's lock, so it may use the loop's sockets until {@link #exit}. False
   * on the loop thread (it is the loop) and while the loop is busy (hand work over instead).
   */
  boolean tryEnter() {
    if (inLoop() || stopping || !sleeping.get() || !lock.tryLock()) {
      return false;
    }
    if (lock.getHoldCount() == 1) {
      entries.incrementAndGet();
    }
    return true;
  }

  /**
   * Ends what {@link #tryEnter} began: the sockets that asked to be served again are looked at, and
   * the loop is woken only if one has messages waiting (their signal may have been taken by a send)
   * or a timer scheduled meanwhile is due before the loop's wait ends.
   */
  void exit() {
    try {
      if (lock.getHoldCount() > 1) {
        return; // an outer entry of this thread looks when it ends
      }
      boolean wake = false;
      for (Iterator<Handler> it = again.iterator(); it.hasNext(); ) {
        Handler h = it.next();
        if (h.hasInput()) {
          wake = true;
        } else {
          h.queued = false;
          it.remove();
        }
      }
      Timer next = timers.peek();
      if (next != null
          && next != sleepsFor
          && (sleepsFor == null || next.deadline - sleepsFor.deadline < 0)) {
        wake = true; // scheduled meanwhile, due before the loop would wake
      }
      if (wake && sleeping.compareAndSet(true, false)) {
        handOffWakeups.incrementAndGet();
        selector.wakeup();
      }
    } finally {
      lock.unlock();
    }
  }

  String name() {
    return thread.getName();
  }

  /**
   * Runs {@code task} now if called on the loop thread, otherwise hands it over. False if the loop
   * has ended.
   */
  boolean execute(Runnable task) {
    if (inLoop()) {
      task.run();
      return true;
    }
    return post(task);
  }

  /**
   * Runs {@code task} on the loop thread later, in the order posted. False if the loop has ended.
   */
  boolean post(Runnable task) {
    if (stopped.isDone()) {
      return false;
    }
    tasks.add(task);
    if (stopped.isDone() && tasks.remove(task)) {
      return false; // the loop ended between the check and the add: nobody will run it
    }
    if (sleeping.get() && sleeping.compareAndSet(true, false)) {
      handOffWakeups.incrementAndGet();
      selector.wakeup();
    }
    return true;
  }

  /**
   * Watches {@code channel} for reading; {@code handler} is called when it is readable. Loop
   * thread.
   */
  SelectionKey register(SelectableChannel channel, Handler handler) throws ClosedChannelException {
    return channel.register(selector, SelectionKey.OP_READ, handler);
  }

  /**
   * Serves {@code handler} again in this round, without waiting for its channel. Loop thread (or
   * one that entered).
   */
  void again(Handler handler) {
    if (!handler.queued) {
      handler.queued = true;
      again.add(handler);
    }
  }

  /**
   * Runs {@code task} on the loop thread in {@code delayMillis} ms. Loop thread (or one that
   * entered).
   */
  Timer schedule(long delayMillis, Runnable task) {
    Timer t =
        new Timer(
            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMillis)), task);
    timers.add(t);
    return t;
  }

  /**
   * Ends the loop after its current round (handlers still registered are closed) and waits for it,
   * unless on the loop thread.
   */
  void stop() {
    stopLater();
    if (!inLoop()) {
      stopped.join();
    }
  }

  /**
   * Ends the loop after its current round without waiting for it (handlers still registered are
   * closed).
   */
  void stopLater() {
    stopping = true;
    selector.wakeup();
  }

  /**
   * How often the loop was woken from a blocking select, for any reason (for tests and profiling).
   */
  long wakeups() {
    return wakeups;
  }

  /** Tasks posted and not run yet (for tests). */
  int tasksWaiting() {
    return tasks.size();
  }

  /** How often the loop yielded its core after dry wake-ups (for tests and profiling). */
  long dryYields() {
    return dryYields.get();
  }

  /**
   * How often a channel was left out of the select after dry wake-ups (for tests and profiling).
   */
  long dryPauses() {
    return dryPauses.get();
  }

  /**
   * How often a task handed over by another thread had to wake the loop (for tests and profiling).
   */
  long handOffWakeups() {
    return handOffWakeups.get();
  }

  /** Whether the loop waits in its select (for tests). */
  boolean sleeps() {
    return sleeping.get();
  }

  /**
   * How often another thread acted as the sleeping loop ({@link #tryEnter}; for tests and
   * profiling).
   */
  long entries() {
    return entries.get();
  }

  @Override
  public void run() {
    Throwable failure = null;
    lock.lock(); // released only while waiting in select
    try {
      while (!stopping) {
        round();
      }
    } catch (Throwable t) {
      failure = t;
      LOG.error("ZeroMQ I/O loop {} failed", thread.getName(), t);
    } finally {
      try {
        end(failure);
      } finally {
        lock.unlock();
      }
    }
  }

  @SuppressWarnings("ThreadPriorityCheck") // the yield is deliberate: see below
  private void round() throws IOException {
    runTasks();
    long wait = runTimers();
    int batches = again.size();
    for (int i = 0; i < batches; i++) {
      Handler h = again.poll();
      h.queued = false;
      serve(h); // asked to look again: finding nothing is no sign of a dry channel
    }
    if (batches > 0) {
      wait = runTimers(); // what was served may have scheduled a timer due before the old wait
    }
    if (!again.isEmpty() || !tasks.isEmpty()) {
      selector.selectNow();
    } else {
      sleeping.set(true);
      if (!tasks.isEmpty() || stopping) {
        sleeping.set(false);
        selector.selectNow();
      } else {
        sleepsFor = timers.peek();
        lock.unlock();
        try {
          selector.select(wait);
        } finally {
          lock.lock();
        }
        wakeups++;
        sleeping.set(false);
      }
    }
    boolean yield = false;
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey key = it.next();
      it.remove();
      if (key.isValid()) {
        Handler h = (Handler) key.attachment();
        if (serve(h)) {
          h.dry = 0;
        } else if (++h.dry >= DRY_PAUSE) {
          pause(key, h);
        } else if (h.dry >= DRY_YIELD) {
          yield = true;
        }
      }
    }
    if (yield) {
      dryYields.incrementAndGet();
      Thread.yield(); // the thread that owes the count may be waiting for this core
    }
  }

  /**
   * Leaves a channel that keeps being readable for nothing out of the select for a millisecond,
   * then serves its socket again (a command that came meanwhile is read then); its dry count stays,
   * so a channel still readable for nothing is left out again at its next wake-up.
   */
  private void pause(SelectionKey key, Handler h) {
    dryPauses.incrementAndGet();
    key.interestOps(0);
    schedule(
        1,
        () -> {
          if (key.isValid()) {
            key.interestOps(SelectionKey.OP_READ);
            again(h);
          }
        });
  }

  /** Serves {@code h}; true if it found anything to do (or failed). */
  private boolean serve(Handler h) {
    // The consumers a batch makes ready are woken once, after it, and the calls and completions it
    // gives the default pools are handed over together then (docs/PERFORMANCE.md, ZeroMQ: a
    // batch handed to the pools at its end).
    ReadBatch.beginHandingOverAtEnd();
    try {
      return h.ready();
    } catch (RuntimeException e) {
      LOG.error("ZeroMQ I/O loop {}: a socket's handler failed; going on", thread.getName(), e);
      return true;
    } finally {
      ReadBatch.end();
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      runSafely(task);
    }
  }

  /**
   * Runs the timers that are due; returns how long to wait for the next one (0: none, wait for
   * I/O).
   */
  private long runTimers() {
    long now = System.nanoTime();
    Timer t;
    while ((t = timers.peek()) != null) {
      if (t.cancelled) {
        timers.poll();
        continue;
      }
      long left = t.deadline - now;
      if (left > 0) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
      }
      timers.poll();
      runSafely(t.task);
      now = System.nanoTime();
    }
    return 0;
  }

  private void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("ZeroMQ I/O loop {}: a task failed; going on", thread.getName(), e);
    }
  }

  private void end(Throwable failure) {
    stopping = true;
    List<Handler> left = new ArrayList<>();
    try {
      for (SelectionKey key : selector.keys()) {
        if (key.attachment() instanceof Handler h) {
          left.add(h);
        }
      }
    } catch (RuntimeException e) {
      LOG.debug("listing the sockets of {} failed", thread.getName(), e);
    }
    // Tasks posted before the end still run (closes among them), as one would have in a round.
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (Throwable e) {
        LOG.warn("a task of the ending loop {} failed", thread.getName(), e);
      }
    }
    for (Handler h : left) {
      try {
        if (failure != null) {
          h.loopFailed(failure);
        }
        h.closeOnLoopEnd();
      } catch (Throwable e) {
        LOG.warn("closing a socket of the ending loop {} failed", thread.getName(), e);
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      LOG.debug("closing the selector of {} failed", thread.getName(), e);
    }
    stopped.complete(null);
    // Anything posted after the end is refused by post(); anything that slipped in is run so no
    // caller waits forever.
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (Throwable e) {
        LOG.debug("a late task of {} failed", thread.getName(), e);
      }
    }
  }

  /** Waits until the loop has ended. */
  void awaitStopped() {
    stopped.join();
  }

  boolean isStopped() {
    return stopped.isDone();
  }
}
