package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.testing.Await;
import io.callosum.testing.ManualTimer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * A balanced peer over several in-process servers: how calls spread, where keyed calls go, what
 * happens as servers go away, come back, shut down, appear and disappear in resolution, and that
 * close releases everything. Time (backoff, refresh) moves only with a {@link ManualTimer}.
 */
class BalancedPeerTest {
  private static final AtomicInteger RUN = new AtomicInteger();

  private final ManualTimer timer = new ManualTimer();
  private final Map<String, BoundPeer> servers = new ConcurrentHashMap<>();
  private final Map<String, List<Object>> served = new ConcurrentHashMap<>();
  private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
  private String prefix;

  @BeforeEach
  void name(TestInfo info) {
    prefix = "inproc://bal-" + RUN.incrementAndGet() + "-" + info.getTestMethod().get().getName();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    servers.values().forEach(Peer::close);
  }

  /** A server that answers "who" with its address and records every body it serves. */
  private String server(String name, Ordering ordering) {
    String address = prefix + "-" + name;
    BoundPeer s = Peer.builder().name(name).ordering(ordering).bind(address).build();
    s.handle(
        "who",
        (ctx, body) -> {
          served.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>()).add(body.value());
          return address;
        });
    servers.put(address, s.start());
    return address;
  }

  private String server(String name) {
    return server(name, Ordering.NONE);
  }

  private BalancedPeer client(BalancedPeer.Builder builder) {
    BalancedPeer c = builder.build();
    toClose.add(c);
    return c.start();
  }

  private Peer.Builder options() {
    return Peer.builder().name("client").timer(timer);
  }

  private Map<Object, Integer> tally(BalancedPeer client, int calls) {
    Map<Object, Integer> count = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      count.merge(client.invokeAndWait("who", i), 1, Integer::sum);
    }
    return count;
  }

  private void awaitState(BalancedPeer client, String address, String state) {
    Await.until(
        address + " " + state,
        () -> state.equals(BalancedEntries.states(client).get(address)),
        () -> BalancedEntries.states(client).toString());
  }

  @Test
  void roundRobinSpreadsCallsEvenly() {
    String a = server("a");
    String b = server("b");
    String c = server("c");
    BalancedPeer client = client(options().balance(Endpoints.of(a, b, c)));
    assertEquals(Map.of(a, 10, b, 10, c, 10), tally(client, 30));
  }

  @Test
  void leastOutstandingAvoidsASlowServer() {
    CountDownLatch release = new CountDownLatch(1);
    String slow = prefix + "-slow";
    BoundPeer s = Peer.builder().bind(slow).build();
    s.handle(
        "who",
        (ctx, body) -> {
          return release.await(10, TimeUnit.SECONDS) ? slow : "timed out";
        });
    servers.put(slow, s.start());
    String b = server("b");
    String c = server("c");
    BalancedPeer client =
        client(options().balance(Endpoints.of(slow, b, c)).policy(Balancing.LEAST_OUTSTANDING));
    int idle = BalancedEntries.of(client);
    List<CompletableFuture<Object>> slowCalls = new ArrayList<>();
    Map<Object, Integer> count = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      CompletableFuture<Object> f = client.invoke("who", i);
      if (i == 0) {
        // The first call goes to the slow server (every count is 0, and the turn starts there).
        slowCalls.add(f);
        continue;
      }
      count.merge(f.join(), 1, Integer::sum);
      Await.until("the call no longer counts", () -> BalancedEntries.of(client) == idle + 1);
    }
    assertEquals(Set.of(b, c), count.keySet(), "no call went to the slow server after the first");
    assertEquals(29, count.values().stream().mapToInt(Integer::intValue).sum());
    assertFalse(slowCalls.get(0).isDone());
    release.countDown();
    assertEquals(slow, slowCalls.get(0).join());
  }

  @Test
  void roundRobinWouldHaveSentCallsToTheSlowServer() {
    String a = server("a");
    String b = server("b");
    BalancedPeer client = client(options().balance(Endpoints.of(a, b)));
    CompletableFuture<Object> first = client.invoke("who", 0);
    first.join();
    assertEquals(Map.of(a, 5, b, 5), tally(client, 10));
  }

  @Test
  void oneOrderKeysCallsAllGoToOneServerInOrder() {
    List<String> all = new ArrayList<>();
    for (String n : List.of("a", "b", "c")) {
      all.add(server(n, Ordering.KEY_SERIALIZED));
    }
    BalancedPeer client = client(options().balance(Endpoints.of(all)));
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(client.call("who").orderKey("account-17").invoke(i));
    }
    Set<Object> where = new HashSet<>();
    calls.forEach(f -> where.add(f.join()));
    assertEquals(1, where.size(), "one key, one server: " + where);
    List<Object> order = served.get((String) where.iterator().next());
    for (int i = 0; i < 100; i++) {
      assertEquals((long) i, ((Number) order.get(i)).longValue(), "call " + i + " of the key");
    }
    Set<Object> keysSpread = new HashSet<>();
    for (int k = 0; k < 30; k++) {
      keysSpread.add(client.call("who").orderKey("key-" + k).invokeAndWait(k));
    }
    assertEquals(3, keysSpread.size(), "keys are spread over the servers");
  }

  @Test
  void aServerThatGoesAwayIsEjectedAndRejoinsAfterItsBackoff() {
    String a = server("a");
    String b = server("b");
    String c = server("c");
    BalancedPeer client =
        client(
            options()
                .balance(Endpoints.of(a, b, c))
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)));
    assertEquals(Map.of(a, 1, b, 1, c, 1), tally(client, 3));

    servers.remove(b).close();
    awaitState(client, b, "EJECTED");
    assertEquals(Map.of(a, 10, c, 10), tally(client, 20), "calls go on, on the others");

    timer.advance(Duration.ofMillis(100)); // the first retry: b is still away
    awaitState(client, b, "EJECTED");
    assertEquals(List.of(), retryDelaysAbove(Duration.ofMillis(200)), "the delay doubled");

    server("b"); // restarted at the same address
    timer.advance(Duration.ofMillis(200));
    awaitState(client, b, "READY");
    assertEquals(Map.of(a, 10, b, 10, c, 10), tally(client, 30));
  }

  private List<Duration> retryDelaysAbove(Duration max) {
    return timer.pendingDelays().stream().filter(d -> d.compareTo(max) > 0).toList();
  }

  @Test
  void withNoServerACallFailsAtOnceNamingEachEndpointAndWhy() throws Exception {
    String a = server("a");
    String b = server("b");
    BalancedPeer client = client(options().balance(Endpoints.of(a, b)));
    servers.remove(a).close();
    servers.remove(b).close();
    awaitState(client, a, "EJECTED");
    awaitState(client, b, "EJECTED");
    Throwable e = Await.failure(client.invoke("who", 1));
    assertInstanceOf(ConnectionLostException.class, e);
    assertTrue(
        e.getMessage().contains(a + " (connection lost")
            && e.getMessage().contains(b + " (connection lost")
            && e.getMessage().contains("next attempt in"),
        e.getMessage());
    StreamCall stream = client.call("who").serverStream(1);
    assertInstanceOf(ConnectionLostException.class, Await.failure(stream.result()));
    assertTrue(stream.downstream().isEnded());
  }

  @Test
  void anEndpointThatFailsItsFirstConnectIsRetriedUntilItAnswers() {
    String a = server("a");
    String b = prefix + "-b"; // not bound yet
    BalancedPeer client =
        client(
            options()
                .balance(Endpoints.of(a, b))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(50)));
    assertEquals("EJECTED", BalancedEntries.states(client).get(b));
    assertEquals(Map.of(a, 4), tally(client, 4));
    server("b");
    timer.advance(Duration.ofMillis(50));
    awaitState(client, b, "READY");
    assertEquals(Map.of(a, 2, b, 2), tally(client, 4));
  }

  @Test
  void aServerShuttingDownGetsNoNewCalls() {
    CountDownLatch release = new CountDownLatch(1);
    String a = prefix + "-a";
    BoundPeer s = Peer.builder().bind(a).build();
    s.handle("hold", (ctx, body) -> release.await(10, TimeUnit.SECONDS) ? "held" : "?");
    s.handle("who", (ctx, body) -> a);
    servers.put(a, s.start());
    String b = server("b");
    BalancedPeer client = client(options().balance(Endpoints.of(a, b)));
    CompletableFuture<Object> held = client.invoke("hold", null); // the turn starts at a
    Await.until("the call is held", () -> InternalEntries.of(s) > 0);
    s.shutdown();
    awaitState(client, a, "SHUTTING_DOWN");
    assertEquals(Map.of(b, 6), tally(client, 6));
    release.countDown();
    assertEquals("held", held.join(), "the call in flight finishes");
    awaitState(client, a, "EJECTED");
  }

  @Test
  void resolutionAddsAndDrainsEndpoints() throws Exception {
    String a = server("a");
    String b = server("b");
    String c = server("c");
    CountDownLatch release = new CountDownLatch(1);
    servers
        .get(a)
        .handle("hold", (ctx, body) -> release.await(10, TimeUnit.SECONDS) ? "held" : "?");
    String name = prefix.substring("inproc://".length());
    AtomicReference<List<String>> hosts = new AtomicReference<>(List.of(name + "-a", name + "-b"));
    BalancedPeer client =
        client(
            options()
                .balance(
                    Endpoints.of("dns+inproc://service")
                        .refreshEvery(Duration.ofSeconds(5))
                        .resolver(
                            host -> {
                              assertEquals("service", host);
                              return hosts.get();
                            })));
    assertEquals(Set.of(a, b), BalancedEntries.states(client).keySet());
    CompletableFuture<Object> held = client.invoke("hold", null); // the turn starts at a
    Await.until("the call is held", () -> InternalEntries.of(servers.get(a)) > 0);

    hosts.set(List.of(name + "-c", name + "-b"));
    timer.advance(Duration.ofSeconds(5));
    awaitState(client, c, "READY");
    awaitState(client, a, "DRAINING");
    assertEquals(Map.of(b, 5, c, 5), tally(client, 10), "no new calls for a draining endpoint");
    release.countDown();
    assertEquals("held", held.join(), "the drained endpoint's call finishes");
    Await.until("a is closed", () -> !BalancedEntries.states(client).containsKey(a));
    Await.until("a lost its client", () -> servers.get(a).remotes().isEmpty());

    hosts.set(List.of(name + "-b"));
    timer.advance(Duration.ofSeconds(5));
    Await.until("c dropped", () -> BalancedEntries.states(client).keySet().equals(Set.of(b)));
  }

  @Test
  void tooManyEndpointsAreRefusedOrCut() {
    assertThrows(
        IllegalArgumentException.class,
        () -> options().balance(Endpoints.of("inproc://x", "inproc://y")).maxEndpoints(1).build());
    String a = server("a");
    server("b");
    String name = prefix.substring("inproc://".length());
    BalancedPeer client =
        client(
            options()
                .balance(
                    Endpoints.of("dns+inproc://service")
                        .resolver(host -> List.of(name + "-b", name + "-a")))
                .maxEndpoints(1));
    assertEquals(Set.of(a), BalancedEntries.states(client).keySet(), "the first in sorted order");
  }

  /** Servers "a" and "b" that serve "ask" with the handler made for their address. */
  private List<String> askingServers(Function<String, Handler> ask) {
    List<String> all = new ArrayList<>();
    for (String n : List.of("a", "b")) {
      String address = prefix + "-" + n;
      BoundPeer s = Peer.builder().bind(address).build();
      s.handle("ask", ask.apply(address));
      servers.put(address, s.start());
      all.add(address);
    }
    return all;
  }

  @Test
  void handlersServeCallbacksOnEveryConnection() {
    List<String> all =
        askingServers(address -> (ctx, body) -> ctx.caller().invokeAndWait("answer", body.value()));
    BalancedPeer client = client(options().balance(Endpoints.of(all)));
    client.handle("answer", (ctx, body) -> "early " + body.value());
    assertEquals("early 1", client.invokeAndWait("ask", 1));
    assertEquals("early 2", client.invokeAndWait("ask", 2));
    client.handle("answer", (ctx, body) -> "late " + body.value());
    assertEquals("late 3", client.invokeAndWait("ask", 3));
    assertEquals("late 4", client.invokeAndWait("ask", 4));
  }

  @Test
  void eachConnectionsRemoteIsAtItsOwnEndpoint() {
    List<String> all =
        askingServers(
            address -> (ctx, body) -> address + " " + ctx.caller().invokeAndWait("whom", null));
    BalancedPeer client = client(options().balance(Endpoints.of(all)));
    client.handle("whom", (ctx, body) -> ctx.caller().address().orElse("unknown"));
    Set<String> asked = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      String[] servedAndSeen = ((String) client.invokeAndWait("ask", null)).split(" ");
      assertEquals(servedAndSeen[0], servedAndSeen[1]);
      asked.add(servedAndSeen[0]);
    }
    assertEquals(Set.copyOf(all), asked);
  }

  @Test
  void closeReleasesEveryConnectionTimerTaskAndThread() throws Exception {
    String a = server("a");
    String b = server("b");
    BalancedPeer client =
        Peer.builder()
            .name("leaky")
            .timer(timer)
            .balance(
                Endpoints.of(a, b, prefix + "-never", "dns+inproc://svc")
                    .resolver(host -> List.of(prefix.substring(9) + "-a")))
            .build()
            .start();
    assertEquals(Map.of(a, 2, b, 1), tally(client, 3));
    assertTrue(timer.scheduled() >= 2, "a retry and a refresh are scheduled");
    client.close();
    assertEquals(0, BalancedEntries.of(client));
    assertEquals(0, timer.scheduled(), "retries and refreshes cancelled");
    assertTrue(client.isTerminated());
    Await.until(
        "no thread of the balanced peer is left",
        () -> leftThreads("leaky").isEmpty(),
        () -> leftThreads("leaky").toString());
    for (String s : List.of(a, b)) {
      Await.until(s + " has no client", () -> servers.get(s).remotes().isEmpty());
      assertEquals(0, InternalEntries.of(servers.get(s)));
    }
    assertInstanceOf(ConnectionLostException.class, Await.failure(client.invoke("who", 1)));
  }

  private static List<String> leftThreads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.startsWith(name + "-"))
        .toList();
  }

  @Test
  void shutdownLetsCallsInFlightFinish() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    String a = server("a");
    servers
        .get(a)
        .handle("hold", (ctx, body) -> release.await(10, TimeUnit.SECONDS) ? "held" : "?");
    BalancedPeer client = client(options().balance(Endpoints.of(a)));
    CompletableFuture<Object> held = client.invoke("hold", null);
    Await.until("the call is held", () -> InternalEntries.of(servers.get(a)) > 0, held::toString);
    client.shutdown();
    assertTrue(client.isShutdown());
    assertInstanceOf(ShuttingDownException.class, Await.failure(client.invoke("who", 1)));
    assertFalse(client.awaitTermination(Duration.ofMillis(20)));
    release.countDown();
    assertEquals("held", held.join());
    assertTrue(client.awaitTermination(Await.LIMIT));
    assertEquals(0, BalancedEntries.of(client));
  }

  @Test
  void aPeerShutDownBeforeItStartedTerminatesAtOnce() throws Exception {
    BalancedPeer client = options().balance(Endpoints.of(prefix + "-x")).build();
    toClose.add(client);
    client.shutdown();
    assertTrue(client.awaitTermination(Await.LIMIT));
    assertTrue(client.isShutdown() && client.isTerminated());
  }

  @Test
  void aClosedOrUnstartedPeerRefusesCalls() throws Exception {
    String a = server("a");
    BalancedPeer client = options().balance(Endpoints.of(a)).build();
    toClose.add(client);
    assertTrue(Await.failure(client.invoke("who", 1)).getMessage().contains("not started"));
    client.start();
    assertThrows(IllegalStateException.class, client::start);
    client.close();
    assertTrue(Await.failure(client.invoke("who", 1)).getMessage().contains("closed"));
  }
}
