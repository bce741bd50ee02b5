package io.callosum.examples.soak;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.examples.soak.Violations.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One server and one client of a soak, on one route (a lower through a fault proxy, or a gateway
 * pair) with one ordering policy. The server serves {@link SoakService}; the client answers its
 * callbacks ({@code cb [id, j]} is {@code 31 id + j}) and completes its calls on a callback
 * executor with one thread, so that completions run in the order the replies arrived (what {@link
 * ReplyOrder} needs). {@link #restart} closes the server and binds a fresh one, as a crash and
 * restart would; the client stays and must reconnect by itself.
 *
 * <p>Both peers count their calls as callers ({@link CallTally}); every count is checked when its
 * peer has closed. {@link #restart} and {@link #close} are called by the soak's threads, one at a
 * time.
 */
final class Site implements Restartable {
  /** Chunk size of the soak's peers: small, so that calls of tens of KiB go in chunks. */
  static final int CHUNK_SIZE = 16 << 10;

  private static final Duration REBIND_FOR = Duration.ofSeconds(30);

  private final String name;
  private final Ordering ordering;
  private final Function<Peer.Builder, BoundPeer.Builder> bind;
  private final Consumer<BoundPeer> bound;
  private final Ledger ledger;
  private final Violations violations;
  private final RunOnce runOnce;
  private final ExecutorService completions;
  private final CallTally clientTally;
  private final ConnectedPeer client;
  private final AtomicInteger probes = new AtomicInteger();
  private BoundPeer server; // guarded by this
  private CallTally serverTally; // guarded by this

  /**
   * Starts a site: binds the server with {@code bind} (a builder with the server's options, to
   * which it adds where to bind), tells {@code bound} where it listens (e.g. to point a proxy at
   * it), then connects the client with {@code connect}.
   */
  Site(
      String name,
      Ordering ordering,
      Function<Peer.Builder, BoundPeer.Builder> bind,
      Consumer<BoundPeer> bound,
      Function<Peer.Builder, ConnectedPeer.Builder> connect,
      Ledger ledger,
      Violations violations) {
    this.name = name;
    this.ordering = ordering;
    this.bind = bind;
    this.bound = bound;
    this.ledger = ledger;
    this.violations = violations;
    this.runOnce = new RunOnce(name, violations);
    synchronized (this) {
      startServer();
    }
    completions =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "soak-" + name + "-completions");
              t.setDaemon(true);
              return t;
            });
    clientTally = new CallTally();
    ConnectedPeer c =
        connect
            .apply(
                Peer.builder()
                    .name(name + "-client")
                    .chunkSize(CHUNK_SIZE)
                    .defaultTimeout(Lane.CALL_TIMEOUT)
                    .callbackExecutor(completions)
                    .interceptor(clientTally))
            .build();
    c.handle(
        "cb",
        (ctx, body) -> {
          List<?> a = (List<?>) body.value();
          return 31 * SoakService.number(a, 0) + SoakService.number(a, 1);
        });
    try {
      client = c.start();
    } catch (RuntimeException e) {
      c.close();
      completions.shutdown();
      synchronized (this) {
        server.close(); // the site never existed: nothing of it may stay behind
      }
      throw e;
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** The lanes that drive this site's client, with seeds from {@code seed}. */
  List<Lane> lanes(int n, long seed, BooleanSupplier running) {
    ReplyOrder order = ordering == Ordering.NONE ? null : new ReplyOrder(name, violations);
    List<Lane> lanes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      lanes.add(
          new Lane(name + "-" + i, client, ledger, violations, order, seed * 31 + i, running));
    }
    return lanes;
  }

  /** Whether one plain call gets through now (after the faults, everything must recover). */
  boolean answers() {
    try {
      Object r =
          client
              .call("work")
              .orderKey(name + "/probe")
              .timeout(Duration.ofSeconds(2))
              .invoke(List.of(name + "/probe", probes.getAndIncrement(), 0, 0))
              .get(5, TimeUnit.SECONDS);
      return r instanceof List<?>;
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public synchronized void restart(Duration downtime) throws InterruptedException {
    stopServer();
    TimeUnit.NANOSECONDS.sleep(downtime.toNanos());
    long deadline = System.nanoTime() + REBIND_FOR.toNanos();
    while (true) {
      try {
        startServer();
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          violations.add(
              Kind.RECOVERY, name + ": the server could not be started again within 30 s: " + e);
          return;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }

  /** Closes the client and the server, and checks both peers' counts of calls. */
  @Override
  public synchronized void close() {
    client.close();
    completions.shutdown();
    try {
      if (!completions.awaitTermination(10, TimeUnit.SECONDS)) {
        violations.add(Kind.RESOURCES, name + ": the client's completions did not drain");
      }
      clientTally.check(name + " client", violations);
      stopServer();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (server != null) {
        server.close();
      }
    }
  }

  private void startServer() {
    CallTally tally = new CallTally();
    BoundPeer s =
        bind.apply(
                Peer.builder()
                    .name(name + "-server")
                    .ordering(ordering)
                    .chunkSize(CHUNK_SIZE)
                    .defaultTimeout(Lane.CALL_TIMEOUT)
                    .interceptor(tally))
            .build();
    new SoakService(name, ordering, ledger, violations, runOnce).registerOn(s);
    try {
      s.start();
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    server = s;
    serverTally = tally;
    bound.accept(s);
  }

  private void stopServer() throws InterruptedException {
    if (server != null) {
      server.close();
      serverTally.check(name + " server", violations);
      server = null;
    }
  }
}
