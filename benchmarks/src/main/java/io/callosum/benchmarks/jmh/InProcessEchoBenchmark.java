package io.callosum.benchmarks.jmh;

import io.callosum.ConnectedPeer;
import io.callosum.Invocation;
import io.callosum.Ordering;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.upper.MsgpackCodec;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole call through the public path with no sockets and no thread hand-offs: an in-process
 * pair of peers with direct executors. What remains is Callosum's own per-call work — header encode
 * and decode on both sides, the pending-call table, dispatch through the ordering scheduler, snappy
 * when {@code compress} is set, and the codec for {@link #typedEcho}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InProcessEchoBenchmark {
  private static int servers;

  @Param({"50", "4096"})
  public int size;

  @Param({"false", "true"})
  public boolean compress;

  @Param({"NONE", "KEY_SERIALIZED"})
  public Ordering ordering;

  private Peer server;
  private ConnectedPeer client;
  private Payload payload;
  private byte[] bytes;

  @Setup(Level.Trial)
  public void open() {
    server =
        Peer.builder()
            .name("jmh-server")
            .bind("inproc://jmh-echo-" + nextServer())
            .directExecutor()
            .ordering(ordering)
            .build();
    server.handle("echo", (context, body) -> Payload.wrap(body.bytes()));
    server.handle("typed", byte[].class, (context, body) -> body);
    server.start();
    client =
        Peer.builder()
            .name("jmh-client")
            .connect(server.address())
            .directExecutor()
            .build()
            .start();
    bytes = body(size);
    payload = Payload.wrap(new MsgpackCodec().encode(bytes));
  }

  private static synchronized int nextServer() {
    return ++servers;
  }

  @TearDown(Level.Trial)
  public void close() {
    client.close();
    server.close();
  }

  private Invocation call(String method) {
    Invocation call = client.call(method).compress(compress);
    return ordering == Ordering.NONE ? call : call.orderKey("k");
  }

  /** Pre-encoded body and raw reply: no codec, only the peer protocol. */
  @Benchmark
  public Payload rawEcho() {
    return call("echo").invokeRaw(payload).join();
  }

  /** The same call with the msgpack codec on both sides. */
  @Benchmark
  public byte[] typedEcho() {
    return call("typed").<byte[]>invoke(bytes, byte[].class).join();
  }

  /** Half compressible text-like bytes, half random: what a typical body looks like to snappy. */
  static byte[] body(int size) {
    byte[] bytes = new byte[size];
    byte[] text = "callosum benchmark body; ".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < size / 2; i++) {
      bytes[i] = text[i % text.length];
    }
    byte[] noise = new byte[size - size / 2];
    new Random(size).nextBytes(noise);
    System.arraycopy(noise, 0, bytes, size / 2, noise.length);
    return bytes;
  }
}
