package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A timer of jeromq's I/O thread that throws does not end the thread (jeromq 0.6.0 lets it end, and
 * a heartbeat timer of a torn-down connection does throw): the context's other sockets are still
 * served, and the context still terminates.
 */
class PollerFailureTest {
  private static final URI ANY = URI.create("zmq+tcp://127.0.0.1:0");

  @Test
  void aFailingTimerLeavesTheOtherSocketsServedAndTheContextTerminates() throws Exception {
    SharedContext shared = new SharedContext(1, 1_000);
    ZMQ.Context context = shared.acquire();
    AtomicInteger hookCalls = new AtomicInteger();
    ZMQ.Socket failing = context.socket(SocketType.ROUTER);
    // Its handshake deadline is a timer of the I/O thread, which calls the event hook there: the
    // hook throws the first time, as the torn-down connection's heartbeat timer does.
    failing.setHandshakeIvl(50);
    failing.setLinger(0);
    failing
        .base()
        .setEventHook(
            e -> {
              if (hookCalls.getAndIncrement() == 0) {
                throw new IllegalStateException("failing on purpose in a timer of the I/O thread");
              }
            },
            ZMQ.EVENT_DISCONNECTED);
    int port = failing.bindToRandomPort("tcp://127.0.0.1");
    try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
      Await.until("the handshake deadline has passed", () -> hookCalls.get() > 0);
    }

    LinkRecorder serverSide = new LinkRecorder();
    TransportConfig config = new TransportConfig(Capabilities.LEGACY, 4 << 20, Await.LIMIT);
    ZmqOptions options = ZmqOptions.defaults();
    RouterEndpoint server = RouterEndpoint.bind(shared, ANY, config, serverSide, options);
    LinkRecorder clientSide = new LinkRecorder();
    DealerEndpoint client =
        DealerEndpoint.connect(shared, URI.create(server.address()), config, clientSide, options);
    clientSide
        .links
        .peek()
        .send(new Envelope(new byte[] {1}, "hi".getBytes(StandardCharsets.US_ASCII)));
    Await.until(
        "the server receives",
        () ->
            serverSide.envelopes.stream()
                .anyMatch(e -> new String(e.body(), StandardCharsets.US_ASCII).equals("hi")));
    client.close();
    server.close();
    failing.close();

    CompletableFuture<Void> terminated = CompletableFuture.runAsync(shared::release);
    terminated.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(0, shared.users());
  }

  @Test
  void aLoopThatKeepsFailingIsLetGo() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    Thread t =
        ResilientPollerThreads.factory(false)
            .apply(
                () -> {
                  runs.incrementAndGet();
                  throw new IllegalStateException("always");
                },
                "test-loop");
    t.setUncaughtExceptionHandler((thread, e) -> {}); // its end is expected here
    t.start();
    t.join(Duration.ofSeconds(10).toMillis());
    assertEquals(ResilientPollerThreads.MAX_FAILURES + 1, runs.get());
  }
}
