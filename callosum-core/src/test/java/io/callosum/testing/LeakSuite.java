package io.callosum.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.CallCancelledException;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.InternalEntries;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.StreamCall;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.lower.Transport;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Open/close cycles that must leave nothing behind: peers (bind, connect, a call and a callback,
 * close both), clients of one server, stream calls (completed, cancelled by the reader, cancelled
 * by the caller, failed by the handler), and broadcast and pipeline endpoints. After the cycles the
 * JVM's threads are those it had before them, its file descriptors as many (within a few the JVM
 * may open lazily), the lower's tables empty ({@link #lowerEntries}) and, for peers that live
 * through the cycles, the core's tables too ({@link InternalEntries}).
 *
 * <p>Each test runs {@link #CYCLES} cycles after a warm-up: 500 by default so that the build stays
 * fast; the full run is {@code -Dcallosum.leakCycles=10000} (docs/SOAK.md). A lower's test
 * subclasses this and says how to reach it.
 */
public abstract class LeakSuite {
  /** Cycles per test: the system property {@code callosum.leakCycles}, 500 unless set. */
  protected static final int CYCLES = Integer.getInteger("callosum.leakCycles", 500);

  private static final int WARM_UP = 20;

  /** File descriptors the JVM may open lazily meanwhile (jars, entropy): far below one a cycle. */
  private static final int FD_SLACK = 4;

  /** The name of the peers that live through the cycles (see {@link #threads}). */
  private static final String KEPT = "kept-";

  @RegisterExtension final Closer closer = new Closer();

  /** The lower under test. */
  protected abstract Transport transport();

  /** A fresh address to bind on (e.g. {@code inproc://unique}, {@code tcp://127.0.0.1:0}). */
  protected abstract String bindAddress();

  /**
   * What the lower holds in its tables now (endpoints, connections, bound names, links): 0 once
   * everything on it has closed.
   */
  protected abstract int lowerEntries();

  /** Whether the lower offers broadcast and pipelines. */
  protected boolean fanout() {
    return true;
  }

  /** One cycle; {@code i} counts from 0. */
  @FunctionalInterface
  protected interface Cycle {
    void run(int i) throws Exception;
  }

  /**
   * Runs {@code cycle} {@link #WARM_UP} times, notes the threads and descriptors, runs it {@link
   * #CYCLES} times, and waits (bounded) until threads, descriptors and the lower's tables are back
   * (the tables to what they held before the warm-up: the peers that live through the cycles).
   */
  protected void cycles(String what, Cycle cycle) throws Exception {
    int entries = lowerEntries(); // what lives through the cycles (a server, a client)
    for (int i = 0; i < WARM_UP; i++) {
      cycle.run(i);
    }
    Await.until("the warm-up's entries are gone", () -> lowerEntries() == entries, this::state);
    Set<Thread> threads = threads();
    int fds = Resources.openFds();
    long t0 = System.nanoTime();
    for (int i = 0; i < CYCLES; i++) {
      cycle.run(WARM_UP + i);
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    int fdsRightAfter = Resources.openFds();
    Await.until(
        "threads, file descriptors and the lower's tables are back after " + CYCLES + " " + what,
        () -> {
          System.gc(); // selectors and pipes of sockets nobody closed would be found by now
          return threads.containsAll(threads())
              && Resources.openFds() <= fds + FD_SLACK
              && lowerEntries() == entries;
        },
        () ->
            "fds before "
                + fds
                + ", now "
                + Resources.openFds()
                + "; "
                + state()
                + "; threads not there before: "
                + threads().stream()
                    .filter(t -> !threads.contains(t))
                    .map(Thread::getName)
                    .sorted()
                    .toList());
    System.out.printf(
        "%s: %d %s in %d ms (%.2f ms each); fds before %d, right after %d, settled %d; lower"
            + " entries %d%n",
        getClass().getSimpleName(),
        CYCLES,
        what,
        millis,
        (double) millis / CYCLES,
        fds,
        fdsRightAfter,
        Resources.openFds(),
        lowerEntries());
  }

  private String state() {
    return "lower entries " + lowerEntries();
  }

  /**
   * Threads a library starts once for the whole JVM, the first time it is used, and never ends:
   * JNA's cleaner, and the JDK's process reaper that JNA's initialization starts (the ZeroMQ lower
   * binds libc through JNA when its first jeromq thread starts, the TCP lower libsodium).
   */
  private static final Set<String> ONCE_PER_JVM = Set.of("JNA Cleaner", "process reaper");

  /**
   * Live threads, leaving out the common fork-join pool's, which the JDK starts and ends on its
   * own, and those started {@link #ONCE_PER_JVM}.
   */
  private static Set<Thread> allThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> !t.getName().startsWith("ForkJoinPool.commonPool-"))
        .filter(t -> !ONCE_PER_JVM.contains(t.getName()))
        .collect(Collectors.toSet());
  }

  /**
   * {@link #allThreads}, leaving out the pools of the peers that live through the cycles (named
   * {@value #KEPT}...: their pools grow to their size while the cycles run, and end with them).
   */
  private static Set<Thread> threads() {
    Set<Thread> all = allThreads();
    all.removeIf(t -> t.getName().startsWith("callosum-" + KEPT));
    return all;
  }

  /** Closes the peers that lived through the cycles; then every thread started since has ended. */
  private void closeKept(Set<Thread> before, Peer... kept) {
    for (Peer p : kept) {
      p.close();
    }
    Await.until(
        "the lower's tables are empty and threads end with the kept peers",
        () -> lowerEntries() == 0 && before.containsAll(allThreads()),
        () ->
            state()
                + "; threads not there before: "
                + allThreads().stream()
                    .filter(t -> !before.contains(t))
                    .map(Thread::getName)
                    .sorted()
                    .toList());
  }

  private Peer.Builder base() {
    return Peer.builder().transport(transport()).defaultTimeout(Await.LIMIT);
  }

  private BoundPeer server() {
    return server("server");
  }

  private BoundPeer server(String name) {
    BoundPeer s = base().bind(bindAddress()).name(name).build();
    s.handle("echo", (ctx, body) -> body.value());
    s.handle(
        "back",
        (ctx, body) -> ((Number) ctx.caller().invokeAndWait("ping", body.value())).longValue() + 1);
    return s.start();
  }

  private ConnectedPeer client(Peer server) {
    return client(server, "client");
  }

  private ConnectedPeer client(Peer server, String name) {
    ConnectedPeer c = base().connect(server.address()).name(name).build();
    c.handle("ping", (ctx, body) -> body.value());
    return c.start();
  }

  @Test
  public void peersOpenedAndClosedLeaveNothing() throws Exception {
    cycles(
        "server and client cycles (bind, connect, a call with a callback, close)",
        i -> {
          try (BoundPeer server = server();
              ConnectedPeer client = client(server)) {
            assertEquals(i + 1, ((Number) client.invokeAndWait("back", i)).intValue());
          }
        });
  }

  @Test
  public void clientsOfOneServerLeaveNothing() throws Exception {
    Set<Thread> before = allThreads();
    BoundPeer server = closer.later(server(KEPT + "server"));
    cycles(
        "client cycles on one server",
        i -> {
          try (ConnectedPeer client = client(server)) {
            assertEquals(i, client.invokeAndWait("echo", i));
          }
        });
    Await.until("the server forgets its clients", () -> server.remotes().isEmpty());
    Await.until(
        "the server's tables are empty",
        () -> InternalEntries.of(server) == 0,
        () -> InternalEntries.of(server) + " entries");
    closeKept(before, server);
  }

  @Test
  public void streamCallsLeaveNothing() throws Exception {
    Set<Thread> before = allThreads();
    BoundPeer server = closer.later(server(KEPT + "server"));
    server.handleStream(
        "echo",
        (ctx, arg, up, down) -> {
          long n = 0;
          for (Body b; (b = up.take()) != null; n++) {
            down.send(b.value());
          }
          return n;
        });
    server.handleStream(
        "ticks",
        (ctx, arg, up, down) -> {
          try {
            for (int j = 0; ; j++) {
              down.send(j);
            }
          } catch (CallCancelledException e) {
            return "stopped"; // the reader cancelled its stream
          }
        });
    server.handleStream(
        "failing",
        (ctx, arg, up, down) -> {
          down.send(0);
          throw new IllegalStateException("failing on purpose");
        });
    ConnectedPeer client = closer.later(client(server, KEPT + "client"));
    cycles(
        "stream calls (completed, cancelled by reader, by caller, failed by handler)",
        i -> {
          switch (i % 4) {
            case 0 -> {
              StreamCall c = client.call("echo").bidiStream(null);
              c.upstream().send(i);
              assertEquals(i, c.downstream().take().value());
              c.upstream().complete();
              assertNull(c.downstream().take());
              assertEquals(1, Await.result(c.result()));
            }
            case 1 -> {
              StreamCall c = client.call("ticks").serverStream(null);
              assertEquals(0, c.downstream().take().value());
              c.downstream().cancel();
              assertEquals("stopped", Await.result(c.result()));
            }
            case 2 -> {
              StreamCall c = client.call("echo").bidiStream(null);
              c.upstream().send(i);
              assertEquals(i, c.downstream().take().value());
              c.cancel();
              assertThrows(CallosumException.class, () -> c.downstream().take());
            }
            default -> {
              StreamCall c = client.call("failing").serverStream(null);
              assertEquals(0, c.downstream().take().value());
              ExecutionException e =
                  assertThrows(ExecutionException.class, () -> Await.result(c.result()));
              assertInstanceOf(RemoteUserException.class, e.getCause());
            }
          }
        });
    for (Peer p : List.of(server, client)) {
      Await.until(
          "no stream or call is left in " + p,
          () -> InternalEntries.of(p) == 0,
          () -> InternalEntries.of(p) + " entries");
    }
    closeKept(before, client, server);
  }

  @Test
  public void fanoutEndpointsLeaveNothing() throws Exception {
    assumeTrue(fanout(), "the lower offers no broadcast and pipelines");
    Duration wait = Await.LIMIT;
    cycles(
        "broadcast and pipeline cycles (bind, connect, an item, close)",
        i -> {
          try (Broadcaster b =
                  Broadcaster.builder().transport(transport()).bind(bindAddress()).build();
              BroadcastReceiver r =
                  BroadcastReceiver.builder().transport(transport()).connect(b.address()).build();
              PipelineReceiver w =
                  PipelineReceiver.builder().transport(transport()).bind(bindAddress()).build();
              PipelineSender s =
                  PipelineSender.builder().transport(transport()).connect(w.address()).build()) {
            b.publish("t", i); // may go before the subscription arrives: not awaited
            s.send(i, wait);
            Delivery d = w.poll(wait);
            assertEquals(i, d == null ? null : d.value(), "the pipeline item");
          }
        });
  }
}
