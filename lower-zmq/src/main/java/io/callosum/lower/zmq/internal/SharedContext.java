package io.callosum.lower.zmq.internal;

import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZMQ;
import zmq.util.function.BiFunction;

/**
 * One ZeroMQ context for all endpoints of a transport object, created with the first endpoint and
 * terminated when the last one has been gone for the idle timeout (a new endpoint meanwhile reuses
 * it: connecting again costs no threads), so that an idle transport holds no thread; and the
 * context's ZAP handler, which every CURVE server socket of the context needs (jeromq lets every
 * client in when none is bound).
 *
 * <p>Fail closed: one lock guards the users, the ZAP handler and the registered CURVE servers. A
 * CURVE server counts as a user before it registers, registers before its socket binds, and
 * unregisters after its socket is closed; the ZAP handler is stopped only when no CURVE server is
 * registered and no other endpoint uses the context. If the ZAP thread dies abnormally, it closes
 * every registered CURVE server before its REP socket is unbound (see {@link ZapHandler}), and the
 * next CURVE server to register starts a fresh handler. Thread-safe.
 */
public final class SharedContext {
  private static final Logger LOG = LoggerFactory.getLogger(SharedContext.class);

  /** A bound CURVE socket's endpoint, as the ZAP handler sees it. */
  interface CurveServer {
    /** Its ZAP domain and authenticator. */
    ServerAuthenticator authenticator();

    /**
     * The ZAP handler died: close at once and return once closed (called on the ZAP thread, never
     * the endpoint's own).
     */
    void closeWithoutZap(Throwable cause);
  }

  private final UserTokens tokens = new UserTokens();

  /**
   * What the remotes of the transport's endpoints make it hold ({@code ZmqOptions.memoryBudget}).
   */
  private final MemoryBudget memory;

  private final AtomicLong unverifiedDrops = new AtomicLong();
  private final AtomicLong nudges = new AtomicLong();

  /** Test hook, see {@link #onIoThreadEvent}. */
  private volatile IntConsumer ioThreadEventHook;

  /**
   * Held while a ZAP handler is started, so that only one starts, after the previous one has ended.
   */
  private final Object starting = new Object();

  /** The CURVE servers of each domain (guarded by this). */
  private final Map<String, Set<CurveServer>> domains = new HashMap<>();

  private static final AtomicInteger IDS = new AtomicInteger();

  private final int ioThreads;

  /** Makes jeromq's I/O and reaper threads ({@link ResilientPollerThreads}). */
  private final BiFunction<Runnable, String, Thread> pollerThreads;

  private final int maxSockets;
  private final long idleMillis;
  private ZMQ.Context context;

  /**
   * Bumped by every {@link #acquire()}: an idle close scheduled before it (with an older value)
   * does nothing.
   */
  private long idleToken;

  /**
   * The I/O loops that serve every socket of the context but the ZAP handler's; started and ended
   * with it.
   */
  private IoLoop[] loops;

  private int nextLoop;
  private int users;

  /** The handler that answers ZAP requests, or null. */
  private ZapHandler zap;

  /** A handler stopped or failed and maybe still bound: a new one starts once it has ended. */
  private ZapHandler ending;

  /** Test hook, see {@link #afterZapRegistration}. */
  private volatile Consumer<CurveServer> afterRegistration;

  /**
   * With the settings of {@code options} ({@code ioThreads}, {@code maxSockets}, {@code
   * idleTimeout}, {@code memoryBudget}, {@code batchScheduling}).
   */
  public SharedContext(ZmqOptions options) {
    this(
        options.ioThreads(),
        options.maxSockets(),
        options.idleTimeout().toMillis(),
        options.memoryBudget(),
        options.batchScheduling());
  }

  /**
   * With the thread and socket defaults of {@link ZmqOptions}, ending with its last endpoint (for
   * tests of this package).
   */
  public SharedContext() {
    this(ZmqOptions.defaults().ioThreads(), ZmqOptions.defaults().maxSockets());
  }

  /**
   * A context that ends with its last endpoint (for tests of this package).
   *
   * @param ioThreads how many {@link IoLoop}s serve the sockets of the context
   * @param maxSockets the most sockets the context holds (jeromq's {@code ZMQ_MAX_SOCKETS})
   */
  public SharedContext(int ioThreads, int maxSockets) {
    this(ioThreads, maxSockets, 0);
  }

  /**
   * @param ioThreads how many {@link IoLoop}s serve the sockets of the context
   * @param maxSockets the most sockets the context holds (jeromq's {@code ZMQ_MAX_SOCKETS})
   * @param idleMillis how long the context and its loops outlive the last endpoint
   */
  SharedContext(int ioThreads, int maxSockets, long idleMillis) {
    this(ioThreads, maxSockets, idleMillis, ZmqOptions.defaults().memoryBudget(), true);
  }

  /**
   * @param ioThreads how many {@link IoLoop}s serve the sockets of the context
   * @param maxSockets the most sockets the context holds (jeromq's {@code ZMQ_MAX_SOCKETS})
   * @param idleMillis how long the context and its loops outlive the last endpoint
   * @param memoryBudget the limit of {@link #memory()}
   * @param batchScheduling whether jeromq's threads make themselves {@code SCHED_BATCH}
   */
  private SharedContext(
      int ioThreads, int maxSockets, long idleMillis, long memoryBudget, boolean batchScheduling) {
    if (ioThreads < 1 || maxSockets < 1 || idleMillis < 0) {
      throw new IllegalArgumentException(
          "ioThreads and maxSockets must be positive and idleMillis not negative: "
              + ioThreads
              + ", "
              + maxSockets
              + ", "
              + idleMillis);
    }
    this.ioThreads = ioThreads;
    this.maxSockets = maxSockets;
    this.idleMillis = idleMillis;
    this.memory = new MemoryBudget("ZmqOptions.memoryBudget", memoryBudget);
    this.pollerThreads = ResilientPollerThreads.factory(batchScheduling);
  }

  /**
   * What the remotes of this transport's endpoints make it hold: one holder per link, for what the
   * lower queues for it and what the core holds for it.
   */
  public MemoryBudget memory() {
    return memory;
  }

  /**
   * The context, created with its I/O loops if needed; pair every call with {@link #release()}.
   *
   * @throws IOException if the loops cannot start (no selector)
   */
  public synchronized ZMQ.Context acquire() throws IOException {
    if (context == null) {
      IoLoop[] fresh = new IoLoop[ioThreads];
      String prefix = "callosum-zmq-io-" + IDS.incrementAndGet();
      try {
        for (int i = 0; i < fresh.length; i++) {
          fresh[i] = new IoLoop(ioThreads == 1 ? prefix : prefix + "." + i);
        }
      } catch (IOException e) {
        throw new IOException("cannot open a selector for a ZeroMQ I/O loop: " + e.getMessage(), e);
      }
      ZMQ.Context c = ZMQ.context(1);
      c.setMaxSockets(maxSockets);
      // Threads that survive a failing timer (the method's name is jeromq 0.6.0's).
      c.setThreadFactor(pollerThreads);
      for (IoLoop l : fresh) {
        l.start();
      }
      context = c;
      loops = fresh;
    }
    users++;
    idleToken++;
    return context;
  }

  /**
   * The loop for a new socket of the context (in turn); the caller holds a use ({@link
   * #acquire()}).
   */
  synchronized IoLoop loop() {
    IoLoop l = loops[nextLoop];
    nextLoop = (nextLoop + 1) % loops.length;
    return l;
  }

  /** The most sockets the context holds. */
  int maxSockets() {
    return maxSockets;
  }

  /**
   * Drops one use. When only the ZAP handler is left and no CURVE server is registered, the handler
   * is stopped (outside the lock: its thread releases its own use on the way out); the last use
   * terminates the context, at once or after the idle timeout unless a new use came meanwhile.
   */
  public void release() {
    ZapHandler idle = null;
    IoLoop timerLoop = null;
    long token = 0;
    synchronized (this) {
      users--;
      if (users == 1 && zap != null && domains.isEmpty()) {
        idle = zap;
        zap = null;
        this.ending = idle;
      } else if (users == 0) {
        timerLoop = loops[0];
        token = idleToken;
      }
    }
    if (idle != null) {
      idle.stop();
    }
    if (timerLoop != null) {
      long t = token;
      IoLoop l = timerLoop;
      if (idleMillis == 0 || !l.execute(() -> l.schedule(idleMillis, () -> endIfIdle(t)))) {
        endIfIdle(t);
      }
    }
  }

  /**
   * Terminates the context and ends its loops, if no use was taken since the last one was given
   * back with {@code token}.
   */
  private void endIfIdle(long token) {
    ZMQ.Context closing;
    IoLoop[] ending;
    synchronized (this) {
      if (users != 0 || token != idleToken || context == null) {
        return;
      }
      closing = context;
      ending = loops;
      context = null;
      loops = null;
    }
    for (IoLoop l : ending) {
      // Every socket of the context is closed, so the loops are idle and end at once; not waited
      // for, since the releasing thread may be one of them or the ZAP handler's, which a loop may
      // wait for.
      l.stopLater();
    }
    closing.term();
  }

  /**
   * Routes ZAP requests for the domain of {@code server} to its authenticator, starting the
   * context's ZAP handler first if needed; returns once the handler is bound, so the server's
   * socket may bind after. The caller must already hold a use of the context ({@link #acquire()})
   * and must call {@link #unregisterZap} after its socket is closed.
   *
   * @throws IOException if another authenticator serves that domain, or the handler cannot start
   */
  void registerZap(CurveServer server) throws IOException {
    synchronized (starting) {
      boolean registered = false;
      ZapHandler previous = null;
      synchronized (this) {
        if (zap != null) {
          add(server);
          registered = true;
        } else {
          previous = ending;
        }
      }
      if (!registered) {
        startZap(server, previous);
      }
    }
    Consumer<CurveServer> hook = afterRegistration;
    if (hook != null) {
      hook.accept(server);
    }
  }

  /**
   * Starts a ZAP handler once {@code previous} (if any) has unbound, and registers {@code server}
   * with it.
   */
  private void startZap(CurveServer server, ZapHandler previous) throws IOException {
    if (previous != null) {
      previous.awaitStopped();
      if (previous.leftBound()) {
        // Binding the address again would steal it in jeromq, and lose it when that socket closes.
        throw new IOException(
            "the ZAP handler of this context failed and could not close all its CURVE servers; no"
                + " new one starts");
      }
    }
    synchronized (this) {
      check(server);
    }
    ZapHandler handler = new ZapHandler(this);
    handler.startAndWait();
    synchronized (this) {
      if (ending == handler) {
        // It died between binding and now (zapDied saw no server of ours to close).
        throw new IOException("the ZAP handler failed as it started");
      }
      zap = handler;
      ending = null;
      add(server);
    }
  }

  private void check(CurveServer server) throws IOException {
    String domain = server.authenticator().domain();
    for (CurveServer other : domains.getOrDefault(domain, Set.of())) {
      if (other.authenticator() != server.authenticator()) {
        throw new IOException(
            "ZAP domain '"
                + domain
                + "' is already served by another authenticator on this transport");
      }
    }
  }

  private void add(CurveServer server) throws IOException {
    check(server);
    domains
        .computeIfAbsent(server.authenticator().domain(), d -> new LinkedHashSet<>())
        .add(server);
  }

  /** Stops routing requests to {@code server}, whose socket is closed. */
  synchronized void unregisterZap(CurveServer server) {
    String domain = server.authenticator().domain();
    Set<CurveServer> servers = domains.get(domain);
    if (servers != null && servers.remove(server) && servers.isEmpty()) {
      domains.remove(domain);
    }
  }

  /** The authenticator for ZAP requests of {@code domain}, or null if no CURVE server uses it. */
  synchronized ServerAuthenticator authenticator(String domain) {
    Set<CurveServer> servers = domains.get(domain);
    return servers == null || servers.isEmpty() ? null : servers.iterator().next().authenticator();
  }

  /** The tokens that carry user ids from the ZAP handler to the ROUTER sockets of this context. */
  UserTokens tokens() {
    return tokens;
  }

  /** Counts a message that a CURVE server dropped because its connection carried no valid token. */
  void countUnverifiedDrop() {
    unverifiedDrops.incrementAndGet();
  }

  /**
   * How many messages CURVE servers of this context dropped for want of a user id from the ZAP
   * handler.
   */
  public long unverifiedDrops() {
    return unverifiedDrops.get();
  }

  /**
   * The ZAP handler {@code handler} died abnormally (called on its thread, before its REP socket is
   * unbound): no CURVE server may outlive it, so each is closed now. Returns false if one could not
   * be closed; the handler then leaves its REP socket bound, so that handshakes wait unanswered
   * instead of going through unchecked.
   */
  boolean zapDied(ZapHandler handler, Throwable cause) {
    List<CurveServer> servers = new ArrayList<>();
    synchronized (this) {
      if (zap == handler) {
        zap = null;
      }
      ending = handler;
      domains.values().forEach(servers::addAll);
    }
    LOG.error(
        "the ZAP handler failed ({}); closing the {} CURVE server(s) of its context, which cannot"
            + " check client keys without it",
        cause,
        servers.size());
    boolean closed = true;
    for (CurveServer server : servers) {
      try {
        server.closeWithoutZap(cause);
      } catch (Throwable e) {
        LOG.error("closing a CURVE server without its ZAP handler failed", e);
        closed = false;
      }
    }
    return closed;
  }

  /**
   * Test hook: {@code hook} runs each time a CURVE server has registered with the ZAP handler, on
   * the registering thread and outside every lock, just before that server's socket binds. Lets a
   * test close an endpoint at exactly that moment. Null removes it.
   */
  void afterZapRegistration(Consumer<CurveServer> hook) {
    afterRegistration = hook;
  }

  /** Test hook: runs {@code task} on the ZAP handler's thread; false if there is no handler. */
  boolean postToZapHandler(Runnable task) {
    ZapHandler handler;
    synchronized (this) {
      handler = zap;
    }
    return handler != null && handler.post(task);
  }

  /** Counts a nudge of the context's I/O thread ({@link IoThreadNudge}). */
  void countNudge() {
    nudges.incrementAndGet();
  }

  /** How often a late ZMTP greeting made a connector nudge the I/O thread (for tests). */
  long nudges() {
    return nudges.get();
  }

  /**
   * Called on jeromq's I/O thread with each socket event a connecting socket hears, before the
   * socket's loop is told.
   */
  void ioThreadEvent(int event) {
    IntConsumer hook = ioThreadEventHook;
    if (hook != null) {
      hook.accept(event);
    }
  }

  /**
   * Test hook: {@code hook} runs on jeromq's I/O thread with each socket event of the connecting
   * sockets of this context ({@code ZMQ.EVENT_*}), inside jeromq's handling of it. Null removes it.
   */
  void onIoThreadEvent(IntConsumer hook) {
    ioThreadEventHook = hook;
  }

  /** How many endpoints use the context now (for tests). */
  public synchronized int users() {
    return users;
  }
}
