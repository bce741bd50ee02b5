package io.callosum.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.RemoteInternalException;
import io.callosum.RemoteUserException;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The meters of two peers over TCP on loopback, each with its own registry. */
class CallosumMetricsTest {
  @RegisterExtension final Closer closer = new Closer();

  private final SimpleMeterRegistry serverRegistry = new SimpleMeterRegistry();
  private final SimpleMeterRegistry clientRegistry = new SimpleMeterRegistry();

  private BoundPeer server(CallosumMetrics metrics) {
    BoundPeer server =
        closer.later(Peer.builder().interceptor(metrics).bind("tcp://127.0.0.1:0").build());
    server.handle("echo", (ctx, body) -> body.value());
    server.handle(
        "fail",
        (ctx, body) -> {
          throw new IllegalStateException("no");
        });
    server.start();
    metrics.monitor(server);
    return server;
  }

  private ConnectedPeer client(BoundPeer server, CallosumMetrics metrics) {
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .interceptor(metrics)
                .defaultTimeout(Await.LIMIT)
                .connect(server.address())
                .build()
                .start());
    metrics.monitor(client);
    return client;
  }

  private static Timer timer(
      SimpleMeterRegistry registry, String side, String method, String outcome) {
    Timer t =
        registry
            .find("callosum.calls")
            .tags("side", side, "method", method, "outcome", outcome)
            .timer();
    assertNotNull(t, side + " " + method + " " + outcome + " in " + registry.getMetersAsString());
    return t;
  }

  private static double gauge(SimpleMeterRegistry registry, String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  @Test
  void callsAreTimedPerSideMethodAndOutcome() throws Exception {
    CallosumMetrics serverMetrics = CallosumMetrics.builder(serverRegistry).build();
    CallosumMetrics clientMetrics = CallosumMetrics.builder(clientRegistry).build();
    BoundPeer server = server(serverMetrics);
    ConnectedPeer client = client(server, clientMetrics);
    for (int i = 0; i < 3; i++) {
      assertEquals("hi", client.invokeAndWait("echo", "hi"));
    }
    assertThrows(RemoteUserException.class, () -> client.invokeAndWait("fail", null));
    assertThrows(RemoteInternalException.class, () -> client.invokeAndWait("nope", null));

    Await.until(
        "the server's last call is counted",
        () ->
            serverRegistry
                    .find("callosum.calls")
                    .tags("method", CallosumMetrics.UNKNOWN_METHOD)
                    .timer()
                != null);
    assertEquals(3, timer(serverRegistry, "callee", "echo", "OK").count());
    assertEquals(3, timer(clientRegistry, "caller", "echo", "OK").count());
    assertEquals(1, timer(serverRegistry, "callee", "fail", "REMOTE_USER_ERROR").count());
    assertEquals(1, timer(clientRegistry, "caller", "fail", "REMOTE_USER_ERROR").count());
    assertEquals(1, timer(serverRegistry, "callee", "unknown", "NO_SUCH_METHOD").count());
    assertEquals(1, timer(clientRegistry, "caller", "nope", "NO_SUCH_METHOD").count());
    assertTrue(timer(serverRegistry, "callee", "echo", "OK").totalTime(TimeUnit.NANOSECONDS) > 0);

    double in =
        serverRegistry.get("callosum.bytes.received").tags("method", "echo").counter().count();
    double out = serverRegistry.get("callosum.bytes.sent").tags("method", "echo").counter().count();
    assertTrue(in > 3 * 30 && out > 3 * 30, "bytes of three echo calls: " + in + " in, " + out);
    assertEquals(
        out,
        clientRegistry.get("callosum.bytes.received").tags("method", "echo").counter().count(),
        "what the server sent is what the client received");
  }

  @Test
  void callsInFlightAndConnectionsAreGauged() throws Exception {
    CallosumMetrics serverMetrics = CallosumMetrics.builder(serverRegistry).build();
    CallosumMetrics clientMetrics = CallosumMetrics.builder(clientRegistry).build();
    BoundPeer server = server(serverMetrics);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.handle(
        "block",
        (ctx, body) -> {
          entered.countDown();
          return release.await(10, TimeUnit.SECONDS);
        });
    ConnectedPeer client = client(server, clientMetrics);
    assertEquals(1, gauge(serverRegistry, "callosum.connections", "lower", "tcp"));
    assertEquals(1, gauge(clientRegistry, "callosum.connections", "lower", "tcp"));

    CompletableFuture<Object> blocked = client.invoke("block", null);
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    assertEquals(1, gauge(serverRegistry, "callosum.calls.active", "side", "callee"));
    assertEquals(1, gauge(clientRegistry, "callosum.calls.active", "side", "caller"));
    assertEquals(0, gauge(serverRegistry, "callosum.calls.active", "side", "caller"));
    release.countDown();
    assertEquals(true, blocked.get(10, TimeUnit.SECONDS));
    Await.until(
        "no call is active",
        () ->
            gauge(serverRegistry, "callosum.calls.active", "side", "callee") == 0
                && gauge(clientRegistry, "callosum.calls.active", "side", "caller") == 0);

    client.close();
    Await.until(
        "the server counts no connection",
        () -> gauge(serverRegistry, "callosum.connections", "lower", "tcp") == 0);
    assertEquals(0, gauge(clientRegistry, "callosum.connections", "lower", "tcp"));
  }

  @Test
  void methodTagsStayBoundedWhateverNamesAreCalled() throws Exception {
    CallosumMetrics serverMetrics = CallosumMetrics.builder(serverRegistry).maxMethods(2).build();
    CallosumMetrics clientMetrics = CallosumMetrics.builder(clientRegistry).maxMethods(3).build();
    BoundPeer server = server(serverMetrics);
    ConnectedPeer client = client(server, clientMetrics);
    for (int i = 0; i < 20; i++) {
      String made = "made-up-" + i;
      assertThrows(RemoteInternalException.class, () -> client.invokeAndWait(made, null));
    }
    client.invokeAndWait("echo", 1);
    client.invokeAndWait("echo", 2);
    Await.until(
        "the server counted every call",
        () -> timerCount(serverRegistry, "callee") == 22,
        () -> serverRegistry.getMetersAsString());
    assertEquals(
        Set.of("unknown", "echo"),
        methodTags(serverRegistry),
        "made-up names never become tags on the serving side");
    assertEquals(
        Set.of("made-up-0", "made-up-1", "made-up-2", "other"),
        methodTags(clientRegistry),
        "the caller keeps the first three names");
    assertEquals(
        2, timer(clientRegistry, "caller", "other", "OK").count(), "echo came too late for a tag");
    assertEquals(17, timer(clientRegistry, "caller", "other", "NO_SUCH_METHOD").count());
  }

  @Test
  void percentileHistogramsWhenAskedFor() throws Exception {
    Map<String, Boolean> histograms = new ConcurrentHashMap<>();
    for (SimpleMeterRegistry r : List.of(serverRegistry, clientRegistry)) {
      String side = r == serverRegistry ? "server" : "client";
      r.config()
          .meterFilter(
              new MeterFilter() {
                @Override
                public DistributionStatisticConfig configure(
                    Meter.Id id, DistributionStatisticConfig config) {
                  if (id.getName().equals("callosum.calls")) {
                    histograms.put(side, Boolean.TRUE.equals(config.isPercentileHistogram()));
                  }
                  return config;
                }
              });
    }
    BoundPeer server =
        server(CallosumMetrics.builder(serverRegistry).percentileHistograms(true).build());
    ConnectedPeer client = client(server, CallosumMetrics.builder(clientRegistry).build());
    client.invokeAndWait("echo", 1);
    Await.until("both timers are made", () -> histograms.size() == 2, histograms::toString);
    assertEquals(Map.of("server", true, "client", false), histograms, "off by default");
  }

  @Test
  void broadcastLossesAreCounted() throws Exception {
    CallosumMetrics metrics = CallosumMetrics.builder(serverRegistry).build();
    Broadcaster prices = closer.later(Broadcaster.builder().bind("tcp://127.0.0.1:0").build());
    BroadcastReceiver slow =
        closer.later(
            BroadcastReceiver.builder().connect(prices.address()).queueCapacity(1).build());
    metrics.monitor("prices", prices).monitor("prices", slow);
    Await.until(
        "the receiver misses items it does not take",
        () -> {
          for (int i = 0; i < 50; i++) {
            prices.publish("eur", Payload.wrap(new byte[] {1}));
          }
          try {
            while (slow.poll(Duration.ofMillis(10)) != null) {
              // take what is queued, so that the next item shows the gap
            }
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          return slow.missed() > 0;
        });
    double missed =
        serverRegistry
            .get("callosum.fanout.dropped")
            .tags("fanout", "prices", "role", "receiver")
            .functionCounter()
            .count();
    assertTrue(missed > 0 && missed <= slow.missed(), missed + " of " + slow.missed());
    assertEquals(
        prices.dropped(),
        serverRegistry
            .get("callosum.fanout.dropped")
            .tags("fanout", "prices", "role", "publisher")
            .functionCounter()
            .count());
  }

  private static long timerCount(SimpleMeterRegistry registry, String side) {
    return registry.find("callosum.calls").tags("side", side).timers().stream()
        .mapToLong(Timer::count)
        .sum();
  }

  private static Set<String> methodTags(SimpleMeterRegistry registry) {
    Set<String> tags = new TreeSet<>();
    for (Meter m : registry.find("callosum.calls").meters()) {
      tags.add(m.getId().getTag("method"));
    }
    return tags;
  }
}
