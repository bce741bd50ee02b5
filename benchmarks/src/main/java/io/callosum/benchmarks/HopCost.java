package io.callosum.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * P8's measurement of one way to reach the echo server: calls/s with {@value #IN_FLIGHT} calls in
 * flight (and their CPU time and wake-ups per call, all processes together), then the latency of
 * one call at a time (p50, p99), each for the run's measurement time.
 */
final class HopCost implements Contender {
  static final int IN_FLIGHT = 64;

  private final AsyncContender echo;

  HopCost(AsyncContender echo) {
    this.echo = echo;
  }

  @Override
  public String name() {
    return echo.name();
  }

  @Override
  public void measure(Measurement m) throws Exception {
    CallCost cost = CallCost.start(this);
    long start = System.nanoTime();
    long calls = echo.throughput(IN_FLIGHT, m.nanos);
    long elapsed = System.nanoTime() - start;
    Map<String, Double> perCall = cost.perCall(calls);
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    echo.latency(latency, m.nanos);
    m.put("calls_per_s", calls * 1e9 / elapsed);
    m.put("p50_us", latency.getValueAtPercentile(50) / 1e3);
    m.put("p99_us", latency.getValueAtPercentile(99) / 1e3);
    perCall.forEach(m::put);
  }

  @Override
  public List<Server> servers() {
    return echo.servers();
  }

  @Override
  public void close() {
    echo.close();
  }
}
