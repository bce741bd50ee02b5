package io.callosum.examples.uppers;

import io.callosum.ConnectedPeer;
import io.callosum.Invoker;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.examples.uppers.thrift.gen.Demo;
import io.callosum.examples.uppers.thrift.gen.DemoError;
import io.callosum.upper.thrift.CallOptions;
import io.callosum.upper.thrift.ThriftClients;
import io.callosum.upper.thrift.ThriftService;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo service with the Thrift upper: {@code demo.thrift}'s generated {@code Demo.Client} and
 * {@code Demo.Iface} (checked in, made by upper-thrift/gen-thrift.sh) carried as Callosum calls
 * named {@code Demo.echo}, {@code Demo.add}... The IDL names {@code next} {@code nextValue}: "next"
 * is reserved in Thrift.
 */
public final class ThriftDemo implements DemoUpper {
  private static final AtomicInteger RUNS = new AtomicInteger();

  /** The service, implemented once against the generated Iface. */
  static final class DemoService implements Demo.Iface {
    private final Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();

    @Override
    public String echo(String text) {
      return text;
    }

    @Override
    public long add(long a, long b) {
      return a + b;
    }

    @Override
    public void fail(String reason) throws DemoError {
      throw new DemoError(reason);
    }

    @Override
    public void slow(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // cancelled by the caller: nobody waits for the reply
      }
    }

    @Override
    public long nextValue(String key) {
      return sequences.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }
  }

  @Override
  public String name() {
    return "thrift";
  }

  @Override
  public <B extends Peer.Options<B>> B configure(B builder) {
    return builder; // Thrift bodies travel as Payloads that the peer's codec never touches
  }

  @Override
  public void serve(Peer server) {
    ThriftService.of(Demo.Iface.class, new DemoService())
        .serveOn(server); // the one line that differs per upper
  }

  @Override
  public DemoClient client(Invoker client) {
    ThriftClients<Demo.Client> demo =
        ThriftClients.of(client, Demo.Client::new); // the one line that differs per upper
    return new DemoClient() {
      @Override
      public CompletableFuture<String> echo(String text) {
        return demo.async(c -> c.send_echo(text), Demo.Client::recv_echo);
      }

      @Override
      public CompletableFuture<Long> add(long a, long b) {
        return demo.async(c -> c.send_add(a, b), Demo.Client::recv_add);
      }

      @Override
      public CompletableFuture<Void> fail(String reason) {
        return demo.async(
            c -> c.send_fail(reason),
            c -> {
              c.recv_fail();
              return null;
            });
      }

      @Override
      public CompletableFuture<Void> slow(long millis, Duration timeout) {
        return demo.with(CallOptions.DEFAULT.withTimeout(timeout))
            .async(
                c -> c.send_slow(millis),
                c -> {
                  c.recv_slow();
                  return null;
                });
      }

      @Override
      public CompletableFuture<Long> next(String key) {
        return demo.with(CallOptions.DEFAULT.withOrderKey(key))
            .async(c -> c.send_nextValue(key), Demo.Client::recv_nextValue);
      }
    };
  }

  @Override
  public boolean isDeclaredFailure(Throwable failure, String reason) {
    return failure instanceof DemoError demoError && reason.equals(demoError.reason);
  }

  /** Starts a server and a client in this JVM, calls each method and prints the outcomes. */
  public static void run(PrintWriter out) {
    ThriftDemo upper = new ThriftDemo();
    try (Peer server =
        upper
            .configure(
                Peer.builder()
                    .bind("inproc://thrift-demo-" + RUNS.incrementAndGet())
                    .ordering(Ordering.KEY_SERIALIZED))
            .build()) {
      upper.serve(server);
      server.start();
      try (ConnectedPeer peer =
          upper
              .configure(
                  Peer.builder().connect(server.address()).defaultTimeout(Duration.ofSeconds(10)))
              .build()
              .start()) {
        DemoClient demo = upper.client(peer);
        out.println("echo(\"hello, thrift\") = " + outcome(demo.echo("hello, thrift")));
        out.println("add(40, 2) = " + outcome(demo.add(40, 2)));
        out.println("fail(\"no such account\") = " + outcome(demo.fail("no such account")));
        out.println(
            "slow(5000) with a 100 ms timeout = "
                + outcome(demo.slow(5_000, Duration.ofMillis(100))));
        CompletableFuture<Long> a1 = demo.next("a");
        CompletableFuture<Long> b1 = demo.next("b");
        CompletableFuture<Long> a2 = demo.next("a");
        out.println(
            "next(a), next(b), next(a) = " + outcome(a1) + ", " + outcome(b1) + ", " + outcome(a2));
      }
    }
    out.flush();
  }

  private static String outcome(CompletableFuture<?> call) {
    try {
      Object value = call.join();
      return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    } catch (CompletionException e) {
      return "failed: " + e.getCause();
    }
  }
}
