package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.testing.Await;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The peer's API contracts that do not depend on a lower. */
class PeerApiTest {
  @Test
  void unknownSchemeNamesTheAvailableOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Peer.builder().connect("carrier-pigeon://x").build());
    assertTrue(e.getMessage().contains("carrier-pigeon"), e.getMessage());
    assertTrue(e.getMessage().contains("inproc://"), e.getMessage());
  }

  @Test
  void misuseIsReportedClearly() {
    try (BoundPeer server = Peer.builder().bind("inproc://api-misuse").build().start()) {
      assertThrows(IllegalStateException.class, server::start);
      UncheckedIOException inUse =
          assertThrows(
              UncheckedIOException.class,
              () -> Peer.builder().bind("inproc://api-misuse").build().start());
      assertTrue(inUse.getMessage().contains("in use"), inUse.getMessage());
    }
    ConnectedPeer never =
        Peer.builder()
            .connect("inproc://nobody-here")
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    ConnectionLostException e = assertThrows(ConnectionLostException.class, never::start);
    assertTrue(e.getMessage().contains("inproc://nobody-here"), e.getMessage());
    assertThrows(ConnectionLostException.class, never::remote);
    never.close();
  }

  @Test
  void directExecutorRunsHandlersOnTheIoThread() throws Exception {
    AtomicReference<String> thread = new AtomicReference<>();
    try (Peer server = Peer.builder().bind("inproc://api-direct").directExecutor().build()) {
      server.handle(
          "where",
          (ctx, body) -> {
            thread.set(Thread.currentThread().getName());
            return "here";
          });
      server.start();
      try (ConnectedPeer client = Peer.builder().connect("inproc://api-direct").build().start()) {
        assertEquals("here", client.invokeAndWait("where", null));
      }
    }
    assertTrue(thread.get().startsWith("callosum-inproc-io-api-direct"), thread.get());
  }

  @Test
  void handlersRunOnVirtualThreadsWhereTheJvmHasThem() throws Exception {
    Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21+");
    AtomicReference<Boolean> virtual = new AtomicReference<>();
    try (Peer server = Peer.builder().bind("inproc://api-virtual").build()) {
      server.handle(
          "virtual",
          (ctx, body) -> {
            virtual.set(
                (Boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread()));
            return null;
          });
      server.start();
      try (ConnectedPeer client = Peer.builder().connect("inproc://api-virtual").build().start()) {
        client.invokeAndWait("virtual", null);
      }
    }
    assertEquals(Boolean.TRUE, virtual.get());
  }

  @Test
  void capabilitiesRoundTripAndAnythingElseIsLegacy() {
    Capabilities c = new Capabilities(1, 0x1234_5678_9abc_def0L, Set.of("chain"));
    assertEquals(c, Capabilities.decode(c.encode()));
    assertTrue(Capabilities.decode(new byte[0]).isLegacy());
    assertTrue(Capabilities.decode(null).isLegacy());
    assertTrue(Capabilities.decode(new byte[] {(byte) 0xc1}).isLegacy());
    assertTrue(Capabilities.decode(new byte[] {(byte) 0x93, 1, 2, 3}).isLegacy());
    assertTrue(
        Capabilities.decode(new byte[] {(byte) 0xdf, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff})
            .isLegacy());
    assertTrue(
        Capabilities.decode(new Capabilities(0, 5, Set.of()).encode()).isLegacy(),
        "version 0 is legacy");
  }

  @Test
  void loggingInterceptorLineNamesTheCall() throws Exception {
    try (Peer server =
            Peer.builder()
                .bind("inproc://api-log")
                .interceptor(new LoggingInterceptor())
                .build()
                .start();
        ConnectedPeer client =
            Peer.builder()
                .connect("inproc://api-log")
                .interceptor(new LoggingInterceptor())
                .build()
                .start()) {
      server.handle("echo", (ctx, body) -> body.value());
      assertEquals(1, client.invokeAndWait("echo", 1));
      RemotePeer remote = client.remote();
      String line =
          LoggingInterceptor.line(
              new CallInfo(CallInfo.Side.CALLER, "add", OrderKey.of("k"), remote),
              new CallOutcome(ErrorCode.TIMEOUT, null, Duration.ofMillis(2), 40, 0));
      assertEquals(
          "CALLER add okey=\"k\" remote=" + remote.id() + " outcome=TIMEOUT 2000us out=40B in=0B",
          line);
      Await.until("idle", () -> InternalEntries.of(client) == 0 && InternalEntries.of(server) == 0);
    }
  }

  @Test
  void aConnectedPeersRemoteIsWhereItConnectedAndABoundPeersRemotesAreUnknown() throws Exception {
    AtomicReference<Optional<String>> callerOnServer = new AtomicReference<>();
    AtomicReference<Optional<String>> callerOnClient = new AtomicReference<>();
    try (BoundPeer server = Peer.builder().bind("inproc://api-address").build().start();
        ConnectedPeer client = Peer.builder().connect("inproc://api-address").build()) {
      server.handle(
          "back",
          (ctx, body) -> {
            callerOnServer.set(ctx.caller().address());
            return ctx.caller().invokeAndWait("where", null);
          });
      client.handle(
          "where",
          (ctx, body) -> {
            callerOnClient.set(ctx.caller().address());
            return null;
          });
      client.start();
      assertEquals(Optional.of("inproc://api-address"), client.remote().address());
      client.invokeAndWait("back", null);
      assertEquals(Optional.empty(), callerOnServer.get(), "a client's address is not known");
      assertEquals(Optional.of("inproc://api-address"), callerOnClient.get());
      assertEquals(1, server.remotes().size());
      assertEquals(Optional.empty(), server.remotes().get(0).address());
    }
  }

  /**
   * A password in a connect address shows neither in a failed connect's message nor as the address.
   */
  @Test
  void aPasswordInTheAddressIsLeftOutOfMessages() {
    io.callosum.lower.Transport refusing =
        new io.callosum.lower.Transport() {
          @Override
          public Set<String> schemes() {
            return Set.of("refusing");
          }

          @Override
          public io.callosum.lower.Endpoint bind(
              java.net.URI address,
              io.callosum.lower.TransportConfig config,
              io.callosum.lower.LinkListener listener) {
            throw new UnsupportedOperationException("connect only");
          }

          @Override
          public io.callosum.lower.Endpoint connect(
              java.net.URI address,
              io.callosum.lower.TransportConfig config,
              io.callosum.lower.LinkListener listener)
              throws java.io.IOException {
            throw new java.io.IOException("refused");
          }
        };
    ConnectedPeer client =
        Peer.builder().transport(refusing).connect("refusing://user:s3cret@host:7/key").build();
    assertEquals("refusing://host:7/key", client.address());
    ConnectionLostException e = assertThrows(ConnectionLostException.class, client::start);
    assertEquals("cannot connect to refusing://host:7/key: refused", e.getMessage());
  }

  @Test
  void closingFromInsideAHandlerDoesNotWaitForItself() throws Exception {
    for (boolean direct : new boolean[] {false, true}) {
      BoundPeer.Builder b = Peer.builder().bind("inproc://api-self-close-" + direct);
      Peer server = (direct ? b.directExecutor() : b).build();
      server.handle(
          "close",
          (ctx, body) -> {
            server.close();
            return null;
          });
      server.start();
      try (ConnectedPeer client = Peer.builder().connect(server.address()).build().start()) {
        long start = System.nanoTime();
        Throwable t = Await.failure(client.invoke("close", null));
        assertTrue(t instanceof ConnectionLostException, String.valueOf(t));
        assertTrue(
            System.nanoTime() - start < Duration.ofSeconds(4).toNanos(), "close waited for itself");
      }
    }
  }

  @Test
  void aListenerThatThrowsAnErrorDoesNotStopLaterEvents() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    AtomicBoolean first = new AtomicBoolean(true);
    try (Peer server =
            Peer.builder()
                .bind("inproc://api-listener-error")
                .listener(
                    new PeerListener() {
                      @Override
                      public void connected(RemotePeer remote) {
                        events.add("connected");
                        if (first.getAndSet(false)) {
                          throw new AssertionError("listener bug");
                        }
                      }
                    })
                .build()
                .start();
        ConnectedPeer one = Peer.builder().connect("inproc://api-listener-error").build().start();
        ConnectedPeer two = Peer.builder().connect("inproc://api-listener-error").build().start()) {
      Await.until("both events", () -> events.size() == 2, events::toString);
    }
  }
}
