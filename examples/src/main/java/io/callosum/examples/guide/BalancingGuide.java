package io.callosum.examples.guide;

import io.callosum.BalancedPeer;
import io.callosum.Balancing;
import io.callosum.Endpoints;
import io.callosum.Peer;
import java.time.Duration;
import java.util.List;

/**
 * The snippets of the user guide's section "Clients over many endpoints" (docs/GUIDE.md): a client
 * of several replicas, and replicas found by resolving a name.
 */
final class BalancingGuide {
  private BalancingGuide() {}

  /** Places two orders with {@code replicas}; returns the replica that served the keyed one. */
  static Object placeOrders(List<String> replicas) {
    // guide:balance
    try (BalancedPeer orders =
        Peer.builder()
            .name("orders-client")
            .defaultTimeout(Duration.ofSeconds(5)) // every option applies to every connection
            .balance(Endpoints.of(replicas)) // e.g. "tcp://10.0.0.7:7000", "tcp://10.0.0.8:7000"
            .policy(Balancing.LEAST_OUTSTANDING) // default ROUND_ROBIN
            .backoff(Duration.ofMillis(100), Duration.ofSeconds(10)) // retries of a lost replica
            .build()
            .start()) {
      orders.invokeAndWait("place", "book"); // to any ready replica
      // Every call with this key goes to one replica, so its order holds there:
      return orders.call("place").orderKey("customer-17").invokeAndWait("pen");
    }
    // end guide:balance
  }

  /** A client of every address {@code resolver} gives for the service's name, on {@code port}. */
  static BalancedPeer headless(Endpoints.HostResolver resolver, int port) {
    // guide:resolve
    Endpoints replicas =
        Endpoints.of("dns+tcp://orders.default.svc.cluster.local:" + port)
            .refreshEvery(Duration.ofSeconds(10)) // resolved again this often
            .resolver(resolver); // optional: the system's resolver by default
    return Peer.builder().balance(replicas).build().start();
    // end guide:resolve
  }
}
