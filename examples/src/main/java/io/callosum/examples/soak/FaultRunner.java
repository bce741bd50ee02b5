package io.callosum.examples.soak;

import io.callosum.examples.soak.FaultPlan.Fault;
import io.callosum.examples.soak.Violations.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Plays a {@link FaultPlan} against the soak's proxies and restartable servers and gateways, each
 * fault at its time. Network faults apply at once; a restart runs on a thread of its own (it waits
 * out its downtime), and a restart of a target still restarting is skipped. Counts what it applied.
 *
 * <p>{@link #play} runs on one thread; {@link #applied} and {@link #finish} may be called from
 * another once it has returned.
 */
final class FaultRunner {
  private final FaultPlan plan;
  private final Map<String, FaultProxy> proxies;
  private final Map<String, Restartable> restartables;
  private final Violations violations;
  private final Map<FaultPlan.Kind, Long> applied = new EnumMap<>(FaultPlan.Kind.class);
  private final Set<String> restarting = ConcurrentHashMap.newKeySet();
  private final List<Thread> restarts = new ArrayList<>();
  private long skipped;

  FaultRunner(
      FaultPlan plan,
      Map<String, FaultProxy> proxies,
      Map<String, Restartable> restartables,
      Violations violations) {
    this.plan = plan;
    this.proxies = proxies;
    this.restartables = restartables;
    this.violations = violations;
  }

  /**
   * Applies each fault at {@code start} (a {@code nanoTime}) plus its time, while {@code running}.
   */
  void play(long start, BooleanSupplier running) throws InterruptedException {
    for (Fault f : plan.faults()) {
      long due = start + f.at().toNanos();
      for (long left; running.getAsBoolean() && (left = due - System.nanoTime()) > 0; ) {
        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
      if (!running.getAsBoolean()) {
        return;
      }
      apply(f);
    }
  }

  private void apply(Fault f) {
    if (f.kind() == FaultPlan.Kind.RESTART) {
      Restartable r = restartables.get(f.target());
      if (!restarting.add(f.target())) {
        synchronized (this) {
          skipped++;
        }
        return;
      }
      count(f.kind());
      Thread t =
          new Thread(
              () -> {
                try {
                  r.restart(f.length());
                } catch (Exception e) {
                  violations.add(Kind.RECOVERY, f.target() + " did not restart: " + e);
                } finally {
                  restarting.remove(f.target());
                }
              },
              "soak-restart-" + f.target());
      synchronized (this) {
        restarts.add(t);
      }
      t.start();
      return;
    }
    FaultProxy p = proxies.get(f.target());
    switch (f.kind()) {
      case LATENCY -> p.faults().delay(Duration.ofMillis(f.amount()), f.length());
      case BANDWIDTH -> p.faults().cap(f.amount(), f.length());
      case STALL -> p.faults().stall(f.length());
      case RESET -> p.reset();
      case HALF_OPEN ->
          p.halfOpen(
              f.amount() == 0 ? ProxiedConnection.Side.CLIENT : ProxiedConnection.Side.SERVER,
              f.length());
      default -> throw new IllegalStateException("not a network fault: " + f);
    }
    count(f.kind());
  }

  private synchronized void count(FaultPlan.Kind kind) {
    applied.merge(kind, 1L, Long::sum);
  }

  /** Ends every network fault and waits for restarts in progress (they bring their target back). */
  void finish() throws InterruptedException {
    proxies.values().forEach(p -> p.faults().clear());
    List<Thread> all;
    synchronized (this) {
      all = List.copyOf(restarts);
    }
    for (Thread t : all) {
      t.join(60_000);
      if (t.isAlive()) {
        violations.add(Kind.RECOVERY, t.getName() + " still runs after 60 s");
      }
    }
  }

  /** The faults applied, per kind. */
  synchronized Map<FaultPlan.Kind, Long> applied() {
    return new EnumMap<>(applied);
  }

  /** Restarts skipped because their target was still restarting. */
  synchronized long skipped() {
    return skipped;
  }
}
