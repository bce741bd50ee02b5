package io.callosum.internal.balance;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Invocation;
import io.callosum.PeerListener;
import io.callosum.RemotePeer;
import io.callosum.Timer;
import io.callosum.internal.balance.BalancerConfig.Connections;
import io.callosum.lower.Backoff;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint of a balanced peer and its connection: connects (a new {@link ConnectedPeer} per
 * attempt, on the connector), is ejected when the connect fails or the connection is lost and tried
 * again after a {@link Backoff} on the timer, stops taking calls when the remote announces its
 * shutdown, and drains when resolution drops it. Counts its calls in flight. Thread-safe: state
 * changes take the balanced peer's lock ({@link Context#lock}); calls read the state without it.
 * Connections are closed outside the lock (a closing peer waits for its listeners, which take it).
 */
final class Backend {
  private static final Logger LOG = LoggerFactory.getLogger(Backend.class);

  /**
   * What a backend shares with the others of its balanced peer: {@code lock} guards every backend's
   * state and the peer's snapshot of ready ones, so that a state change and the snapshot's update
   * are one step; {@code changed} updates the snapshot, under the lock.
   */
  record Context(
      Object lock,
      Connections connections,
      Timer timer,
      Executor connector,
      Handlers handlers,
      Runnable changed,
      Consumer<Backend> released) {}

  enum State {
    /** An attempt is under way (or about to be). */
    CONNECTING,
    /** Connected: takes calls. */
    READY,
    /** The remote announced its shutdown: no new calls; ejected once it disconnects. */
    SHUTTING_DOWN,
    /** The connect failed or the connection was lost: waiting out its backoff. */
    EJECTED,
    /** Dropped by resolution: no new calls; closed once its calls in flight have ended. */
    DRAINING,
    /** Closed; holds nothing. */
    CLOSED
  }

  final String address;

  /** For rendezvous scores. */
  final long hash;

  private final Context ctx;
  private final Backoff backoff;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();

  // Written under the lock; read without it by calls.
  private volatile State state = State.CONNECTING;
  private volatile ConnectedPeer peer; // the connection while READY, SHUTTING_DOWN or DRAINING

  // Guarded by the lock.
  private ConnectedPeer connecting; // the attempt's peer while it starts, so close can end it
  private int generation; // the attempt; events of earlier attempts are ignored
  private boolean lostWhileConnecting;
  private String why = "connecting";
  private long retryAtNanos;
  private Timer.Scheduled retry;

  Backend(String address, Context ctx, Backoff backoff) {
    this.address = address;
    this.hash = Picker.hash(address);
    this.ctx = ctx;
    this.backoff = backoff;
  }

  /** Starts the first attempt. */
  void connect() {
    submitAttempt();
  }

  /** Completes once the first attempt has connected or failed (or the backend closed). */
  CompletableFuture<Void> firstAttempt() {
    return firstAttempt;
  }

  private void submitAttempt() {
    try {
      ctx.connector().execute(this::attempt);
    } catch (RejectedExecutionException closing) {
      firstAttempt.complete(null); // the balanced peer is closing
    }
  }

  /** One connect, on the connector; blocks for at most the connect timeout. */
  private void attempt() {
    int gen;
    synchronized (ctx.lock()) {
      if (state != State.CONNECTING) {
        return;
      }
      gen = ++generation;
      lostWhileConnecting = false;
    }
    ConnectedPeer p;
    try {
      p = ctx.connections().build(address, new Events(gen));
    } catch (RuntimeException e) {
      failed(gen, "cannot connect: " + e.getMessage());
      return;
    }
    boolean closed;
    synchronized (ctx.lock()) {
      closed = state != State.CONNECTING;
      if (!closed) {
        connecting = p;
      }
    }
    if (closed) {
      p.close();
      return;
    }
    ctx.handlers().attach(p);
    String failure = null;
    try {
      p.start();
    } catch (RuntimeException e) {
      failure = "cannot connect: " + e.getMessage();
    }
    boolean ready;
    synchronized (ctx.lock()) {
      connecting = null;
      ready = failure == null && state == State.CONNECTING && !lostWhileConnecting;
      if (ready) {
        peer = p;
        state = State.READY;
        why = null;
        backoff.reset();
        ctx.changed().run();
      }
    }
    if (!ready) {
      release(p);
      failed(gen, failure != null ? failure : "connection lost as it connected");
      return;
    }
    LOG.debug("{} connected", address);
    firstAttempt.complete(null);
  }

  private void failed(int gen, String reason) {
    synchronized (ctx.lock()) {
      if (state != State.CONNECTING || gen != generation) {
        return;
      }
      eject(reason);
      ctx.changed().run();
    }
    firstAttempt.complete(null);
  }

  /** Out until its backoff has passed. Under the lock. */
  private void eject(String reason) {
    state = State.EJECTED;
    why = reason;
    long delay = backoff.next();
    retryAtNanos = ctx.timer().nanoTime() + delay;
    retry = ctx.timer().schedule(Duration.ofNanos(delay), this::retryDue);
    LOG.info("{} ejected ({}); next attempt in {} ms", address, reason, delay / 1_000_000);
  }

  private void retryDue() {
    synchronized (ctx.lock()) {
      if (state != State.EJECTED) {
        return;
      }
      retry = null;
      state = State.CONNECTING;
      why = "connecting again (last: " + why + ")";
    }
    submitAttempt();
  }

  /** The connection of attempt {@code gen} ended. */
  private void lost(int gen, Throwable cause) {
    ConnectedPeer old;
    boolean drained = false;
    synchronized (ctx.lock()) {
      if (gen != generation) {
        return;
      }
      switch (state) {
        case CONNECTING -> {
          lostWhileConnecting = true;
          return;
        }
        case READY, SHUTTING_DOWN -> {
          old = peer;
          peer = null;
          eject(
              "connection lost: " + (cause == null ? "closed by the remote" : cause.getMessage()));
        }
        case DRAINING -> {
          old = peer;
          peer = null;
          state = State.CLOSED;
          drained = true;
        }
        default -> {
          return;
        }
      }
      ctx.changed().run();
    }
    // Not closed here: this runs on the connection's own callback thread, which close waits for.
    closeLater(old);
    if (drained) {
      ctx.released().accept(this);
    }
  }

  private void remoteShuttingDown(int gen) {
    synchronized (ctx.lock()) {
      if (gen != generation || state != State.READY) {
        return;
      }
      state = State.SHUTTING_DOWN;
      why = "shutting down";
      ctx.changed().run();
    }
    LOG.info("{} is shutting down: no new calls go there", address);
  }

  /** Whether new calls may come here. */
  boolean isReady() {
    return state == State.READY;
  }

  /** Starts a call on this endpoint's connection; throws if it has just gone. */
  Invocation call(String method) {
    ConnectedPeer p = peer; // set before READY, cleared after it
    if (state != State.READY || p == null) {
      throw new ConnectionLostException(address + " is not ready: " + describe());
    }
    return p.call(method);
  }

  /** A call was sent here. */
  void started() {
    inFlight.incrementAndGet();
  }

  /** A call sent here has ended; the last one of a draining endpoint closes it. */
  void finished() {
    if (inFlight.decrementAndGet() == 0) {
      ConnectedPeer old;
      synchronized (ctx.lock()) {
        if (state != State.DRAINING || inFlight.get() != 0) {
          return;
        }
        state = State.CLOSED;
        old = peer;
        peer = null;
      }
      closeLater(old);
      ctx.released().accept(this);
    }
  }

  int inFlight() {
    return inFlight.get();
  }

  /**
   * Resolution dropped this endpoint: no new calls; closed at once if nothing is in flight, else
   * once the last call has ended.
   */
  void remove() {
    ConnectedPeer old;
    ConnectedPeer attempt;
    synchronized (ctx.lock()) {
      cancelRetry();
      if ((state == State.READY || state == State.SHUTTING_DOWN) && inFlight.get() > 0) {
        state = State.DRAINING;
        why = "removed by resolution, draining";
        ctx.changed().run();
        LOG.info("{} no longer resolved: draining {} calls", address, inFlight.get());
        return;
      }
      old = peer;
      attempt = endLocked();
    }
    firstAttempt.complete(null);
    closeLater(old);
    closeLater(attempt);
    ctx.released().accept(this);
  }

  /** Closes at once, on the calling thread: calls in flight fail. */
  void close() {
    ConnectedPeer old = end();
    if (old != null) {
      release(old);
    }
  }

  /**
   * Shuts the connection down gracefully (new calls refused, calls in flight finish); returns it,
   * to await its termination, or null if there was none.
   */
  ConnectedPeer shutdown() {
    ConnectedPeer old = end();
    if (old != null) {
      ctx.handlers().detach(old);
      old.shutdown();
    }
    return old;
  }

  /**
   * Closed from now on: ends an attempt under way and returns the connection, for the caller to
   * close or shut down. Neither is done under the lock: a closing peer waits for its listeners,
   * which take it.
   */
  private ConnectedPeer end() {
    ConnectedPeer old;
    ConnectedPeer attempt;
    synchronized (ctx.lock()) {
      old = peer;
      attempt = endLocked();
    }
    firstAttempt.complete(null);
    if (attempt != null) {
      attempt.close(); // its start fails, and the attempt ends
    }
    return old;
  }

  /** {@link #end()} under the lock; returns the peer of an attempt under way. */
  private ConnectedPeer endLocked() {
    cancelRetry();
    state = State.CLOSED;
    why = "closed";
    peer = null;
    ConnectedPeer attempt = connecting;
    connecting = null;
    return attempt;
  }

  private void cancelRetry() {
    if (retry != null) {
      retry.cancel();
      retry = null;
    }
  }

  private void closeLater(ConnectedPeer old) {
    if (old == null) {
      return;
    }
    ctx.handlers().detach(old);
    try {
      ctx.connector().execute(old::close);
    } catch (RejectedExecutionException closing) {
      old.close(); // the balanced peer is closing, and closes the connections it still knows
    }
  }

  private void release(ConnectedPeer p) {
    ctx.handlers().detach(p);
    p.close();
  }

  State state() {
    return state;
  }

  /** Why this endpoint takes no calls now, for error messages. */
  String describe() {
    synchronized (ctx.lock()) {
      return describeLocked();
    }
  }

  private String describeLocked() {
    return switch (state) {
      case READY -> "ready";
      case EJECTED ->
          why
              + "; next attempt in "
              + TimeUnit.NANOSECONDS.toMillis(Math.max(0, retryAtNanos - ctx.timer().nanoTime()))
              + " ms";
      default -> why;
    };
  }

  @Override
  public String toString() {
    return address + " (" + describe() + ")";
  }

  /** What the connection of one attempt tells. */
  private final class Events implements PeerListener {
    private final int gen;

    Events(int gen) {
      this.gen = gen;
    }

    @Override
    public void disconnected(RemotePeer remote, Throwable cause) {
      lost(gen, cause);
    }

    @Override
    public void shuttingDown(RemotePeer remote) {
      remoteShuttingDown(gen);
    }
  }
}
