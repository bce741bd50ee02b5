package io.callosum.benchmarks.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xerial.snappy.Snappy;

/**
 * The raw snappy block format that the {@code zip} flag uses (as Python Callosum does), on bodies
 * that are half text-like (compressible) and half random.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SnappyBenchmark {
  @Param({"50", "4096", "65536"})
  public int size;

  private byte[] body;
  private byte[] compressed;

  @Setup
  public void setup() throws IOException {
    body = InProcessEchoBenchmark.body(size);
    compressed = Snappy.compress(body);
  }

  @Benchmark
  public byte[] compress() throws IOException {
    return Snappy.compress(body);
  }

  @Benchmark
  public byte[] uncompress() throws IOException {
    return Snappy.uncompress(compressed);
  }
}
