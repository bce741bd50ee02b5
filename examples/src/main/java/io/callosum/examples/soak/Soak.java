package io.callosum.examples.soak;

import io.callosum.examples.soak.Violations.Kind;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A soak with faults: runs the mixed workload of {@link Lane}s and {@link FanoutSite}s over the
 * {@link World} of the chosen lowers while a {@link FaultRunner} plays the seed's {@link
 * FaultPlan}, then checks that every call completed exactly once ({@link Ledger}), that ordering
 * held, that every site answers again once the faults stop, that the heap of the open world does
 * not grow with the calls it served, and that heap, file descriptors and threads return to their
 * baseline once it has closed.
 *
 * <p>The baseline is measured after a short warm-up run of the same world without faults (which
 * loads classes and starts what the JVM starts lazily). {@link #run} blocks for the duration plus
 * the time to drain and settle (up to a couple of minutes); progress lines go to {@code progress}.
 */
public final class Soak {
  /**
   * What to run.
   *
   * @param duration how long the workload and the faults run
   * @param lowers the lowers to run over (TCP brings the gateway pair along)
   * @param seed the seed of the fault plan and of the workload's choices
   */
  public record Settings(Duration duration, Set<Lower> lowers, long seed) {}

  private static final int LANES_PER_SITE = 2;
  private static final Duration WARM_UP = Duration.ofSeconds(3);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);
  private static final Duration RECOVER_WITHIN = Duration.ofSeconds(30);
  private static final Duration DRAIN_WITHIN = Lane.LONG_TIMEOUT.plus(Lane.GRACE);
  private static final Duration SETTLE_WITHIN = Duration.ofSeconds(30);

  /** Heap above the baseline that the end may keep: the soak's own books, and noise. */
  static final long HEAP_SLACK = 16L << 20;

  private Soak() {}

  /** Runs the soak and returns its report. */
  public static SoakReport run(Settings settings, PrintWriter progress) throws Exception {
    progress.printf("soak: warming up (%d s without faults)%n", WARM_UP.toSeconds());
    progress.flush();
    Phase warmUp = new Phase(new Settings(WARM_UP, settings.lowers(), settings.seed()), null);
    warmUp.run(progress);
    ResourceUse baseline = quiet();
    Violations violations = new Violations();
    Phase soak = new Phase(settings, violations);
    FaultPlan plan = soak.run(progress);
    ResourceUse end = settle(baseline, progress);
    checkResources(baseline, end, violations);
    if (soak.idleHeapAfter > soak.idleHeapBefore + HEAP_SLACK) {
      // What long-lived peers keep per call would be freed by closing them: look before that.
      violations.add(
          Kind.RESOURCES,
          String.format(
              Locale.ROOT,
              "heap of the open, idle world: %.1f MiB before the run, %.1f MiB after it",
              soak.idleHeapBefore / 1048576.0,
              soak.idleHeapAfter / 1048576.0));
    }
    return new SoakReport(
        settings,
        plan,
        soak.ledger.calls(),
        soak.ledger.outcomes(),
        soak.applied,
        soak.skipped,
        soak.fanoutSummaries,
        violations,
        baseline,
        end,
        soak.idleHeapBefore,
        soak.idleHeapAfter);
  }

  /** The baseline once the warm-up's threads have gone (their count no longer falls). */
  private static ResourceUse quiet() throws InterruptedException {
    ResourceUse before = ResourceUse.now();
    for (int i = 0; i < 20; i++) {
      TimeUnit.MILLISECONDS.sleep(500);
      ResourceUse now = ResourceUse.now();
      if (now.threadCount() >= before.threadCount() && now.fds() >= before.fds()) {
        return now;
      }
      before = now;
    }
    return before;
  }

  private static ResourceUse settle(ResourceUse baseline, PrintWriter progress)
      throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_WITHIN.toNanos();
    ResourceUse end = ResourceUse.now();
    while (!end.settledAt(baseline) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(500);
      end = ResourceUse.now();
    }
    progress.println("soak: closed; " + end);
    progress.flush();
    return end;
  }

  private static void checkResources(ResourceUse baseline, ResourceUse end, Violations v) {
    if (end.threadCount() > baseline.threadCount()) {
      Set<String> added = new TreeSet<>(end.threads());
      added.removeAll(baseline.threads());
      v.add(
          Kind.RESOURCES,
          "threads: "
              + baseline.threadCount()
              + " at the start, "
              + end.threadCount()
              + " at the end; names not seen at the start: "
              + added);
    }
    if (end.fds() > baseline.fds()) {
      v.add(
          Kind.RESOURCES,
          "file descriptors: " + baseline.fds() + " at the start, " + end.fds() + " at the end");
    }
    if (end.heapBytes() > baseline.heapBytes() + HEAP_SLACK) {
      v.add(
          Kind.RESOURCES,
          String.format(
              Locale.ROOT,
              "heap: %.1f MiB at the start, %.1f MiB at the end (more than %d MiB above)",
              baseline.heapBytes() / 1048576.0,
              end.heapBytes() / 1048576.0,
              HEAP_SLACK >> 20));
    }
  }

  /** One run of the world: the warm-up (no faults, violations ignored) or the soak itself. */
  private static final class Phase {
    private final Settings settings;
    private final boolean faults;
    private final Violations violations;
    private final Ledger ledger;
    private Map<FaultPlan.Kind, Long> applied = Map.of();
    private long skipped;
    private List<String> fanoutSummaries = List.of();

    /** Heap in use (after a collection) with the world open and idle, before and after the run. */
    private long idleHeapBefore;

    private long idleHeapAfter;

    Phase(Settings settings, Violations violations) {
      this.settings = settings;
      this.faults = violations != null;
      this.violations = violations != null ? violations : new Violations();
      this.ledger = new Ledger(this.violations, Lane.GRACE);
    }

    /** Runs, drains and closes the world; returns the fault plan it played. */
    FaultPlan run(PrintWriter progress) throws Exception {
      AtomicBoolean working = new AtomicBoolean(true);
      AtomicBoolean faulting = new AtomicBoolean(faults);
      List<Thread> threads = new ArrayList<>();
      FaultPlan plan;
      try (World world = World.open(settings.lowers(), ledger, violations)) {
        plan =
            FaultPlan.make(
                settings.seed(),
                settings.duration(),
                List.copyOf(world.proxies().keySet()),
                List.copyOf(world.restartables().keySet()));
        if (faults) {
          progress.printf(
              "soak: %d sites, %d proxies, %d restartable; fault plan of %d faults (%s)%n",
              world.sites().size(),
              world.proxies().size(),
              world.restartables().size(),
              plan.faults().size(),
              plan.fingerprint());
          progress.flush();
        }
        if (faults) {
          idleHeapBefore = ResourceUse.now().heapBytes();
        }
        long start = System.nanoTime();
        int n = 0;
        for (Site site : world.sites()) {
          for (Lane lane : site.lanes(LANES_PER_SITE, settings.seed() + n++, working::get)) {
            threads.add(start("soak-lane", lane));
          }
        }
        for (FanoutSite f : world.fanouts()) {
          long seed = settings.seed() + n++;
          threads.add(
              start(
                  "soak-fanout",
                  () -> {
                    try {
                      f.feed(seed, working::get);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
        }
        FaultRunner runner =
            new FaultRunner(plan, world.proxies(), world.restartables(), violations);
        Thread faultThread =
            start(
                "soak-faults",
                () -> {
                  try {
                    runner.play(start, faulting::get);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        watch(start, progress, runner);
        faulting.set(false);
        faultThread.join();
        runner.finish();
        working.set(false);
        for (Thread t : threads) {
          t.join(DRAIN_WITHIN.toMillis() + 10_000);
        }
        for (Site site : world.sites()) {
          recover(site);
        }
        drain();
        if (faults) {
          idleHeapAfter = ResourceUse.now().heapBytes();
        }
        applied = runner.applied();
        skipped = runner.skipped();
        fanoutSummaries = world.fanouts().stream().map(FanoutSite::summary).toList();
      }
      return plan;
    }

    /** Prints progress and reports overdue calls until the duration has passed. */
    private void watch(long start, PrintWriter progress, FaultRunner runner)
        throws InterruptedException {
      long end = start + settings.duration().toNanos();
      long nextReport = start + PROGRESS_EVERY.toNanos();
      for (long now; (now = System.nanoTime()) < end; ) {
        TimeUnit.NANOSECONDS.sleep(Math.min(end - now, TimeUnit.SECONDS.toNanos(1)));
        ledger.checkOverdue();
        if (faults && System.nanoTime() >= nextReport) {
          nextReport += PROGRESS_EVERY.toNanos();
          long calls = ledger.calls().values().stream().mapToLong(Long::longValue).sum();
          long faultCount = runner.applied().values().stream().mapToLong(Long::longValue).sum();
          progress.printf(
              "soak: %d s, %d calls, %d open, %d faults, %d violations%n",
              TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
              calls,
              ledger.openCalls(),
              faultCount,
              violations.total());
          progress.flush();
        }
      }
    }

    /** Once the faults have stopped, {@code site} must answer again within a while. */
    private void recover(Site site) throws InterruptedException {
      long deadline = System.nanoTime() + RECOVER_WITHIN.toNanos();
      while (!site.answers()) {
        if (System.nanoTime() > deadline) {
          violations.add(
              Kind.RECOVERY,
              site.name()
                  + ": no call succeeded within "
                  + RECOVER_WITHIN.toSeconds()
                  + " s after the faults stopped");
          return;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }

    /** Waits for the calls still open, then reports those that never completed. */
    private void drain() throws InterruptedException {
      long deadline = System.nanoTime() + DRAIN_WITHIN.toNanos();
      while (ledger.openCalls() > 0 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(100);
      }
      ledger.checkOverdue();
      ledger.reportOpen();
    }

    private static Thread start(String name, Runnable r) {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      t.start();
      return t;
    }
  }
}
