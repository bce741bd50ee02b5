package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.AuthenticationException;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.tcp.internal.curve.CurveSecurity;
import io.callosum.lower.tcp.internal.curve.ErrorCommand;
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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CurveZMQ over the TCP lower with the keys and authenticators of auth/: allowed keys get in with
 * their user id in CallContext; unknown keys, a wrong server key and plain clients are refused as
 * authentication failures, and only the authenticator's refusal is told in an ERROR command
 * (malformed and forged commands close without a word); replayed, reordered and tampered MESSAGE
 * records close the connection while other clients go on; a client stalled in the handshake is cut.
 */
class TcpCurveTest {
  private static final Duration HANDSHAKE = Duration.ofMillis(500);

  @RegisterExtension final Closer closer = new Closer();

  private final CurveKeyPair serverKeys = CurveKeyPair.generate();
  private final CurveKeyPair aliceKeys = CurveKeyPair.generate();
  private final AllowListAuthenticator allow = new AllowListAuthenticator("tcp-curve", serverKeys);

  {
    allow.allow(aliceKeys.publicKey(), "alice");
  }

  private Peer server() {
    TcpTransport t =
        new TcpTransport(
            TcpOptions.builder().curveServer(allow).handshakeTimeout(HANDSHAKE).build());
    Peer p =
        closer.later(
            Peer.builder()
                .transport(t)
                .bind("tcp://127.0.0.1:0")
                .defaultTimeout(Await.LIMIT)
                .build());
    p.handle("whoami", (ctx, body) -> ctx.identity().orElse("nobody"));
    return p.start();
  }

  private ConnectedPeer client(Peer server, ClientAuthenticator keys) {
    TcpTransport t =
        new TcpTransport(
            keys == null ? TcpOptions.defaults() : TcpOptions.builder().curveClient(keys).build());
    return closer.later(
        Peer.builder()
            .transport(t)
            .connect(server.address())
            .connectTimeout(Duration.ofSeconds(5))
            .defaultTimeout(Await.LIMIT)
            .build());
  }

  @Test
  void anAllowedKeyGetsInAndItsUserIdReachesTheHandler() {
    Peer server = server();
    ConnectedPeer alice =
        client(server, ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys)).start();
    assertEquals("alice", alice.invokeAndWait("whoami", null));
  }

  @Test
  void anUnknownKeyIsRefused() {
    Peer server = server();
    ConnectedPeer stranger =
        client(server, ClientAuthenticator.of(serverKeys.publicKey(), CurveKeyPair.generate()));
    AuthenticationException e = assertThrows(AuthenticationException.class, stranger::start);
    assertTrue(e.getMessage().contains("does not accept the client's key"), e.getMessage());
    assertEquals(
        "alice",
        client(server, ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys))
            .start()
            .invokeAndWait("whoami", null));
  }

  @Test
  void aWrongServerKeyIsRefused() {
    Peer server = server();
    ConnectedPeer confused =
        client(server, ClientAuthenticator.of(CurveKeyPair.generate().publicKey(), aliceKeys));
    AuthenticationException e = assertThrows(AuthenticationException.class, confused::start);
    assertTrue(e.getMessage().contains("server"), e.getMessage());
  }

  @Test
  void aPlainClientIsRefusedByACurveServer() {
    Peer server = server();
    AuthenticationException e =
        assertThrows(AuthenticationException.class, () -> client(server, null).start());
    assertTrue(e.getMessage().contains("mechanism"), e.getMessage());
  }

  /** A client speaking CurveZMQ by hand over the TCP lower's framing. */
  private static final class Raw implements AutoCloseable {
    final Socket socket = new Socket();
    final DataInputStream in;
    final OutputStream out;
    final CurveSecurity curve;

    Raw(String address, CurveSecurity curve) throws IOException {
      URI u = URI.create(address);
      socket.connect(new InetSocketAddress(u.getHost(), u.getPort()));
      socket.setSoTimeout((int) Await.LIMIT.toMillis());
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
      this.curve = curve;
    }

    void record(byte[] content) throws IOException {
      out.write(
          ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array());
      out.flush();
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

    /**
     * Preamble both ways, then the CurveZMQ handshake; the connection is then in its data phase.
     */
    Raw handshake() throws Exception {
      out.write(Wire.preamble(curve.mechanism()));
      in.readFully(new byte[Wire.PREAMBLE_SIZE]);
      List<byte[]> pending = curve.start();
      while (!curve.established()) {
        for (byte[] f : pending) {
          record(Wire.handshake(f));
        }
        byte[] r = next();
        assertEquals(Wire.HANDSHAKE, r[0], "a handshake frame");
        pending = curve.receive(Arrays.copyOfRange(r, 1, r.length));
      }
      for (byte[] f : pending) {
        record(Wire.handshake(f));
      }
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

  /**
   * A raw client that has sent its preamble and HELLO and read the server's preamble and WELCOME;
   * returns the INITIATE its CurveSecurity made in answer (not sent).
   */
  private byte[] upToInitiate(Raw r) throws Exception {
    r.out.write(Wire.preamble(r.curve.mechanism()));
    r.in.readFully(new byte[Wire.PREAMBLE_SIZE]);
    r.record(Wire.handshake(r.curve.start().get(0)));
    byte[] welcome = r.next();
    assertEquals(Wire.HANDSHAKE, welcome[0], "WELCOME");
    return r.curve.receive(Arrays.copyOfRange(welcome, 1, welcome.length)).get(0);
  }

  /**
   * As RFC 26 has it: a malformed or forged command closes the connection without a word (no ERROR,
   * no ABORT).
   */
  @Test
  void aMalformedOrForgedInitiateClosesTheConnectionWithoutAWord() throws Exception {
    Peer server = server();
    ClientAuthenticator alice = ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys);

    Raw forged = closer.later(new Raw(server.address(), CurveSecurity.client(alice)));
    byte[] initiate = upToInitiate(forged);
    initiate[30] ^= 1; // inside the cookie box: the right shape, but the cookie does not open
    forged.record(Wire.handshake(initiate));
    assertNull(
        forged.next(),
        "the connection ends with no frame, not an ERROR or an ABORT with the reason");

    Raw truncated = closer.later(new Raw(server.address(), CurveSecurity.client(alice)));
    byte[] whole = upToInitiate(truncated);
    truncated.record(
        Wire.handshake(
            Arrays.copyOf(whole, 200))); // refused by the checks before any key agreement
    assertNull(truncated.next(), "the connection ends with no frame");

    Raw wrongServer =
        closer.later(
            new Raw(
                server.address(),
                CurveSecurity.client(
                    ClientAuthenticator.of(CurveKeyPair.generate().publicKey(), aliceKeys))));
    wrongServer.out.write(Wire.preamble("CURVE"));
    wrongServer.in.readFully(new byte[Wire.PREAMBLE_SIZE]);
    wrongServer.record(Wire.handshake(wrongServer.curve.start().get(0)));
    assertNull(wrongServer.next(), "a HELLO for another server key gets no answer either");

    assertEquals("alice", client(server, alice).start().invokeAndWait("whoami", null));
  }

  /**
   * Only the authenticator's refusal is told the client: an ERROR command with the reason, which
   * names no key.
   */
  @Test
  void aRefusalByTheAuthenticatorIsAnErrorCommand() throws Exception {
    Peer server = server();
    CurveKeyPair stranger = CurveKeyPair.generate();
    Raw r =
        closer.later(
            new Raw(
                server.address(),
                CurveSecurity.client(ClientAuthenticator.of(serverKeys.publicKey(), stranger))));
    r.record(Wire.handshake(upToInitiate(r)));
    byte[] error = r.next();
    assertEquals(Wire.HANDSHAKE, error[0]);
    byte[] command = Arrays.copyOfRange(error, 1, error.length);
    assertArrayEquals(ErrorCommand.encode("this server does not accept the client's key"), command);
    assertNull(r.next(), "then the server closes");
  }

  private Raw rawAlice(Peer server) throws Exception {
    Raw r =
        closer.later(
            new Raw(
                server.address(),
                CurveSecurity.client(ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys))));
    return r.handshake();
  }

  /** Opens channel 1 and checks that the server answers OPENED, sealed. */
  private static byte[] openChannel(Raw r, Peer server) throws Exception {
    byte[] sealed = r.curve.seal(Wire.channelFrame(Wire.OPEN, 1, new byte[0]));
    r.record(sealed);
    assertEquals(Wire.OPENED, r.curve.open(r.next())[0]);
    Await.until("the server has the channel", () -> server.remotes().size() == 1);
    return sealed;
  }

  private void closedWhileOthersGoOn(Raw r, Peer server) {
    assertTrue(r.ends(), "the connection was closed");
    Await.until("the channel is dropped", () -> server.remotes().isEmpty());
    assertEquals(
        "alice",
        client(server, ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys))
            .start()
            .invokeAndWait("whoami", null));
  }

  @Test
  void aReplayedMessageClosesTheConnection() throws Exception {
    Peer server = server();
    Raw r = rawAlice(server);
    byte[] open = openChannel(r, server);
    r.record(open); // the same MESSAGE box again
    closedWhileOthersGoOn(r, server);
  }

  @Test
  void reorderedMessagesCloseTheConnection() throws Exception {
    Peer server = server();
    Raw r = rawAlice(server);
    openChannel(r, server);
    byte[] first = r.curve.seal(new byte[] {(byte) Wire.PING});
    byte[] second = r.curve.seal(new byte[] {(byte) Wire.PING});
    r.record(second);
    r.record(first); // an older nonce after a newer one
    closedWhileOthersGoOn(r, server);
  }

  @Test
  void aTamperedMessageClosesTheConnection() throws Exception {
    Peer server = server();
    Raw r = rawAlice(server);
    openChannel(r, server);
    byte[] box = r.curve.seal(new byte[] {(byte) Wire.PING});
    box[box.length - 1] ^= 1;
    r.record(box);
    closedWhileOthersGoOn(r, server);
  }

  @Test
  void aClientStalledInTheHandshakeIsCut() throws Exception {
    Peer server = server();
    Raw r =
        closer.later(
            new Raw(
                server.address(),
                CurveSecurity.client(ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys))));
    long t0 = System.nanoTime();
    r.out.write(Wire.preamble("CURVE")); // then never a HELLO
    r.out.flush();
    assertTrue(r.ends());
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        millis >= HANDSHAKE.toMillis() - 50 && millis < HANDSHAKE.toMillis() + 3_000,
        millis + " ms");
    assertEquals(
        "alice",
        client(server, ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys))
            .start()
            .invokeAndWait("whoami", null));
  }
}
