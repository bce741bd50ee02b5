package io.callosum.lower.tcp.internal;

import io.callosum.lower.tcp.TcpOptions;
import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side security handshakes of one transport: which accepted connections may run one, and
 * the two small pools that do the work. At most {@link TcpOptions#maxHandshakes()} connections are
 * in their handshake at once, at most {@link TcpOptions#maxHandshakesPerAddress()} of them from one
 * remote address; the rest are refused as they are accepted (the caller says so to the remote; this
 * logs it, rate-limited). The key agreement of each step runs on handshake threads, the user's
 * authenticator on authenticator threads, so a slow authenticator delays no one's cryptography and
 * holds up only its own handshake until every authenticator thread waits.
 *
 * <p>Each connection in its handshake has at most one step queued or running, and both queues are
 * bounded at {@code maxHandshakes}: a task past that is refused (the caller closes its connection),
 * which can happen only while tasks of connections that have ended still wait (a step of a closed
 * connection does nothing when its turn comes). Admission is for the I/O thread only; the pools
 * take work from any thread. Made on first use by the loop, ended with it: {@link #shutdown}
 * interrupts and waits for every thread.
 */
final class HandshakeWork implements HandshakeDriver.Pools {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeWork.class);

  /** After the first few, refusals are summed up in one line per this interval. */
  private static final long REFUSAL_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

  private final int maxHandshakes;
  private final int maxPerAddress;
  private final ThreadPoolExecutor crypto;
  private final ThreadPoolExecutor decisions;

  /**
   * The pools' threads (and a few that have ended), so that {@link #shutdown} can wait for the
   * threads themselves.
   */
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

  /**
   * Handshakes in progress per remote address; an address leaves the map with its last one. Written
   * on the loop thread only.
   */
  private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

  private final RefusalLog refusalLog =
      new RefusalLog(REFUSAL_LOG_INTERVAL, "further handshake refusals");

  /** Written on the loop thread only; volatile so that status and tests may read them. */
  private volatile int inProgress;

  private volatile long refused;

  /** Steps and decisions handed over and not yet started, and the most there ever were. */
  private final AtomicInteger queued = new AtomicInteger();

  private final AtomicInteger peakQueued = new AtomicInteger();

  /** Steps and decisions handed over in all. */
  private final AtomicLong handed = new AtomicLong();

  /**
   * {@code name}: the loop's thread name ({@code callosum-tcp-io-N}), from which the pools' names
   * derive.
   */
  HandshakeWork(String name, TcpOptions options) {
    this.maxHandshakes = options.maxHandshakes();
    this.maxPerAddress = options.maxHandshakesPerAddress();
    this.crypto =
        pool(name.replace("-io-", "-handshake-"), options.handshakeThreads(), maxHandshakes);
    this.decisions =
        pool(name.replace("-io-", "-auth-"), options.authenticatorThreads(), maxHandshakes);
  }

  private ThreadPoolExecutor pool(String name, int size, int queue) {
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor e =
        new ThreadPoolExecutor(
            size,
            size,
            1,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, name + "-" + ids.incrementAndGet());
              t.setDaemon(true);
              threads.removeIf(
                  old -> !old.isAlive()); // idle threads end after a second: keep the set small
              threads.add(t);
              return t;
            });
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  /**
   * Whether a connection accepted from {@code source} may run its handshake: null if so (then
   * {@link #release} once it is done or gone), else the reason it is refused. Loop thread.
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // the loop thread is the only writer
  String admit(InetAddress source, String remote) {
    String refusal = null;
    int fromSource = perAddress.getOrDefault(source, 0);
    if (inProgress >= maxHandshakes) {
      refusal =
          "too many security handshakes in progress (at most "
              + maxHandshakes
              + "; TcpOptions.maxHandshakes)";
    } else if (fromSource >= maxPerAddress) {
      refusal =
          "too many security handshakes in progress from "
              + source.getHostAddress()
              + " (at most "
              + maxPerAddress
              + " per address; TcpOptions.maxHandshakes)";
    }
    if (refusal != null) {
      refused++;
      String line =
          refusalLog.admit(
              "refused a connection from " + remote + ": " + refusal, System.nanoTime());
      if (line != null) {
        LOG.warn("{}", line);
      }
      return refusal;
    }
    inProgress++;
    perAddress.put(source, fromSource + 1);
    return null;
  }

  /** A connection admitted from {@code source} completed or left its handshake. Loop thread. */
  @Override
  @SuppressWarnings("NonAtomicVolatileUpdate") // the loop thread is the only writer
  public void release(InetAddress source) {
    inProgress--;
    perAddress.computeIfPresent(source, (a, n) -> n == 1 ? null : n - 1);
  }

  /**
   * Runs one handshake step's cryptography soon; false if the queue is full (the step will not
   * run). Any thread.
   */
  @Override
  public boolean step(Runnable task) {
    return hand(crypto, task);
  }

  /**
   * Runs one admission decision (the user's authenticator) soon; false if the queue is full. Any
   * thread.
   */
  @Override
  public boolean decide(Runnable task) {
    return hand(decisions, task);
  }

  private boolean hand(ThreadPoolExecutor pool, Runnable task) {
    handed.incrementAndGet();
    peakQueued.accumulateAndGet(queued.incrementAndGet(), Math::max);
    try {
      pool.execute(
          () -> {
            queued.decrementAndGet();
            task.run();
          });
      return true;
    } catch (RejectedExecutionException e) {
      queued.decrementAndGet();
      return false;
    }
  }

  /** Connections in their handshake now. Any thread. */
  int inProgress() {
    return inProgress;
  }

  /** Remote addresses with a handshake in progress now. Any thread. */
  int addresses() {
    return perAddress.size();
  }

  /** Connections refused so far for the limits. Any thread. */
  long refused() {
    return refused;
  }

  /** How many steps and decisions were handed to the pools in all. */
  long handed() {
    return handed.get();
  }

  /** The most steps and decisions that were ever waiting for a thread at once. */
  int peakQueued() {
    return peakQueued.get();
  }

  /**
   * Ends both pools: interrupts their threads (an authenticator may be blocked) and waits, at most
   * 10 s, until they have ended.
   */
  void shutdown() {
    crypto.shutdownNow();
    decisions.shutdownNow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try {
      for (Thread t : threads) {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    threads.removeIf(t -> !t.isAlive());
    if (!threads.isEmpty()) {
      LOG.warn(
          "handshake threads still running 10 s after their transport stopped (an authenticator"
              + " ignores interrupts): {}",
          threads);
    }
    String rest = refusalLog.flush(System.nanoTime());
    if (rest != null) {
      LOG.warn("{}", rest);
    }
  }
}
