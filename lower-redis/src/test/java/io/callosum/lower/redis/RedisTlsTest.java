package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Closer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} against a Redis that speaks TLS only, with a self-signed certificate for {@code
 * 127.0.0.1} made for the test: peers that trust it (or do not check) call each other; a peer that
 * does not trust it or reaches it by another name, a plain {@code redis://} peer on its port, a
 * {@code rediss://} peer on a plain port and a peer whose server never answers fail to start within
 * the connect timeout, with an error that says why, and leave nothing open.
 */
class RedisTlsTest {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /**
   * How long a failing start may take: the connect timeout and the making of the transport's
   * threads, well below the 10 s of Netty's TLS handshake and the 60 s of Lettuce's own.
   */
  private static final Duration FAILS_WITHIN = CONNECT_TIMEOUT.plusSeconds(5);

  @RegisterExtension final Closer closer = new Closer();
  private static RedisServer redis;

  @BeforeAll
  static void redis() {
    redis = RedisTests.ownTlsRedis();
  }

  @AfterAll
  static void stop() {
    if (redis != null) {
      redis.close();
    }
  }

  private static RedisTransport trusting() {
    return new RedisTransport(
        RedisTests.options().toBuilder().trustedCertificates(redis.certificate()).build());
  }

  @Test
  public void peersThatTrustTheCertificateCallEachOther() throws Exception {
    RedisTransport transport = trusting();
    BoundPeer server =
        closer.later(Peer.builder().transport(transport).bind(redis.freshAddress("tls")).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.handle("who", (ctx, body) -> ctx.caller().invoke("name", null)); // a callback
    server.start();
    assertTrue(server.address().startsWith("rediss://127.0.0.1:"), server.address());
    ConnectedPeer client =
        closer.later(Peer.builder().transport(transport).connect(server.address()).build());
    client.handle("name", (ctx, body) -> "the client");
    client.start();
    assertEquals("over TLS", client.invokeAndWait("echo", "over TLS"));
    assertEquals("the client", client.invokeAndWait("who", null));
  }

  @Test
  public void withoutPeerVerificationNoTrustFileIsNeeded() throws Exception {
    RedisTransport transport =
        new RedisTransport(RedisTests.options().toBuilder().verifyPeer(false).build());
    BoundPeer server =
        closer.later(
            Peer.builder().transport(transport).bind(redis.freshAddress("tls-any")).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer client =
        closer.later(Peer.builder().transport(transport).connect(server.address()).build().start());
    assertEquals("unverified", client.invokeAndWait("echo", "unverified"));
  }

  @Test
  public void aPeerThatDoesNotTrustTheCertificateFailsToStart() {
    RedisTransport transport = new RedisTransport(RedisTests.options()); // the JDK's trust store
    String message = refused(transport, redis.freshAddress("tls-untrusted"));
    assertTrue(message.contains("TLS: the server's certificate is not trusted"), message);
  }

  /**
   * A trust file that is missing or holds no certificate is a mistake in the options, named as
   * such: not a server's certificate that is not trusted.
   */
  @Test
  public void aTrustFileWithoutCertificatesIsNamed(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.pem");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    for (Path file : List.of(missing, garbage)) {
      RedisTransport transport =
          new RedisTransport(RedisTests.options().toBuilder().trustedCertificates(file).build());
      String message = refused(transport, redis.freshAddress("tls-file"));
      assertTrue(message.contains("cannot use RedisOptions.trustedCertificates " + file), message);
      assertFalse(message.contains("server's certificate"), message);
    }
  }

  @Test
  public void theHostNameIsChecked() {
    String byName = redis.freshAddress("tls-name").replace("127.0.0.1", "localhost");
    String message = refused(trusting(), byName);
    assertTrue(message.contains("does not name localhost"), message);
  }

  @Test
  public void plainRedisOnTheTlsPortFailsToStart() {
    String plain = redis.freshAddress("tls-plain").replace("rediss://", "redis://");
    String message = refused(trusting(), plain);
    assertTrue(message.contains("needs rediss://"), message);
  }

  /**
   * Redis reads the TLS hello on a plain port as a command and mostly waits for its end: the
   * handshake times out (it took Netty's 10 s) or, when the hello holds a newline, fails.
   */
  @Test
  public void tlsOnAPlainPortFailsToStart() {
    String tls = RedisTests.redis().freshAddress("plain-tls").replace("redis://", "rediss://");
    String message = refused(trusting(), tls);
    assertTrue(message.contains("a TLS port?"), message);
  }

  @Test
  public void aServerThatNeverAnswersTheTlsHandshakeFailsWithinTheConnectTimeout()
      throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String message = refused(trusting(), "rediss://127.0.0.1:" + silent.getLocalPort() + "/s");
      assertTrue(message.contains("no TLS handshake or no answer within 2000 ms"), message);
    }
  }

  @Test
  public void aServerThatNeverAnswersFailsWithinTheConnectTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String message = refused(trusting(), "redis://127.0.0.1:" + silent.getLocalPort() + "/s");
      assertTrue(message.contains("no answer within 2000 ms"), message);
    }
  }

  /**
   * Starts a connecting peer that must fail; checks that it fails in time and leaves no endpoint
   * open, and returns what it says.
   */
  private String refused(RedisTransport transport, String address) {
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(transport)
                .connect(address)
                .connectTimeout(CONNECT_TIMEOUT)
                .build());
    long start = System.nanoTime();
    ConnectionLostException e = assertThrows(ConnectionLostException.class, client::start);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(FAILS_WITHIN) < 0, "took " + took + ": " + e.getMessage());
    assertEquals(0, transport.openEndpoints(), "the failed endpoint is released");
    return e.getMessage();
  }
}
