package io.callosum.examples.uppers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same service through every upper over every lower: echo, add, a declared error, a slow call
 * cancelled by its timeout, and an order-keyed sequence. Only the upper's line differs.
 */
class UpperConformanceTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @RegisterExtension final Closer closer = new Closer();

  static List<DemoUpper> uppers() {
    return List.of(new MsgpackDemo(), new ProtobufDemo(), new ThriftDemo());
  }

  static List<String> lowers() {
    return List.of("inproc", "zmq+tcp", "tcp");
  }

  static Stream<Arguments> combinations() {
    List<Arguments> out = new ArrayList<>();
    for (DemoUpper u : uppers()) {
      for (String l : lowers()) {
        out.add(Arguments.of(u, l));
      }
    }
    return out.stream();
  }

  private static String bindAddress(String lower) {
    return switch (lower) {
      case "inproc" -> "inproc://uppers-" + NAMES.incrementAndGet();
      case "zmq+tcp" -> "zmq+tcp://127.0.0.1:0";
      default -> lower + "://127.0.0.1:0";
    };
  }

  private static Throwable failureOf(CompletableFuture<?> f) throws InterruptedException {
    try {
      f.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("no outcome within " + Await.LIMIT);
    }
    throw new AssertionError("expected a failure");
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("combinations")
  void theServiceBehavesTheSameThroughEveryUpper(DemoUpper upper, String lower) throws Exception {
    Peer server =
        closer.later(
            upper
                .configure(
                    Peer.builder()
                        .bind(bindAddress(lower))
                        .ordering(MsgpackDemo.ordering())
                        .defaultTimeout(Await.LIMIT))
                .build());
    upper.serve(server);
    server.start();
    ConnectedPeer peer =
        closer
            .later(
                upper
                    .configure(Peer.builder().connect(server.address()).defaultTimeout(Await.LIMIT))
                    .build())
            .start();
    DemoClient client = upper.client(peer);

    assertEquals("hello, " + upper.name(), Await.result(client.echo("hello, " + upper.name())));
    assertEquals(42L, Await.result(client.add(40, 2)));
    Throwable declared = failureOf(client.fail("no such account"));
    assertTrue(
        upper.isDeclaredFailure(declared, "no such account"),
        "not the declared error: " + declared);
    assertInstanceOf(
        CallTimeoutException.class, failureOf(client.slow(5_000, Duration.ofMillis(100))));
    assertEquals("still serving", Await.result(client.echo("still serving")));

    List<CompletableFuture<Long>> a = new ArrayList<>();
    List<CompletableFuture<Long>> b = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      a.add(client.next("a"));
      b.add(client.next("b"));
    }
    for (int i = 0; i < 20; i++) {
      assertEquals(i + 1L, Await.result(a.get(i)), "key a, call " + i);
      assertEquals(i + 1L, Await.result(b.get(i)), "key b, call " + i);
    }
  }
}
