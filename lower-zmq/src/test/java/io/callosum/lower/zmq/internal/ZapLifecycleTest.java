package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.RawZmtpClient;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.lower.zmq.ZmqTransport;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * No CURVE socket accepts a handshake unless its ZAP handler is alive: jeromq 0.6.0 lets every
 * client in when no ZAP handler is bound. Below the peer protocol, with the context's test hooks.
 */
class ZapLifecycleTest {
  private static final URI ANY = URI.create("zmq+tcp://127.0.0.1:0");
  private final CurveKeyPair serverKeys = CurveKeyPair.generate();
  private final CurveKeyPair aliceKeys = CurveKeyPair.generate();
  private final ZmqOptions options;

  ZapLifecycleTest() {
    AllowListAuthenticator allow = new AllowListAuthenticator("lifecycle", serverKeys);
    allow.allow(aliceKeys.publicKey(), "alice");
    options = ZmqOptions.defaults().withCurveServer(allow);
  }

  private static TransportConfig config() {
    return new TransportConfig(Capabilities.LEGACY, 4 << 20, Duration.ofSeconds(5));
  }

  /** Whether a CURVE handshake as {@code keys} completes at {@code address}. */
  private boolean handshakeCompletes(String address, CurveKeyPair keys) throws IOException {
    try (RawZmtpClient client =
        RawZmtpClient.curve(address, serverKeys.publicKey(), keys, Map.of())) {
      return client.accepted();
    }
  }

  @Test
  void aCurveServerThatBindsWhileAnotherClosesStillChecksEveryKey() throws Exception {
    SharedContext shared = new SharedContext();
    RouterEndpoint a = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), options);
    // B registers with the ZAP handler; A closes completely; only then B's socket binds.
    AtomicBoolean closedA = new AtomicBoolean();
    shared.afterZapRegistration(
        registering -> {
          if (closedA.compareAndSet(false, true)) {
            a.close();
          }
        });
    RouterEndpoint b = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), options);
    try {
      assertTrue(closedA.get(), "A closed while B was binding");
      assertFalse(
          handshakeCompletes(b.address(), CurveKeyPair.generate()),
          "B let in a key it does not allow");
      assertTrue(handshakeCompletes(b.address(), aliceKeys), "B refused alice");
    } finally {
      b.close();
    }
    Await.until("the context ends with its last endpoint", () -> shared.users() == 0);
  }

  @Test
  void anEndpointClosedWhileItOpensFailsToBind() {
    SharedContext shared = new SharedContext();
    shared.afterZapRegistration(registering -> ((RouterEndpoint) registering).close());
    IOException e =
        assertThrows(
            IOException.class,
            () -> RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), options));
    assertTrue(e.getMessage().contains("closed while opening"), e.getMessage());
    Await.until("the context ends", () -> shared.users() == 0);
  }

  @Test
  void fanOutSocketsAreNeverCurveServers() {
    FanoutConfig bound = new FanoutConfig(FanoutPattern.BROADCAST, true, 16, 1 << 20);
    SharedContext shared = new SharedContext();
    assertThrows(
        IllegalArgumentException.class,
        () -> ZmqFanoutSender.create(shared, ANY, bound, options, () -> {}));
    assertEquals(0, shared.users());
  }

  @Test
  void aZapHandlerThatDiesTakesItsCurveServersWithIt() throws Exception {
    SharedContext shared = new SharedContext();
    LinkRecorder serverLinks = new LinkRecorder();
    RouterEndpoint server = RouterEndpoint.bind(shared, ANY, config(), serverLinks, options);
    String address = server.address();
    ZmqTransport clients =
        new ZmqTransport(
            ZmqOptions.defaults()
                .withCurveClient(ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys)));
    Endpoint alice = clients.connect(URI.create(address), config(), new LinkRecorder());
    RouterEndpoint again = null;
    try {
      Await.until(
          "alice is a remote of the server", () -> serverLinks.events.contains("connected"));

      // An Error inside the ZAP handler's loop (posted tasks are guarded against exceptions only).
      AtomicReference<Thread> zapThread = new AtomicReference<>();
      assertTrue(
          shared.postToZapHandler(
              () -> {
                zapThread.set(Thread.currentThread());
                throw new StackOverflowError("injected into the ZAP handler's loop");
              }));
      Await.until("the task ran", () -> zapThread.get() != null);
      zapThread.get().join(Await.LIMIT.toMillis());
      assertFalse(zapThread.get().isAlive(), "the ZAP thread ended");

      // The server went with it: nothing listens there, and its remote was reported lost.
      try {
        boolean in = handshakeCompletes(address, CurveKeyPair.generate());
        throw new AssertionError(
            in
                ? "a key nobody allows completed the CURVE handshake after the ZAP handler died"
                : "the CURVE server outlived its ZAP handler");
      } catch (ConnectException expected) {
        // nothing listens there any more
      }
      Await.until(
          "alice's link is reported lost", () -> serverLinks.events.contains("disconnected"));

      // A later bind gets a fresh ZAP handler, which checks keys again.
      again = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), options);
      assertFalse(
          handshakeCompletes(again.address(), CurveKeyPair.generate()),
          "a key nobody allows got in");
      assertTrue(handshakeCompletes(again.address(), aliceKeys), "alice was refused");
    } finally {
      alice.close();
      server.close();
      if (again != null) {
        again.close();
      }
    }
    Await.until("the context ends with its last endpoint", () -> shared.users() == 0);
    Await.until("the client's context ends", () -> clients.openEndpoints() == 0);
    assertEquals(0, shared.users());
  }
}
