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
  static final String CPU_PER_DELIVERY = "cpu_ns_per_delivery";
  static final String SERVER_CPU_PER_DELIVERY = "server_cpu_ns_per_delivery";

  private final List<ProcessUsage.Snapshot> harness;
  private final List<ProcessUsage.Snapshot> workers;

  private CallCost(List<Long> workerPids) {
    harness = List.of(ProcessUsage.snapshot(ProcessHandle.current().pid()));
    workers = ProcessUsage.snapshot(workerPids);
  }

  static CallCost start(Contender contender) {
    return new CallCost(contender.pids());
  }

  /** Starts counting for a measurement: the harness and the measurement's worker processes. */
  static CallCost start(Measurement m) {
    return new CallCost(m.workers);
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
    // calls of one byte each: CPU µs per byte; ms per 10^9 bytes = µs per byte × 10^6
    return scaled(perCall(bytes), 1e6, CPU_PER_GB, SERVER_CPU_PER_GB);
  }

  /**
   * CPU ns per item delivered to a subscriber, all processes together and the workers' part (none
   * if nothing was delivered): what a fan-out costs the machine per delivery.
   */
  Map<String, Double> perDelivery(long deliveries) {
    return scaled(perCall(deliveries), 1e3, CPU_PER_DELIVERY, SERVER_CPU_PER_DELIVERY);
  }

  /** {@code perCall}'s CPU figures times {@code factor}, under the names given. */
  private static Map<String, Double> scaled(
      Map<String, Double> perCall, double factor, String cpu, String serverCpu) {
    Map<String, Double> figures = new LinkedHashMap<>();
    if (perCall.containsKey(CPU)) {
      figures.put(cpu, perCall.get(CPU) * factor);
    }
    if (perCall.containsKey(SERVER_CPU)) {
      figures.put(serverCpu, perCall.get(SERVER_CPU) * factor);
    }
    return figures;
  }
}
