package io.callosum.lower.tcp.internal;

import io.callosum.lower.MemoryBudget;
import io.callosum.lower.ReadBatch;
import io.callosum.lower.tcp.TcpOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O thread of one transport object: one {@link Selector} for every socket of its endpoints.
 * Other threads hand it work through {@link #post} and {@link #flushSoon}; the selector is woken
 * only when no wake-up is already pending, so a burst of sends costs one wake-up. Buffers for
 * reading and writing are direct and shared by all connections of the loop (only this thread uses
 * them). Everything registered here is touched by this thread only, unless a class says otherwise.
 */
final class IoLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(IoLoop.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  static final int BUFFER_SIZE = 64 << 10;

  /** A selectable owner: a connection or a listening socket. */
  interface Ready {
    void ready(SelectionKey key);
  }

  /** Something with deadlines (heartbeats, handshake limits, reconnects), checked every tick. */
  interface Ticking {
    void tick(long nowNanos);
  }

  final Selector selector;
  final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
  final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
  private final Thread thread;
  private final long tickMillis;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Connection> flushes = new ConcurrentLinkedQueue<>();

  /** Connections that asked for an early flush during this round ({@link #flushEarly}). */
  private final List<Connection> early = new ArrayList<>();

  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Set<Ticking> ticking = new LinkedHashSet<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean stopping;
  private final TcpOptions options;

  /** What the remotes of this loop's connections make it hold (the transport's budget). */
  final MemoryBudget memory;

  /** Made on first use by a secured server connection; read by other threads once made. */
  private volatile HandshakeWork handshakes;

  /** Endpoints using this loop; guarded by the transport's hub. */
  int users;

  IoLoop(long tickMillis, TcpOptions options, MemoryBudget memory) throws IOException {
    this.selector = Selector.open();
    this.tickMillis = tickMillis;
    this.options = options;
    this.memory = memory;
    this.thread = new Thread(this, "callosum-tcp-io-" + IDS.incrementAndGet());
    thread.setDaemon(true);
    thread.start();
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /**
   * Runs {@code task} on the loop thread soon. False if the loop has stopped (the task will not
   * run).
   */
  boolean post(Runnable task) {
    if (stopped.isDone()) {
      return false;
    }
    tasks.add(task);
    if (stopped.isDone() && tasks.remove(task)) {
      return false;
    }
    wake();
    return true;
  }

  /**
   * Asks the loop to write what {@code c} has queued. Called by {@code c} at most once per flush.
   */
  void flushSoon(Connection c) {
    flushes.add(c);
    wake();
  }

  /**
   * {@code c} has {@code Outbound.EARLY_FLUSH} frames that this thread queued during the round:
   * written at the next {@link #flushEarly}. Loop thread.
   */
  void earlyFlushWanted(Connection c) {
    early.add(c);
  }

  /**
   * Writes now, in the middle of a read round, what the connections that asked for it hold (the
   * replies of direct executors to what was read so far, frames a relay passed on): the remotes
   * start on them while the rest of the round is read. Called between two frames a connection
   * handed over. Loop thread.
   */
  void flushEarly() {
    if (early.isEmpty()) {
      return;
    }
    for (int i = 0; i < early.size(); i++) {
      early.get(i).flushEarly();
    }
    early.clear();
  }

  private void wake() {
    if (!inLoop() && wakePending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  void addTicking(Ticking t) {
    ticking.add(t);
  }

  void removeTicking(Ticking t) {
    ticking.remove(t);
  }

  /**
   * The admission and the thread pools of server-side security handshakes, created on first use, so
   * plain transports never start their threads. Loop thread only.
   */
  HandshakeWork handshakeWork() {
    if (handshakes == null) {
      handshakes = new HandshakeWork(thread.getName(), options);
    }
    return handshakes;
  }

  /** The handshake work if any was made yet (for tests); any thread. */
  HandshakeWork handshakeWorkIfMade() {
    return handshakes;
  }

  /**
   * Stops the loop and waits for its thread to end (unless called on it): not only for its last
   * task, but until the thread is gone, so that a caller that counts threads after close finds
   * none. Endpoints are closed by then. An interrupt does not cut the wait short; it is kept.
   */
  void stop() {
    stopping = true;
    selector.wakeup();
    if (!inLoop()) {
      stopped.join();
      boolean interrupted = false;
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void run() {
    long nextTick = System.nanoTime();
    try {
      while (!stopping) {
        try {
          nextTick = iterate(nextTick);
        } catch (IOException | RuntimeException e) {
          // One bad remote or callback must not end the loop of every connection.
          LOG.error("TCP I/O loop {} failed; going on", thread.getName(), e);
        }
      }
    } finally {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        runSafely(task);
      }
      for (SelectionKey key : new ArrayList<>(selector.keys())) {
        try {
          key.channel().close(); // none expected: every endpoint closed before the loop stops
        } catch (IOException e) {
          LOG.debug("closing a channel failed", e);
        }
      }
      try {
        selector.close();
      } catch (IOException e) {
        LOG.debug("closing the selector failed", e);
      }
      if (handshakes != null) {
        handshakes.shutdown();
      }
      stopped.complete(null);
    }
  }

  private long iterate(long nextTick) throws IOException {
    long waitMillis = Math.max(1, (nextTick - System.nanoTime()) / 1_000_000);
    if (!tasks.isEmpty() || !flushes.isEmpty()) {
      selector.selectNow();
    } else {
      selector.select(waitMillis);
    }
    wakePending.set(false);
    runTasks();
    Set<SelectionKey> selected = selector.selectedKeys();
    ReadBatch.begin(); // the consumers what was read makes ready are woken once, after the round
    try {
      for (SelectionKey key : selected) {
        if (key.isValid()) {
          try {
            ((Ready) key.attachment()).ready(key);
          } catch (RuntimeException e) {
            LOG.error("TCP I/O loop {}: handling {} failed", thread.getName(), key.attachment(), e);
          }
        }
      }
    } finally {
      ReadBatch.end();
    }
    selected.clear();
    runTasks();
    long now = System.nanoTime();
    if (now - nextTick >= 0) {
      for (Ticking t : new ArrayList<>(ticking)) {
        try {
          t.tick(now);
        } catch (RuntimeException e) {
          LOG.error("TCP I/O loop {}: tick of {} failed", thread.getName(), t, e);
        }
      }
      nextTick = now + tickMillis * 1_000_000;
    }
    early.clear(); // every connection with something queued is in flushes too
    Connection c;
    while ((c = flushes.poll()) != null) {
      try {
        c.flush();
      } catch (RuntimeException e) {
        LOG.error("TCP I/O loop {}: writing to {} failed", thread.getName(), c, e);
      }
    }
    return nextTick;
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      runSafely(task);
    }
  }

  private void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("task on {} failed", thread.getName(), e);
    }
  }

  @Override
  public String toString() {
    return thread.getName();
  }
}
