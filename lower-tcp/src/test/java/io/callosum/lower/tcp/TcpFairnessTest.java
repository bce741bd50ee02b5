package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.ConnectedPeer;
import io.callosum.Limits;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.SlotHog;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One remote cannot starve the others, played with real peers and raw sockets over TCP: a client
 * hogging the handler slots or the queue (each client on its own transport, so its own connection),
 * connections of one identity sharing one fair share, weights per identity, and idle connections
 * from one source address that must not take every connection of the endpoint (other sources are
 * played by binding the client side to 127.0.0.2 and 127.0.0.3).
 */
class TcpFairnessTest {
  @RegisterExtension final Closer closer = new Closer();

  private BoundPeer server(TcpTransport transport, UnaryOperator<BoundPeer.Builder> config) {
    BoundPeer.Builder b =
        Peer.builder()
            .transport(transport)
            .bind("tcp://127.0.0.1:0")
            .name("server")
            .defaultTimeout(Await.LIMIT);
    BoundPeer p = closer.later(config.apply(b).build());
    p.handle("echo", (ctx, body) -> body.value());
    return p.start();
  }

  /** A client on a transport of its own: a connection of its own. */
  private ConnectedPeer client(Peer server, TcpTransport transport) {
    return SlotHog.client(closer, transport, server);
  }

  private BoundPeer plainServer(UnaryOperator<BoundPeer.Builder> config) {
    return server(new TcpTransport(), config);
  }

  private ConnectedPeer ownConnection(BoundPeer server) {
    return client(server, new TcpTransport());
  }

  @Test
  void aClientFillingTheHandlerSlotsDoesNotStarveAnotherClient() throws Exception {
    SlotHog.aSlotHogDoesNotStarveAnotherRemote(
        this::plainServer, this::ownConnection, this::ownConnection);
  }

  @Test
  void aClientFillingTheQueueLosesItsNewestWaitingCallToAnotherClientsCall() throws Exception {
    SlotHog.aFullQueueCutsTheRemoteHoldingTheMost(
        this::plainServer, this::ownConnection, this::ownConnection);
  }

  // ---------------------------------------------------------------- identities and weights

  private final CurveKeyPair serverKeys = CurveKeyPair.generate();
  private final CurveKeyPair aliceKeys = CurveKeyPair.generate();
  private final CurveKeyPair bobKeys = CurveKeyPair.generate();

  private TcpTransport curveServer() {
    AllowListAuthenticator allow = new AllowListAuthenticator("fair", serverKeys);
    allow.allow(aliceKeys.publicKey(), "alice");
    allow.allow(bobKeys.publicKey(), "bob");
    return new TcpTransport(TcpOptions.builder().curveServer(allow).build());
  }

  private TcpTransport curveClient(CurveKeyPair keys) {
    return new TcpTransport(
        TcpOptions.builder()
            .curveClient(ClientAuthenticator.of(serverKeys.publicKey(), keys))
            .build());
  }

  /**
   * Alice calls over two connections, then bob over one, 10 slow calls each, at a server with 4
   * slots. The slow calls end one at a time, oldest first, each freeing a slot; afterwards the
   * handlers running are counted per identity.
   */
  private Map<String, Integer> runningAfterTurnover(ToIntFunction<Optional<String>> weights)
      throws Exception {
    Semaphore gate = new Semaphore(0, true);
    AtomicInteger started = new AtomicInteger();
    AtomicInteger admitted = new AtomicInteger();
    Map<String, Integer> running = new ConcurrentHashMap<>();
    BoundPeer server =
        server(
            curveServer(),
            b ->
                b.limits(Limits.builder().maxConcurrentCalls(4).maxQueuedCalls(100).build())
                    .shareWeights(weights)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            admitted.incrementAndGet();
                          }
                        }));
    server.handle(
        "slow",
        (ctx, body) -> {
          String who = ctx.identity().orElse("nobody");
          running.merge(who, 1, Integer::sum);
          started.incrementAndGet();
          try {
            if (!gate.tryAcquire(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
              throw new AssertionError("the gate never opened");
            }
          } finally {
            running.merge(who, -1, Integer::sum);
          }
          return who;
        });
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (ConnectedPeer c :
        List.of(
            client(server, curveClient(aliceKeys)),
            client(server, curveClient(aliceKeys)),
            client(server, curveClient(bobKeys)))) {
      for (int i = 0; i < 10; i++) {
        calls.add(c.invoke("slow", i));
      }
      int sent = calls.size();
      Await.until(sent + " calls are admitted", () -> admitted.get() == sent);
    }
    Await.until("4 slow calls run", () -> started.get() == 4);
    for (int i = 1; i <= 12; i++) {
      int expected = 4 + i;
      gate.release(1);
      Await.until("slow call " + expected + " starts", () -> started.get() == expected);
    }
    Map<String, Integer> result = Map.copyOf(running);
    gate.release(calls.size());
    for (CompletableFuture<Object> f : calls) {
      Await.result(f);
    }
    return result;
  }

  @Test
  void theConnectionsOfOneIdentityShareOneFairShare() throws Exception {
    Map<String, Integer> running = runningAfterTurnover(identity -> 1);
    assertEquals(
        Map.of("alice", 2, "bob", 2),
        running,
        "alice's two connections are one remote (by connection, alice would run 3 of 4)");
  }

  @Test
  void slotsAreSharedByTheWeightsGivenPerIdentity() throws Exception {
    Map<String, Integer> running =
        runningAfterTurnover(identity -> identity.equals(Optional.of("bob")) ? 3 : 1);
    assertEquals(Map.of("alice", 1, "bob", 3), running);
  }

  // ---------------------------------------------------------------- connections per source

  @Test
  void idleConnectionsFromOneSourceDoNotLockOutAnother() throws Exception {
    TcpOptions options =
        TcpOptions.builder()
            .maxConnections(12)
            .maxConnectionsPerAddress(4)
            .heartbeat(Duration.ofSeconds(10), Duration.ofSeconds(60))
            .handshakeTimeout(Duration.ofSeconds(60))
            .build();
    BoundPeer server = server(new TcpTransport(options), b -> b);
    List<RawTcp> flood = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      RawTcp r = closer.later(RawTcp.connectFrom("127.0.0.2", server.address()));
      if (i < 4) {
        r.handshake(); // accepted: holds a connection, idle
        flood.add(r);
      } else {
        r.readPreamble();
        assertEquals(
            "this endpoint serves at most 4 connections from 127.0.0.2"
                + " (TcpOptions.maxConnectionsPerAddress)",
            r.abortReason());
      }
    }
    for (int i = 0; i < 4; i++) {
      closer.later(RawTcp.connectFrom("127.0.0.3", server.address())).handshake();
    }
    assertEquals(
        "served",
        client(server, new TcpTransport()).invokeAndWait("echo", "served"),
        "127.0.0.1 gets in while 127.0.0.2 and .3 hold their share each");

    flood.get(0).close();
    Await.until(
        "a new connection from 127.0.0.2 is accepted once one of its connections ended",
        () -> {
          try (RawTcp r = RawTcp.connectFrom("127.0.0.2", server.address())) {
            r.send(RawTcp.preamble(2, "NULL"));
            r.readPreamble();
            r.sendFrame(new byte[] {RawTcp.PING});
            byte[] answer = r.readFrame();
            return answer != null && answer[0] == RawTcp.PONG;
          } catch (IOException e) {
            return false;
          }
        });
  }

  @Test
  void theGlobalLimitStillHolds_andItsRefusalIsTheUsualAbort() throws Exception {
    TcpOptions options = TcpOptions.builder().maxConnections(3).maxConnectionsPerAddress(3).build();
    BoundPeer server = server(new TcpTransport(options), b -> b);
    for (int i = 0; i < 3; i++) {
      closer.later(RawTcp.connectFrom("127.0.0.1", server.address())).handshake();
    }
    RawTcp refused = closer.later(RawTcp.connectFrom("127.0.0.2", server.address()));
    refused.readPreamble();
    String reason = refused.abortReason();
    assertTrue(reason.equals("this endpoint serves at most 3 connections"), reason);
  }
}
