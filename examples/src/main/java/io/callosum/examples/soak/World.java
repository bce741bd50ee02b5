package io.callosum.examples.soak;

import io.callosum.Ordering;
import io.callosum.examples.soak.Violations.Kind;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything one soak runs: for each lower, a {@link Site} per ordering policy (its client reaching
 * its server through a {@link FaultProxy}) and a {@link FanoutSite}; with TCP, also a {@link
 * GatewayPair} with a site per ordering behind it. Servers bind and clients connect on transports
 * of their own, so that each side has its own I/O threads. TCP peers reconnect after 100 ms backing
 * off to 1 s (not the default 10 s), so that a client is back soon after its server.
 *
 * <p>Built and closed by the soak's main thread; read by its workload and fault threads.
 */
final class World implements AutoCloseable {
  static final TcpOptions TCP_OPTIONS =
      TcpOptions.builder().reconnect(Duration.ofMillis(100), Duration.ofSeconds(1)).build();

  /** How long one thing may take to close before the soak reports it and goes on. */
  private static final Duration CLOSE_WITHIN = Duration.ofSeconds(60);

  /** Something to close, and its name in a report that it did not close. */
  private record Closing(String what, Runnable close) {}

  private final Violations violations;
  private final List<Closing> closeables = new ArrayList<>(); // closed last first
  private final List<Site> sites = new ArrayList<>();
  private final List<FanoutSite> fanouts = new ArrayList<>();
  private final Map<String, FaultProxy> proxies = new LinkedHashMap<>();
  private final Map<String, Restartable> restartables = new LinkedHashMap<>();

  private World(Violations violations) {
    this.violations = violations;
  }

  /** Opens the world of {@code lowers}, its calls booked in {@code ledger}. */
  static World open(Set<Lower> lowers, Ledger ledger, Violations violations) throws Exception {
    World w = new World(violations);
    try {
      for (Lower lower : lowers) {
        w.openLower(lower, ledger, violations);
      }
      if (lowers.contains(Lower.TCP)) {
        w.openGateways(ledger, violations);
      }
      return w;
    } catch (Exception | Error e) {
      w.close(); // what was opened so far
      throw e;
    }
  }

  private void openLower(Lower lower, Ledger ledger, Violations violations) throws Exception {
    Transport servers = transport(lower);
    Transport clients = transport(lower);
    for (Ordering ordering : Ordering.values()) {
      String name = lower.label() + "-" + label(ordering);
      FaultProxy proxy = proxy(new FaultProxy(name, 1)); // pointed at the server once it is bound
      String via = lower.scheme + "://127.0.0.1:" + proxy.port();
      site(
          new Site(
              name,
              ordering,
              b -> b.transport(servers).bind(lower.scheme + "://127.0.0.1:0"),
              s -> proxy.retarget(GatewayPair.port(s.address())),
              b -> b.transport(clients).connect(via),
              ledger,
              violations));
    }
    FanoutSite f =
        new FanoutSite(lower.label() + "-fanout", lower.scheme, servers, clients, violations);
    closeables.add(new Closing("fan-out " + lower.label(), f::close));
    fanouts.add(f);
    f.proxies().forEach(p -> proxies.put(p.name(), p));
  }

  private void openGateways(Ledger ledger, Violations violations) throws Exception {
    GatewayPair pair = new GatewayPair(TCP_OPTIONS);
    closeables.add(new Closing("the gateway pair", pair::close));
    pair.proxies().forEach(p -> proxies.put(p.name(), p));
    restartables.put(pair.a().name(), pair.a());
    restartables.put(pair.b().name(), pair.b());
    if (!pair.awaitLink(Duration.ofSeconds(20))) {
      throw new IllegalStateException("the link between the soak's gateways did not come up");
    }
    for (Ordering ordering : Ordering.values()) {
      String name = "gw-" + label(ordering);
      String address = "tunnel://B/soak-" + label(ordering);
      site(
          new Site(
              name,
              ordering,
              b -> b.transport(pair.viaB()).bind(address),
              s -> {},
              b -> b.transport(pair.viaA()).connect(address),
              ledger,
              violations));
    }
  }

  private static Transport transport(Lower lower) {
    return lower == Lower.TCP ? new TcpTransport(TCP_OPTIONS) : new ZmqTransport();
  }

  private FaultProxy proxy(FaultProxy p) {
    closeables.add(new Closing("proxy " + p.name(), p::close));
    proxies.put(p.name(), p);
    return p;
  }

  private void site(Site s) {
    closeables.add(new Closing("site " + s.name(), s::close));
    sites.add(s);
    restartables.put(s.name(), s);
  }

  static String label(Ordering ordering) {
    return switch (ordering) {
      case NONE -> "none";
      case KEY_RETURN_ORDERED -> "return-ordered";
      case KEY_SERIALIZED -> "serialized";
    };
  }

  List<Site> sites() {
    return sites;
  }

  List<FanoutSite> fanouts() {
    return fanouts;
  }

  /** The proxies by name. */
  Map<String, FaultProxy> proxies() {
    return proxies;
  }

  /** The servers and gateways that faults may restart, by name. */
  Map<String, Restartable> restartables() {
    return restartables;
  }

  /**
   * Closes everything, the last opened first. A close that does not return within a minute is
   * reported ({@link Kind#RESOURCES}: what it holds is not released) and left behind, so that the
   * soak still ends with its summary; the first failure is thrown once all are closed.
   */
  @Override
  public void close() {
    RuntimeException first = null;
    for (int i = closeables.size() - 1; i >= 0; i--) {
      Closing c = closeables.get(i);
      CompletableFuture<Void> closed = new CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  c.close().run();
                  closed.complete(null);
                } catch (RuntimeException e) {
                  closed.completeExceptionally(e);
                }
              },
              "soak-close");
      t.setDaemon(true);
      t.start();
      try {
        closed.get(CLOSE_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        violations.add(
            Kind.RESOURCES,
            "closing " + c.what() + " did not return within " + CLOSE_WITHIN.toSeconds() + " s");
      } catch (ExecutionException e) {
        RuntimeException failure = (RuntimeException) e.getCause();
        if (first == null) {
          first = failure;
        } else {
          first.addSuppressed(failure);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
