package io.callosum.benchmarks.jmh;

import io.callosum.upper.MsgpackCodec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The msgpack upper: encode and decode of a typical small call body (a map) and of a 48-byte bin.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  private final MsgpackCodec codec = new MsgpackCodec();
  private Map<String, Object> map;
  private byte[] bin;
  private byte[] encodedMap;
  private byte[] encodedBin;

  @Setup
  public void setup() {
    map = Map.of("user", "alice", "op", "add", "a", 12345, "b", 678, "tags", List.of("x", "y"));
    bin = new byte[48];
    encodedMap = codec.encode(map);
    encodedBin = codec.encode(bin);
  }

  @Benchmark
  public byte[] encodeMap() {
    return codec.encode(map);
  }

  @Benchmark
  public Object decodeMap() {
    return codec.decode(encodedMap, Object.class);
  }

  @Benchmark
  public byte[] encodeBin() {
    return codec.encode(bin);
  }

  @Benchmark
  public Object decodeBin() {
    return codec.decode(encodedBin, byte[].class);
  }
}
