package io.callosum.lower.zmq.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZMQ;

/**
 * The I/O thread of one endpoint. ZeroMQ sockets are not thread-safe, so every socket is created,
 * used and closed on this thread only; other threads hand it work through {@link #post} (a queue
 * plus a one-byte wake-up on a pipe that the poller watches). Subclasses say what to open, what to
 * do when sockets are readable, and what to do every {@link #tickMillis()}.
 */
abstract class Loop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Loop.class);
  private static final AtomicInteger MONITORS = new AtomicInteger();

  protected final ZMQ.Context context;
  private final SharedContext shared;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Pipe wake;
  private final ByteBuffer wakeByte = ByteBuffer.allocate(1);
  private final ByteBuffer drain = ByteBuffer.allocate(256);
  /** Completes when the loop has started (value null) or failed to (exception). */
  protected final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean stopping;
  private ZMQ.Poller poller;

  Loop(SharedContext shared, String threadName) throws IOException {
    this.shared = shared;
    this.wake = Pipe.open();
    wake.source().configureBlocking(false);
    this.context = shared.acquire(); // last: nothing after it can fail and leave it taken
    this.thread = new Thread(this, threadName);
    thread.setDaemon(true);
  }

  void startThread() {
    thread.start();
  }

  /** Creates the sockets (on the loop thread) and registers them with the poller. */
  protected abstract void open(ZMQ.Poller poller) throws Exception;

  /** Called after each poll with the poller's state. */
  protected abstract void pollIn(ZMQ.Poller poller);

  /** Called at least every {@link #tickMillis()} ms. */
  protected abstract void tick(long nowMillis);

  /** Closes the sockets (on the loop thread); the loop is ending. */
  protected abstract void closeSockets();

  /**
   * The loop is ending abnormally after it had opened: {@code cause} escaped it (an {@link Error};
   * exceptions are logged and the loop goes on). Called on the loop thread before {@link
   * #closeSockets()}.
   */
  protected void failed(Throwable cause) {}

  protected long tickMillis() {
    return 100;
  }

  /** A fresh inproc address for a socket monitor. */
  protected static String monitorAddress() {
    return "inproc://callosum-zmq-monitor-" + MONITORS.incrementAndGet();
  }

  /** Runs {@code task} on the loop thread. False if the loop has stopped. */
  boolean post(Runnable task) {
    if (stopped.isDone()) {
      return false;
    }
    tasks.add(task);
    if (stopped.isDone() && tasks.remove(task)) {
      return false; // the loop ended between the check and the add: nobody will run it
    }
    if (wakePending.compareAndSet(false, true)) {
      try {
        synchronized (wakeByte) {
          wakeByte.clear();
          wake.sink().write(wakeByte);
        }
      } catch (IOException e) {
        LOG.debug("wake-up failed", e);
      }
    }
    return true;
  }

  boolean onLoopThread() {
    return Thread.currentThread() == thread;
  }

  /** Waits until the loop has ended and released its sockets and its use of the context. */
  void awaitStopped() {
    stopped.join();
  }

  /** Stops the loop, closing its sockets, and waits for it (not when called from the loop itself). */
  void stop() {
    stopping = true;
    post(() -> {});
    if (!onLoopThread()) {
      stopped.join();
    }
  }

  @Override
  public void run() {
    try {
      poller = context.poller(4);
      poller.register(wake.source(), ZMQ.Poller.POLLIN);
      open(poller);
      if (stopping) {
        throw new IllegalStateException("closed while opening");
      }
      opened.complete(null);
      long nextTick = System.currentTimeMillis() + tickMillis();
      while (!stopping) {
        try {
          nextTick = iterate(nextTick);
        } catch (org.zeromq.ZMQException e) {
          if (e.getErrorCode() == zmq.ZError.ETERM) {
            throw e;
          }
          LOG.error("ZeroMQ I/O loop {}: {}; going on", thread.getName(), e.toString(), e);
        } catch (RuntimeException e) {
          // One bad message or callback must not end the receive loop of every remote.
          LOG.error("ZeroMQ I/O loop {} failed; going on", thread.getName(), e);
        }
      }
    } catch (Throwable t) {
      if (!opened.isDone()) {
        opened.completeExceptionally(t);
      } else {
        LOG.error("ZeroMQ I/O loop {} failed", thread.getName(), t);
        failed(t);
      }
    } finally {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        runSafely(task);
      }
      try {
        closeSockets();
      } catch (RuntimeException e) {
        LOG.warn("closing sockets of {} failed", thread.getName(), e);
      }
      if (poller != null) {
        poller.close();
      }
      try {
        wake.source().close();
        wake.sink().close();
      } catch (IOException e) {
        LOG.debug("closing the wake-up pipe failed", e);
      }
      shared.release();
      opened.completeExceptionally(new IllegalStateException("stopped"));
      stopped.complete(null);
    }
  }

  /** One round: poll, run posted tasks, read sockets, tick. Returns the next tick time. */
  private long iterate(long nextTick) {
    long wait = Math.max(0, nextTick - System.currentTimeMillis());
    poller.poll(wait);
    if (poller.pollin(0)) {
      wakePending.set(false);
      try {
        while (wake.source().read(drain.clear()) > 0) {
          // a wake-up byte per batch of posted tasks
        }
      } catch (IOException e) {
        LOG.debug("wake-up drain failed", e);
      }
    }
    Runnable task;
    while ((task = tasks.poll()) != null) {
      runSafely(task);
    }
    pollIn(poller);
    long now = System.currentTimeMillis();
    if (now >= nextTick) {
      tick(now);
      nextTick = now + tickMillis();
    }
    return nextTick;
  }

  private void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("task on {} failed", thread.getName(), e);
    }
  }
}
