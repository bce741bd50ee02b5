package io.callosum.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the calls of one measurement cost the machine: CPU time and voluntary context switches
 * (thread wake-ups) of the harness process and of the contender's worker processes together, per
 * call, and the workers' part alone. Started just before the calls, finished just after.
 */
final class CallCost {
  static final String CPU = "cpu_us_per_call";
  static final String SWITCHES = "switches_per_call";
  static final String SERVER_CPU = "server_cpu_us_per_call";
  static final String SERVER_SWITCHES = "server_switches_per_call";
  static final String CPU_PER_GB = "cpu_ms_per_GB";
  static final String SERVER_CPU_PER_GB = "server_cpu_ms_per_GB";

  private final List<ProcessUsage.Snapshot> harness;
  private final List<ProcessUsage.Snapshot> workers;

  private CallCost(List<Long> workerPids) {
    harness = List.of(ProcessUsage.snapshot(ProcessHandle.current().pid()));
    workers = ProcessUsage.snapshot(workerPids);
  }

  static CallCost start(Contender contender) {
    return new CallCost(contender.pids());
  }

  /**
   * The figures per call for {@code calls} calls (none if there were none); switches only where
   * /proc tells them.
   */
  Map<String, Double> perCall(long calls) {
    ProcessUsage.Totals workersUsed = ProcessUsage.since(workers);
    ProcessUsage.Totals harnessUsed = ProcessUsage.since(harness);
    Map<String, Double> figures = new LinkedHashMap<>();
    if (calls <= 0) {
      return figures;
    }
    figures.put(CPU, (harnessUsed.cpuNanos() + workersUsed.cpuNanos()) / 1e3 / calls);
    if (harnessUsed.switches() >= 0 && workersUsed.switches() >= 0) {
      figures.put(SWITCHES, (double) (harnessUsed.switches() + workersUsed.switches()) / calls);
    }
    if (!workers.isEmpty()) {
      figures.put(SERVER_CPU, workersUsed.cpuNanos() / 1e3 / calls);
      if (workersUsed.switches() >= 0) {
        figures.put(SERVER_SWITCHES, (double) workersUsed.switches() / calls);
      }
    }
    return figures;
  }

  /**
   * CPU ms per 10^9 bytes moved, all processes together and the workers' part (none if no bytes
   * moved): what a bulk transfer costs the machine, which the machine's noise moves far less than
   * MB/s.
   */
  Map<String, Double> perGigabyte(long bytes) {
    Map<String, Double> perByte = perCall(bytes); // calls of one byte each: CPU µs per byte
    Map<String, Double> figures = new LinkedHashMap<>();
    if (perByte.containsKey(CPU)) {
      figures.put(CPU_PER_GB, perByte.get(CPU) * 1e6); // ms per 10^9 bytes = µs per byte × 10^6
    }
    if (perByte.containsKey(SERVER_CPU)) {
      figures.put(SERVER_CPU_PER_GB, perByte.get(SERVER_CPU) * 1e6);
    }
    return figures;
  }
}
