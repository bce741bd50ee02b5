package io.callosum.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What one measurement of a P3–P8 contender yields: named figures (e.g. {@code MB_per_s}) and, for
 * scenarios that time many events, a histogram of them in ns. {@link #quick} asks for the small
 * sizes of a smoke run; {@link #nanos} is the run's time per timed measurement (P8); {@link
 * #workers} are the contender's serving processes (a broker among them), whose CPU time counts.
 */
final class Measurement {
  final boolean quick;
  final long nanos;
  final List<Long> workers;
  final Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
  private final Map<String, Double> figures = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();

  Measurement(boolean quick, long nanos, List<Long> workers) {
    this.quick = quick;
    this.nanos = nanos;
    this.workers = List.copyOf(workers);
  }

  /** {@code full} in a real run, {@code quick} in a smoke run. */
  long size(long full, long quick) {
    return this.quick ? quick : full;
  }

  void put(String metric, double value) {
    figures.put(metric, value);
  }

  Map<String, Double> figures() {
    return figures;
  }

  /**
   * Something the reader of the figures must know (e.g. fewer connections opened than asked for).
   */
  void note(String text) {
    notes.add(text);
  }

  List<String> notes() {
    return notes;
  }

  /** Puts p50 and p99 of the histogram, in ms. */
  void putPercentilesMillis() {
    put("p50_ms", histogram.getValueAtPercentile(50) / 1e6);
    put("p99_ms", histogram.getValueAtPercentile(99) / 1e6);
  }
}
