package io.callosum.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time and voluntary context switches of whole processes (this JVM and its workers), read per
 * thread from Linux's {@code /proc/PID/task/TID/schedstat} (time on a CPU, in ns) and {@code
 * status} ({@code voluntary_ctxt_switches}: a thread that blocked — on a socket, a lock, a queue, a
 * future — and was woken again counts one, so their number per call is the thread wake-ups per
 * call). Every native thread counts (the JIT compilers and GC workers too). A {@link Snapshot}
 * keeps the figures per thread, so a thread that ends between two snapshots takes only what it did
 * in between with it, never its whole past; a thread started in between counts from zero.
 *
 * <p>Where {@code /proc} is missing (not Linux), CPU time comes from {@link ProcessHandle.Info}
 * (clock-tick resolution) and switches are unknown (-1).
 */
final class ProcessUsage {
  private static final String SWITCHES = "voluntary_ctxt_switches:";

  private ProcessUsage() {}

  /** Per-thread counters of one process at one moment. */
  record Snapshot(long pid, Map<Long, long[]> threads, long fallbackCpuNanos) {
    /**
     * CPU ns and voluntary switches (-1 if unknown) of this process from {@code this} to {@code
     * later}.
     */
    long[] until(Snapshot later) {
      if (threads == null || later.threads == null) {
        return new long[] {Math.max(0, later.fallbackCpuNanos - fallbackCpuNanos), -1};
      }
      long cpu = 0;
      long switches = 0;
      for (Map.Entry<Long, long[]> t : later.threads.entrySet()) {
        long[] before = threads.getOrDefault(t.getKey(), new long[2]);
        cpu += Math.max(0, t.getValue()[0] - before[0]);
        switches += Math.max(0, t.getValue()[1] - before[1]);
      }
      return new long[] {cpu, switches};
    }
  }

  /** What several processes used together between two snapshots. */
  record Totals(long cpuNanos, long switches) {}

  /** The counters of every thread of process {@code pid} now. */
  static Snapshot snapshot(long pid) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    if (!Files.isDirectory(tasks)) {
      long cpu =
          ProcessHandle.of(pid)
              .flatMap(p -> p.info().totalCpuDuration())
              .map(d -> d.toNanos())
              .orElse(0L);
      return new Snapshot(pid, null, cpu);
    }
    Map<Long, long[]> threads = new HashMap<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
      for (Path task : dir) {
        try {
          long tid = Long.parseLong(task.getFileName().toString());
          String schedstat = Files.readString(task.resolve("schedstat"));
          long cpu = Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
          threads.put(tid, new long[] {cpu, voluntarySwitches(task)});
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile: it counts as gone
        }
      }
    } catch (IOException e) {
      return new Snapshot(pid, null, 0);
    }
    return new Snapshot(pid, threads, 0);
  }

  /** Snapshots of every process in {@code pids}, in that order. */
  static List<Snapshot> snapshot(List<Long> pids) {
    return pids.stream().map(ProcessUsage::snapshot).toList();
  }

  /** Sums what the processes of {@code before} used until now; switches -1 if any is unknown. */
  static Totals since(List<Snapshot> before) {
    long cpu = 0;
    long switches = 0;
    for (Snapshot b : before) {
      long[] used = b.until(snapshot(b.pid()));
      cpu += used[0];
      switches = switches < 0 || used[1] < 0 ? -1 : switches + used[1];
    }
    return new Totals(cpu, switches);
  }

  private static long voluntarySwitches(Path task) throws IOException {
    for (String line : Files.readAllLines(task.resolve("status"))) {
      if (line.startsWith(SWITCHES)) {
        return Long.parseLong(line.substring(SWITCHES.length()).trim());
      }
    }
    throw new IOException("no " + SWITCHES + " in " + task.resolve("status"));
  }
}
