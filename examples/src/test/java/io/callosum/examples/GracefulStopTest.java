package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Futures;
import io.callosum.Peer;
import io.callosum.ShuttingDownException;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code callosum serve} and {@code callosum gateway} in child processes, stopped by SIGTERM while
 * a call is in flight: the call completes, new ones are refused, and the process exits 0; past the
 * grace period what is left is cancelled and the exit code says so.
 */
class GracefulStopTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension final Closer closer = new Closer();

  private static String after(String prefix, String line) {
    return line.substring(prefix.length());
  }

  /** A child {@code serve}, and a client with a sleep in flight on it. */
  private record Busy(ChildTool serve, ConnectedPeer client, CompletableFuture<Object> sleep) {}

  /** Runs {@code serve --grace GRACE} in a child and calls its sleep of {@code seconds}. */
  private Busy sleeping(String grace, int seconds) throws Exception {
    ChildTool serve =
        closer.later(ChildTool.start("serve", "--bind", "tcp://127.0.0.1:0", "--grace", grace));
    String address = after("READY ", serve.out.awaitLine(l -> l.startsWith("READY "), WAIT));
    ConnectedPeer client =
        closer.later(Peer.builder().connect(address).defaultTimeout(WAIT).build().start());
    CompletableFuture<Object> sleep = client.invoke("sleep", Map.of("s", seconds));
    // Replies come on the connection the calls went on, and the server reads them in order: once
    // the echo is answered, the sleep is in flight there.
    assertEquals("after the sleep", Futures.await(client.invoke("echo", "after the sleep")));
    return new Busy(serve, client, sleep);
  }

  @Test
  void serveFinishesTheCallInFlightOnSigtermAndExitsZero() throws Exception {
    Busy busy = sleeping("30s", 3);
    ChildTool serve = busy.serve();
    serve.sigterm();
    serve.err.awaitLine(l -> l.startsWith("stopping"), WAIT);
    ShuttingDownException refused =
        assertThrows(
            ShuttingDownException.class,
            () -> Futures.await(busy.client().invoke("echo", "too late")));
    assertTrue(refused.isRemote(), refused::toString);
    assertFalse(busy.sleep().isDone(), "the sleep is still running");
    assertEquals("done", Futures.await(busy.sleep()));
    assertEquals(ExitCodes.OK, serve.awaitExit(WAIT), serve::toString);
    String log = serve.err.toString();
    int stopping = log.indexOf("stopping");
    int slept = log.indexOf(" sleep -> ok");
    assertTrue(0 <= stopping && stopping < slept, serve::toString);
    assertTrue(log.indexOf("\nstopped") > slept, serve::toString);
  }

  @Test
  void serveCancelsWhatOutlastsTheGracePeriodAndExitsTen() throws Exception {
    Busy busy = sleeping("200ms", 600);
    ChildTool serve = busy.serve();
    serve.sigterm();
    assertInstanceOf(ConnectionLostException.class, Await.failure(busy.sleep()));
    assertEquals(ExitCodes.CUT_SHORT, serve.awaitExit(WAIT), serve::toString);
    assertTrue(serve.err.toString().contains("the grace period is over"), serve::toString);
  }

  @Test
  void theGatewayRelaysAChannelInFlightOnSigtermThenExitsZero(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, "cluster: lab\nlisten: tcp://127.0.0.1:0\n");
    ChildTool gateway =
        closer.later(ChildTool.start("gateway", "--config", config.toString(), "--grace", "30s"));
    String ready = gateway.out.awaitLine(l -> l.startsWith("READY "), WAIT);
    URI peers = URI.create(ready.replaceAll(".* peers=(\\S+) .*", "$1"));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BoundPeer server =
        closer.later(
            Peer.builder()
                .transport(new TcpTransport(TcpOptions.builder().gateway(peers).build()))
                .bind("tunnel://lab/s1")
                .build());
    server.handle(
        "slow",
        (ctx, body) -> {
          entered.countDown();
          assertTrue(release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
          return "done";
        });
    server.start();
    TcpTransport viaGateway = new TcpTransport(TcpOptions.builder().gateway(peers).build());
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(viaGateway)
                .connect("tunnel://lab/s1")
                .defaultTimeout(WAIT)
                .build()
                .start());
    CompletableFuture<Object> slow = client.invoke("slow", null);
    assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));

    gateway.sigterm();
    gateway.err.awaitLine(l -> l.startsWith("stopping"), WAIT);
    ConnectedPeer late =
        closer.later(
            Peer.builder()
                .transport(viaGateway)
                .connect("tunnel://lab/s1")
                .connectTimeout(Duration.ofSeconds(5))
                .build());
    ConnectionLostException refused = assertThrows(ConnectionLostException.class, late::start);
    assertTrue(refused.getMessage().contains("shutting down"), refused::getMessage);
    release.countDown();
    assertEquals("done", Futures.await(slow), "the call in flight is relayed to its end");
    client.close(); // its channel was the last one open
    assertEquals(ExitCodes.OK, gateway.awaitExit(WAIT), gateway::toString);
  }
}
