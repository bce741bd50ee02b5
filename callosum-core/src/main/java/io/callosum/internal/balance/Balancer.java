package io.callosum.internal.balance;

import io.callosum.BalancedPeer;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Invocation;
import io.callosum.OrderKey;
import io.callosum.ShuttingDownException;
import io.callosum.Timer;
import io.callosum.internal.Threads;
import io.callosum.lower.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front of a {@link io.callosum.BalancedPeer}: keeps one {@link Backend} per endpoint address
 * as {@link Resolution} gives them (connecting new ones, draining those gone), the snapshot of the
 * ready ones that calls are {@link Picker picked} from, the refresh on the timer, and the peer's
 * lifecycle. Thread-safe: the set of backends, their states and the phase take this object's lock
 * (the backends share it, see {@link Backend.Context}); calls read the ready snapshot without it.
 */
public final class Balancer {
  private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);

  private enum Phase {
    NEW,
    STARTED,
    SHUTTING_DOWN,
    CLOSED
  }

  private final BalancerConfig config;
  private final Resolution resolution;
  private final Picker picker;
  private final Handlers handlers = new Handlers();
  private final ExecutorService connector;
  private final Backend.Context context;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  private volatile Backend[] ready = new Backend[0];
  private final AtomicBoolean resolving = new AtomicBoolean();

  // Guarded by this.
  private Phase phase = Phase.NEW;
  private final Map<String, Backend> backends = new LinkedHashMap<>();
  private final Set<Backend> draining = new LinkedHashSet<>();
  private Timer.Scheduled refresh;

  public Balancer(BalancerConfig config) {
    this.config = config;
    this.resolution = new Resolution(config.addresses(), config.resolver(), config.maxEndpoints());
    this.picker = new Picker(config.leastOutstanding());
    this.connector = Threads.smallPool(config.name() + "-connect", BalancedPeer.CONNECTOR_THREADS);
    this.context =
        new Backend.Context(
            this,
            config.connections(),
            config.timer(),
            connector,
            handlers,
            this::changed,
            this::released);
  }

  public Handlers handlers() {
    return handlers;
  }

  /** Resolves, connects every endpoint and waits (bounded) for their first attempts. */
  public void start() {
    synchronized (this) {
      if (phase != Phase.NEW) {
        throw new IllegalStateException(
            phase == Phase.STARTED ? "already started" : "closed: " + this);
      }
      phase = Phase.STARTED;
    }
    List<Backend> added = apply(resolution.current());
    CompletableFuture<?>[] first =
        added.stream().map(Backend::firstAttempt).toArray(CompletableFuture<?>[]::new);
    try {
      CompletableFuture.allOf(first)
          .get(config.connectTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("{}: not every endpoint has answered yet", this, e);
    }
    if (resolution.changes()) {
      scheduleRefresh();
    }
  }

  /** Makes the backends those of {@code addresses}; returns the new ones, connecting. */
  private List<Backend> apply(List<String> addresses) {
    List<Backend> added = new ArrayList<>();
    List<Backend> removed = new ArrayList<>();
    synchronized (this) {
      if (phase != Phase.STARTED) {
        return added;
      }
      for (String a : addresses) {
        if (!backends.containsKey(a)) {
          Backend b =
              new Backend(
                  a,
                  context,
                  new Backoff(
                      config.backoffMin(),
                      config.backoffMax(),
                      () -> ThreadLocalRandom.current().nextDouble()));
          backends.put(a, b);
          added.add(b);
        }
      }
      for (var it = backends.entrySet().iterator(); it.hasNext(); ) {
        Backend b = it.next().getValue();
        if (!addresses.contains(b.address)) {
          it.remove();
          draining.add(b);
          removed.add(b);
        }
      }
    }
    if (!added.isEmpty() || !removed.isEmpty()) {
      LOG.info(
          "{}: endpoints {}{}",
          config.name(),
          added.isEmpty() ? "" : "added " + added.stream().map(b -> b.address).toList() + " ",
          removed.isEmpty() ? "" : "removed " + removed.stream().map(b -> b.address).toList());
    }
    added.forEach(Backend::connect);
    removed.forEach(Backend::remove);
    changed();
    return added;
  }

  private synchronized void scheduleRefresh() {
    if (phase == Phase.STARTED) {
      refresh = config.timer().schedule(config.refresh(), this::refreshDue);
    }
  }

  /**
   * On the timer: the next refresh is scheduled now, so that a slow resolution does not delay it.
   */
  private void refreshDue() {
    scheduleRefresh();
    if (!resolving.compareAndSet(false, true)) {
      return; // the last one is still resolving: this one is skipped, not queued
    }
    try {
      connector.execute(
          () -> {
            try {
              apply(resolution.current());
            } finally {
              resolving.set(false);
            }
          });
    } catch (RejectedExecutionException closing) {
      resolving.set(false);
    }
  }

  /** A backend's state changed: the ready snapshot is made again. */
  private synchronized void changed() {
    List<Backend> now = new ArrayList<>();
    if (phase == Phase.STARTED) {
      for (Backend b : backends.values()) {
        if (b.isReady()) {
          now.add(b);
        }
      }
    }
    ready = now.toArray(new Backend[0]);
  }

  private synchronized void released(Backend b) {
    draining.remove(b);
  }

  /** Starts a call; {@code invoke} picks its endpoint. */
  public Invocation call(String method) {
    return new BalancedInvocation(this, method, config.codec());
  }

  /** The endpoint of a call with {@code key}; throws if no endpoint is ready. */
  Backend route(OrderKey key) {
    for (int tries = 0; tries < 3; tries++) {
      Backend b = picker.pick(ready, key);
      if (b == null) {
        break;
      }
      if (b.isReady()) {
        return b;
      }
      changed(); // the snapshot lags a state change that is being reported: bring it up to date
    }
    throw noneReady();
  }

  private synchronized CallosumException noneReady() {
    String stopped =
        switch (phase) {
          case NEW -> " is not started";
          case SHUTTING_DOWN -> " is shutting down";
          case CLOSED -> " is closed";
          case STARTED -> null;
        };
    if (stopped != null) {
      return phase == Phase.SHUTTING_DOWN
          ? new ShuttingDownException(config.name() + stopped)
          : new ConnectionLostException(config.name() + stopped);
    }
    StringBuilder m = new StringBuilder("no endpoint of ").append(config.name()).append(" ready");
    if (backends.isEmpty()) {
      m.append(": ").append(config.addresses()).append(" gave no endpoint");
    } else {
      m.append(" (").append(backends.size()).append("): ");
      m.append(backends.values().stream().map(Backend::toString).collect(Collectors.joining(", ")));
    }
    Map<String, String> problems = resolution.problems();
    if (!problems.isEmpty()) {
      m.append("; ").append(problems);
    }
    return new ConnectionLostException(m.toString());
  }

  /** Graceful: every connection shuts down; the peer closes once they all have terminated. */
  public void shutdown() {
    List<Backend> all;
    synchronized (this) {
      if (phase == Phase.STARTED) {
        phase = Phase.SHUTTING_DOWN;
        all = takeAll();
      } else {
        all = null;
      }
    }
    if (all == null) {
      close(); // never started (nothing to drain), or already stopping
      return;
    }
    changed();
    List<ConnectedPeer> closing = new ArrayList<>();
    for (Backend b : all) {
      ConnectedPeer p = b.shutdown();
      if (p != null) {
        closing.add(p);
      }
    }
    try {
      connector.execute(() -> awaitThenClose(closing));
    } catch (RejectedExecutionException closed) {
      // closed meanwhile
    }
  }

  private void awaitThenClose(List<ConnectedPeer> closing) {
    try {
      for (ConnectedPeer p : closing) {
        while (!p.awaitTermination(Duration.ofHours(1))) {
          LOG.debug("{} still shutting down", p);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // close interrupts: it closes them itself
    }
    close();
  }

  /** Waits for {@link #close} (or a shutdown that ended in it) and the connector's threads. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      terminated.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
    return connector.awaitTermination(
        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Closes every connection at once and releases the threads. */
  public void close() {
    List<Backend> all;
    synchronized (this) {
      if (phase == Phase.CLOSED) {
        return;
      }
      phase = Phase.CLOSED;
      all = takeAll();
    }
    changed();
    all.forEach(Backend::close);
    Threads.shutdownAndWait(connector);
    if (config.ownTimer() != null) {
      try {
        config.ownTimer().close();
      } catch (Exception e) {
        LOG.warn("{}: closing the timer failed", config.name(), e);
      }
    }
    terminated.complete(null);
  }

  /** Every backend, taken out of the tables, and the refresh cancelled. Locked. */
  private List<Backend> takeAll() {
    if (refresh != null) {
      refresh.cancel();
      refresh = null;
    }
    List<Backend> all = new ArrayList<>(backends.values());
    all.addAll(draining);
    backends.clear();
    draining.clear();
    return all;
  }

  public synchronized boolean isShutdown() {
    return phase == Phase.SHUTTING_DOWN || phase == Phase.CLOSED;
  }

  public boolean isTerminated() {
    return terminated.isDone() && connector.isTerminated();
  }

  /** For tests: each endpoint's state, by address, draining ones included. */
  public synchronized Map<String, String> states() {
    Map<String, String> out = new LinkedHashMap<>();
    backends.values().forEach(b -> out.put(b.address, b.state().name()));
    draining.forEach(b -> out.put(b.address, b.state().name()));
    return out;
  }

  /**
   * For tests: what this peer holds in its tables (endpoints, connections with handlers, calls in
   * flight); 0 once closed.
   */
  public synchronized int entries() {
    int n = backends.size() + draining.size() + handlers.attached();
    for (Backend b : backends.values()) {
      n += b.inFlight();
    }
    return n;
  }

  @Override
  public String toString() {
    return "BalancedPeer(" + config.name() + " " + config.addresses() + ")";
  }
}
