package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BalancedPeer;
import io.callosum.BoundPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Endpoints;
import io.callosum.Peer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.ManualTimer;
import io.callosum.testing.PeerProbe;
import io.callosum.testing.Restarts;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A balanced peer over real TCP servers on loopback ports: one is killed (closed) and restarted on
 * the same port, and rejoins once its backoff has passed; a name resolved to several loopback
 * addresses gains and loses endpoints. Backoff and refresh move with a manual timer.
 */
class TcpBalancedPeerTest {
  @RegisterExtension final Closer closer = new Closer();

  private final ManualTimer timer = new ManualTimer();

  private BoundPeer server(String address, String name) {
    BoundPeer s =
        closer.later(Peer.builder().name(name).bind(address).build().handle("who", (c, b) -> name));
    return s;
  }

  private static Map<Object, Integer> tally(BalancedPeer client, int calls) {
    Map<Object, Integer> count = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      count.merge(client.invokeAndWait("who", i), 1, Integer::sum);
    }
    return count;
  }

  private static void awaitState(BalancedPeer client, String address, String state) {
    Await.until(
        address + " " + state,
        () -> state.equals(PeerProbe.states(client).get(address)),
        () -> PeerProbe.states(client).toString());
  }

  @Test
  void aKilledServerIsEjectedAndRejoinsOnceRestartedOnItsPort() throws Exception {
    String a = server("tcp://127.0.0.1:0", "a").start().address();
    BoundPeer b = server("tcp://127.0.0.1:0", "b").start();
    String bAddress = b.address();
    String c = server("tcp://127.0.0.1:0", "c").start().address();
    BalancedPeer client =
        closer.later(
            Peer.builder()
                .name("tcp-balanced")
                .timer(timer)
                .balance(Endpoints.of(a, bAddress, c))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .build()
                .start());
    assertEquals(Map.of("a", 2, "b", 2, "c", 2), tally(client, 6));

    b.close(); // killed: its connection is lost
    awaitState(client, bAddress, "EJECTED");
    assertEquals(Map.of("a", 5, "c", 5), tally(client, 10), "calls keep succeeding on the others");

    timer.advance(Duration.ofMillis(100)); // retried while still down: refused, ejected again
    Await.until(
        "the retry was refused",
        () -> timer.pendingDelays().stream().anyMatch(d -> d.compareTo(Duration.ofMillis(100)) > 0),
        () -> timer.pendingDelays().toString());
    awaitState(client, bAddress, "EJECTED");

    BoundPeer restarted = Restarts.bindAgain(() -> server(bAddress, "b"));
    assertEquals(bAddress, restarted.address(), "the same port");
    timer.advance(Duration.ofMillis(200));
    awaitState(client, bAddress, "READY");
    assertEquals(Map.of("a", 3, "b", 3, "c", 3), tally(client, 9));

    client.close();
    assertEquals(0, PeerProbe.entries(client));
    assertEquals(0, timer.scheduled());
    Await.until("the servers lost their client", () -> restarted.remotes().isEmpty());
    assertEquals(0, PeerProbe.entries(restarted));
  }

  @Test
  void aNameResolvingToSeveralAddressesGainsAndLosesEndpoints() throws Exception {
    BoundPeer one = server("tcp://127.0.0.1:0", "one").start();
    int port = URI.create(one.address()).getPort();
    BoundPeer two = server("tcp://127.0.0.2:" + port, "two").start();
    AtomicReference<List<String>> hosts = new AtomicReference<>(List.of("127.0.0.1"));
    BalancedPeer client =
        closer.later(
            Peer.builder()
                .timer(timer)
                .balance(
                    Endpoints.of("dns+tcp://orders.test:" + port)
                        .refreshEvery(Duration.ofSeconds(10))
                        .resolver(host -> hosts.get()))
                .build()
                .start());
    assertEquals(Map.of("one", 4), tally(client, 4));

    hosts.set(List.of("127.0.0.2", "127.0.0.1"));
    timer.advance(Duration.ofSeconds(10));
    awaitState(client, "tcp://127.0.0.2:" + port, "READY");
    assertEquals(Map.of("one", 2, "two", 2), tally(client, 4));

    hosts.set(List.of("127.0.0.2"));
    timer.advance(Duration.ofSeconds(10));
    Await.until(
        "127.0.0.1 dropped",
        () -> PeerProbe.states(client).keySet().equals(Set.of("tcp://127.0.0.2:" + port)),
        () -> PeerProbe.states(client).toString());
    Await.until("one lost its client", () -> one.remotes().isEmpty());
    assertEquals(Map.of("two", 4), tally(client, 4));

    two.close();
    awaitState(client, "tcp://127.0.0.2:" + port, "EJECTED");
    CompletableFuture<Object> none = client.invoke("who", 0);
    Throwable e = Await.failure(none);
    assertInstanceOf(ConnectionLostException.class, e);
    assertTrue(
        e.getMessage().contains("tcp://127.0.0.2:" + port + " (connection lost"), e.getMessage());
  }
}
