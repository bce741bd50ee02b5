package io.callosum.upper.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallCancelledException;
import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.ManualTimer;
import io.callosum.upper.thrift.testgen.Calc;
import io.callosum.upper.thrift.testgen.CalcError;
import io.callosum.upper.thrift.testgen.Pair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.thrift.TException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Generated Thrift clients over a Callosum peer, served from an Iface, over every lower. */
class ThriftClientsTest {
  @RegisterExtension final Closer closer = new Closer();

  private final CalcService calc = new CalcService();

  static List<String> lowers() {
    return Lowers.all();
  }

  private Peer server(String lower) {
    return Lowers.server(closer, lower, ThriftService.of(Calc.Iface.class, calc));
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void aGeneratedClientWorksUnchangedOverAPeer(String lower) throws Exception {
    ConnectedPeer peer = Lowers.client(closer, server(lower));
    Calc.Client client =
        new Calc.Client(ThriftClients.protocol(new CallosumTransport(peer, "Calc")));

    assertEquals("héllo", client.echo("héllo"));
    assertEquals(42L, client.add(40, 2));
    assertEquals(10L, client.sum(List.of(new Pair(1, 2), new Pair(3, 4))));
    assertEquals(2.5, client.divide(5, 2));
    assertEquals("again", client.echo("again"), "one client makes many calls");
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void aDeclaredExceptionReachesTheCallerAsItself(String lower) throws Exception {
    ThriftClients<Calc.Client> clients =
        ThriftClients.of(Lowers.client(closer, server(lower)), Calc.Client::new);

    CalcError blocking = assertThrows(CalcError.class, () -> clients.call(c -> c.divide(1, 0)));
    assertEquals("division by zero", blocking.reason);
    assertEquals(22, blocking.code);
    Throwable async =
        Await.failure(clients.async(c -> c.send_divide(1, 0), Calc.Client::recv_divide));
    assertEquals(new CalcError("division by zero", 22), async);
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void anUndeclaredExceptionIsARemoteUserErrorNamingIt(String lower) throws Exception {
    ThriftClients<Calc.Client> clients =
        ThriftClients.of(Lowers.client(closer, server(lower)), Calc.Client::new);

    RemoteUserException e =
        assertThrows(RemoteUserException.class, () -> clients.call(c -> c.undeclared("no cheese")));
    assertEquals(IllegalStateException.class.getName(), e.remoteName());
    assertTrue(e.remoteRepr().contains("no cheese"), e.remoteRepr());
    assertEquals("still here", clients.call(c -> c.echo("still here")));
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void anImplementationCallsItsCallerBack(String lower) throws Exception {
    CalcService callingBack =
        new CalcService() {
          @Override
          public String echo(String text) throws TException {
            ThriftClients<Calc.Client> caller =
                ThriftClients.of(ThriftService.currentCall().caller(), Calc.Client::new);
            return text + " " + caller.call(c -> c.add(1, 2));
          }
        };
    ConnectedPeer peer =
        Lowers.client(
            closer, Lowers.server(closer, lower, ThriftService.of(Calc.Iface.class, callingBack)));
    ThriftService.of(Calc.Iface.class, calc).serveOn(peer); // the client serves Calc too

    assertEquals(
        "1 + 2 = 3", ThriftClients.of(peer, Calc.Client::new).call(c -> c.echo("1 + 2 =")));
    assertThrows(IllegalStateException.class, ThriftService::currentCall);
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void sixteenThreadsShareOnePeer(String lower) throws Exception {
    Peer server =
        Lowers.server(closer, lower, ThriftService.of(Calc.Iface.class, calc), Ordering.NONE);
    ThriftClients<Calc.Client> clients =
        ThriftClients.of(Lowers.client(closer, server), Calc.Client::new);
    ExecutorService threads = closer.executor("caller");
    int perThread = 150;
    List<Future<Integer>> done = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      long base = t * 1_000_000L;
      done.add(
          threads.submit(
              () -> {
                for (int n = 0; n < perThread; n++) {
                  int i = n;
                  long sum = clients.call(c -> c.add(base + i, i));
                  assertEquals(base + 2 * i, sum);
                  if (i % 3 == 0) {
                    assertEquals(
                        "t" + base + "/" + i,
                        clients
                            .async(c -> c.send_echo("t" + base + "/" + i), Calc.Client::recv_echo)
                            .join());
                  }
                }
                return perThread;
              }));
    }
    for (Future<Integer> f : done) {
      assertEquals(perThread, f.get(Await.LIMIT.toMillis() * 3, TimeUnit.MILLISECONDS));
    }
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void onewayCallsAreCarriedAndTheirHandlingCanBeAwaited(String lower) throws Exception {
    ConnectedPeer peer = Lowers.client(closer, server(lower));
    Calc.Client client =
        new Calc.Client(ThriftClients.protocol(new CallosumTransport(peer, "Calc")));
    client.record("plain");
    Await.until("the oneway call is handled", () -> calc.notes.contains("plain"));

    ThriftClients<Calc.Client> clients = ThriftClients.of(peer, Calc.Client::new);
    Await.result(clients.async(c -> c.send_record("awaited"), c -> null));
    assertEquals(2L, clients.call(Calc.Client::recorded));
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void orderKeysSerializeEachKeyAndNoOther(String lower) throws Exception {
    ThriftClients<Calc.Client> clients =
        ThriftClients.of(Lowers.client(closer, server(lower)), Calc.Client::new);
    ThriftClients<Calc.Client> a = clients.with(CallOptions.DEFAULT.withOrderKey("a"));
    ThriftClients<Calc.Client> b = clients.with(CallOptions.DEFAULT.withOrderKey("b"));

    CompletableFuture<Void> blocker = sleepAsync(a); // holds key "a" at the server
    List<CompletableFuture<Long>> as = new ArrayList<>();
    List<CompletableFuture<Long>> bs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      as.add(a.async(c -> c.send_nextValue("a"), Calc.Client::recv_nextValue));
      bs.add(b.async(c -> c.send_nextValue("b"), Calc.Client::recv_nextValue));
    }
    for (int i = 0; i < 100; i++) {
      assertEquals(i + 1L, Await.result(bs.get(i)), "key b, call " + i + ", while key a is held");
    }
    assertTrue(
        as.stream().noneMatch(CompletableFuture::isDone), "key a waits behind its sleeping call");
    blocker.cancel(true);
    for (int i = 0; i < 100; i++) {
      assertEquals(i + 1L, Await.result(as.get(i)), "key a, call " + i);
    }
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void aTimeoutFailsTheCallAndCancelsTheHandler(String lower) throws Exception {
    ManualTimer timer = new ManualTimer();
    ConnectedPeer peer = Lowers.client(closer, server(lower), b -> b.timer(timer));
    ThriftClients<Calc.Client> slow =
        ThriftClients.of(peer, Calc.Client::new)
            .with(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(1)));

    CompletableFuture<Void> call = sleepAsync(slow);
    timer.advance(Duration.ofMillis(999));
    assertTrue(!call.isDone(), "not before its timeout");
    timer.advance(Duration.ofMillis(1));
    assertInstanceOf(CallTimeoutException.class, Await.failure(call));
    Await.until("the handler is interrupted", () -> calc.interrupted.get() == 1);

    AtomicReference<Throwable> blocking = new AtomicReference<>();
    int timeouts = timer.scheduled();
    Thread caller = sleepBlocking(slow, blocking);
    // The caller schedules its timeout after sending: on a busy machine that can come after the
    // handler started.
    Await.until(
        "the blocked call's timeout is scheduled",
        () -> timer.scheduled() > timeouts,
        () -> timer.pendingDelays().toString());
    timer.advance(Duration.ofSeconds(1));
    caller.join(Await.LIMIT.toMillis());
    assertInstanceOf(CallTimeoutException.class, blocking.get());
    Await.until("the second handler is interrupted", () -> calc.interrupted.get() == 2);
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void cancellingCancelsTheHandler(String lower) throws Exception {
    ThriftClients<Calc.Client> clients =
        ThriftClients.of(Lowers.client(closer, server(lower)), Calc.Client::new);

    CompletableFuture<Void> call = sleepAsync(clients);
    call.cancel(true);
    assertInstanceOf(CancellationException.class, Await.failure(call));
    Await.until("the handler is interrupted", () -> calc.interrupted.get() == 1);

    AtomicReference<Throwable> blocking = new AtomicReference<>();
    Thread caller = sleepBlocking(clients, blocking);
    caller.interrupt();
    caller.join(Await.LIMIT.toMillis());
    assertInstanceOf(CallCancelledException.class, blocking.get());
    Await.until("the second handler is interrupted", () -> calc.interrupted.get() == 2);
  }

  /** Calls sleep(60 s) asynchronously; returns once the handler sleeps. */
  private CompletableFuture<Void> sleepAsync(ThriftClients<Calc.Client> clients) {
    int before = calc.sleeping.get();
    CompletableFuture<Void> call =
        clients.async(
            c -> c.send_sleep(60_000),
            c -> {
              c.recv_sleep();
              return null;
            });
    Await.until("the handler sleeps", () -> calc.sleeping.get() == before + 1);
    return call;
  }

  /**
   * Starts a thread blocked in sleep(60 s); returns once the handler sleeps. The call's failure
   * lands in {@code outcome}.
   */
  private Thread sleepBlocking(
      ThriftClients<Calc.Client> clients, AtomicReference<Throwable> outcome) {
    int before = calc.sleeping.get();
    Thread caller =
        new Thread(
            () -> {
              try {
                clients.call(
                    c -> {
                      c.sleep(60_000);
                      return null;
                    });
                outcome.set(new AssertionError("the call returned"));
              } catch (Throwable t) {
                outcome.set(t);
              }
            });
    caller.start();
    Await.until("the blocked call's handler sleeps", () -> calc.sleeping.get() == before + 1);
    return caller;
  }
}
