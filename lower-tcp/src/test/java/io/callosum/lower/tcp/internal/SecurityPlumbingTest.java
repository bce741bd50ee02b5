package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.AuthenticationException;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The connection-level security plumbing, with a stand-in mechanism ({@link ToySecurity}): the
 * handshake runs before any data frame (the server's step off the I/O thread), every later frame is
 * sealed and opened, the user id reaches {@code CallContext}, refusals become {@link
 * AuthenticationException}, and a client that stalls in the handshake or breaks it is cut alone.
 */
class SecurityPlumbingTest {
  private static final Duration HANDSHAKE = Duration.ofMillis(300);
  private static final TcpOptions OPTIONS =
      TcpOptions.builder().handshakeTimeout(HANDSHAKE).build();

  @RegisterExtension final Closer closer = new Closer();
  private final List<ToySecurity> serverSides = new CopyOnWriteArrayList<>();

  /** A transport with the given security layers. */
  private static Transport transport(
      Supplier<ConnectionSecurity> client, Supplier<ConnectionSecurity> server) {
    return new Hub(OPTIONS, client, server);
  }

  private Peer server(Function<String, String> check) {
    Supplier<ConnectionSecurity> s =
        () -> {
          ToySecurity t = ToySecurity.server(check);
          serverSides.add(t);
          return t;
        };
    Peer p =
        closer.later(
            Peer.builder()
                .transport(transport(NullSecurity::new, s))
                .bind("tcp://127.0.0.1:0")
                .name("server")
                .build());
    p.handle("whoami", (ctx, body) -> ctx.identity().orElse("nobody"));
    p.handle("echo", (ctx, body) -> body.value());
    return p.start();
  }

  private ConnectedPeer client(Peer server, String name) {
    return closer.later(
        Peer.builder()
            .transport(transport(() -> ToySecurity.client(name), NullSecurity::new))
            .connect(server.address())
            .defaultTimeout(Await.LIMIT)
            .build()
            .start());
  }

  private static String knownUsers(String name) {
    return name.startsWith("mallory") ? null : "user:" + name;
  }

  @Test
  void handshakeThenSealedFramesAndTheUserIdReachesCallContext() {
    Peer server = server(SecurityPlumbingTest::knownUsers);
    ConnectedPeer alice = client(server, "alice");
    ConnectedPeer bob = client(server, "bob");
    assertEquals("user:alice", alice.invokeAndWait("whoami", null));
    assertEquals("user:bob", bob.invokeAndWait("whoami", null));
    assertEquals(
        "user:alice",
        server.remotes().stream()
            .filter(r -> r.identity().orElse("").equals("user:alice"))
            .findFirst()
            .orElseThrow()
            .identity()
            .get());
    for (ToySecurity s : serverSides) {
      assertTrue(
          s.checkedOn.startsWith("callosum-tcp-auth-"),
          "the check ran off the I/O thread: " + s.checkedOn);
      assertTrue(s.seals.get() >= 2, "OPENED and the reply were sealed: " + s.seals.get());
    }
  }

  @Test
  void refusedCredentialsFailTheConnectWithAuthenticationException() {
    Peer server = server(SecurityPlumbingTest::knownUsers);
    ConnectedPeer alice = client(server, "alice");
    AuthenticationException e =
        assertThrows(AuthenticationException.class, () -> client(server, "mallory"));
    assertTrue(e.getMessage().contains("unknown client mallory"), e.getMessage());
    assertEquals("user:alice", alice.invokeAndWait("whoami", null));
  }

  @Test
  void aPlainClientAtASecuredServerIsRefusedClearly() {
    Peer server = server(SecurityPlumbingTest::knownUsers);
    AuthenticationException e =
        assertThrows(
            AuthenticationException.class,
            () ->
                Peer.builder()
                    .transport(new TcpTransport())
                    .connect(server.address())
                    .build()
                    .start());
    assertTrue(e.getMessage().contains("security mechanism mismatch"), e.getMessage());
  }

  @Test
  void aSlowAuthenticatorDoesNotStallEstablishedConnections() throws Exception {
    CountDownLatch inCheck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Peer server =
        server(
            name -> {
              if (name.equals("slow")) {
                inCheck.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return "user:" + name;
            });
    ConnectedPeer alice = client(server, "alice");
    ExecutorService background = closer.executor("slow-client");
    Future<ConnectedPeer> slow = background.submit(() -> client(server, "slow"));
    assertTrue(inCheck.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    for (int i = 0; i < 20; i++) {
      assertEquals(i, alice.invokeAndWait("echo", i));
    }
    release.countDown();
    assertEquals(
        "user:slow",
        slow.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS).invokeAndWait("whoami", null));
  }

  /** A raw client speaking the TOY mechanism by hand. */
  private static final class Raw implements AutoCloseable {
    final Socket socket = new Socket();
    final DataInputStream in;
    final OutputStream out;

    Raw(String address) throws IOException {
      URI u = URI.create(address);
      socket.connect(new InetSocketAddress(u.getHost(), u.getPort()));
      socket.setSoTimeout((int) Await.LIMIT.toMillis());
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    void send(byte[] b) throws IOException {
      out.write(b);
      out.flush();
    }

    void record(byte[] content) throws IOException {
      send(ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array());
    }

    byte[] next() throws IOException {
      try {
        byte[] r = new byte[in.readInt()];
        in.readFully(r);
        return r;
      } catch (EOFException | SocketException e) {
        return null;
      }
    }

    /** Preamble both ways and the TOY handshake; the connection is then in its data phase. */
    Raw handshake(String name) throws IOException {
      send(Wire.preamble(ToySecurity.NAME));
      in.readFully(new byte[Wire.PREAMBLE_SIZE]);
      record(Wire.handshake(ToySecurity.hello(name)));
      byte[] welcome = next();
      assertEquals(Wire.HANDSHAKE, welcome[0]);
      return this;
    }

    boolean ends() {
      try {
        while (in.read() >= 0) {
          // drain
        }
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void aClientStalledInTheHandshakeIsCutAlone() throws Exception {
    Peer server = server(SecurityPlumbingTest::knownUsers);
    ConnectedPeer alice = client(server, "alice");
    long t0 = System.nanoTime();
    Raw stalled = closer.later(new Raw(server.address()));
    stalled.send(Wire.preamble(ToySecurity.NAME)); // then never a HELLO
    assertTrue(stalled.ends());
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        millis >= HANDSHAKE.toMillis() - 50 && millis < HANDSHAKE.toMillis() + 2_000,
        millis + " ms");
    assertEquals("user:alice", alice.invokeAndWait("whoami", null));
  }

  @Test
  void framesBeforeTheHandshakeCompletesAreRefused() throws Exception {
    refusedBeforeTheHandshake(
        ByteBuffer.allocate(4 + 5)
            .putInt(5)
            .put(Wire.channelFrame(Wire.OPEN, 1, new byte[0]))
            .array(),
        "before the security handshake completed");
  }

  @Test
  void beforeTheHandshakeOnlySmallRecordsAreAccepted() throws Exception {
    refusedBeforeTheHandshake(
        ByteBuffer.allocate(4).putInt(Wire.MAX_HANDSHAKE_RECORD + 1).array(),
        "(before the handshake completed)");
  }

  /**
   * Sends the TOY preamble and {@code bytes}; the server answers ABORT with {@code reason} and
   * still serves others.
   */
  private void refusedBeforeTheHandshake(byte[] bytes, String reason) throws Exception {
    Peer server = server(SecurityPlumbingTest::knownUsers);
    Raw raw = closer.later(new Raw(server.address()));
    raw.send(Wire.preamble(ToySecurity.NAME));
    raw.send(bytes);
    raw.in.readFully(new byte[Wire.PREAMBLE_SIZE]);
    byte[] abort = raw.next();
    assertEquals(Wire.ABORT, abort[0]);
    assertTrue(Wire.reason(abort, 2).contains(reason), Wire.reason(abort, 2));
    assertEquals("user:alice", client(server, "alice").invokeAndWait("whoami", null));
  }

  @Test
  void aReplayedSealedFrameClosesTheConnection() throws Exception {
    Peer server = server(SecurityPlumbingTest::knownUsers);
    Raw r = closer.later(new Raw(server.address())).handshake("replayer");
    byte[] open = ToySecurity.seal(0, Wire.channelFrame(Wire.OPEN, 1, new byte[0]));
    r.record(open);
    assertEquals(Wire.OPENED, ToySecurity.unseal(r.next())[0]);
    Await.until("the server has the channel", () -> server.remotes().size() == 1);
    r.record(open); // the same sealed frame again
    byte[] abort = ToySecurity.unseal(r.next());
    assertEquals(Wire.ABORT, abort[0]);
    assertTrue(Wire.reason(abort, 2).contains("replayed or reordered"), Wire.reason(abort, 2));
    assertTrue(r.ends());
    Await.until("the channel is dropped", () -> server.remotes().isEmpty());
    assertEquals("user:alice", client(server, "alice").invokeAndWait("whoami", null));
  }
}
