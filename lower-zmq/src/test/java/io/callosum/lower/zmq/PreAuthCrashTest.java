package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jeromq 0.6.0 crashes its I/O thread on a ZMTP frame whose 8-byte length has the top bit set, then
 * spins at full CPU with every socket of the context deaf once that connection closes. The lower
 * must survive it: after the hostile packet, legitimate clients are still served, and no ZeroMQ
 * thread burns CPU.
 */
class PreAuthCrashTest {
  private static byte[] greeting(String mechanism) {
    byte[] g = new byte[64];
    g[0] = (byte) 0xff; // signature
    g[9] = 0x7f;
    g[10] = 3; // ZMTP 3.0
    byte[] m = mechanism.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(m, 0, g, 12, m.length);
    return g;
  }

  static void sendHostilePacket(String address, String mechanism, byte[] length) throws Exception {
    URI u = URI.create(address.substring("zmq+".length()));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 2000);
      OutputStream out = s.getOutputStream();
      out.write(greeting(mechanism));
      for (int flags : new int[] {0x06, 0x02}) { // a long command, then a long message frame
        out.write(flags);
        out.write(length);
      }
      out.flush();
    } // ...and the hostile connection closes
  }

  /**
   * CPU time of ZeroMQ's own threads (java.management is read reflectively: tests run as this
   * module).
   */
  private static long zeroMqThreadCpuNanos() throws ReflectiveOperationException {
    Object mx =
        Class.forName("java.lang.management.ManagementFactory")
            .getMethod("getThreadMXBean")
            .invoke(null);
    Method cpuTime =
        Class.forName("java.lang.management.ThreadMXBean")
            .getMethod("getThreadCpuTime", long.class);
    long total = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("iothread") || t.getName().startsWith("reaper")) {
        total += Math.max(0, (Long) cpuTime.invoke(mx, t.getId()));
      }
    }
    return total;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aNegativeFrameLengthKillsNothing(boolean curve) throws Exception {
    survives(
        curve,
        server -> {
          byte[] minusOne = new byte[8];
          Arrays.fill(minusOne, (byte) 0xff);
          byte[] topBit = {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0};
          for (byte[] length : new byte[][] {minusOne, topBit}) {
            sendHostilePacket(server.address(), curve ? "CURVE" : "NULL", length);
          }
        });
  }

  /**
   * jeromq 0.6.0 opens INITIATE's box into a buffer with room for 256 bytes of metadata: a client
   * that knows the server's public key (any key of its own, before ZAP is asked) and sends more
   * makes its I/O thread throw BufferOverflowException. That connection fails; nothing else may.
   */
  @Test
  void anInitiateWithMoreThan256BytesOfMetadataKillsNothing() throws Exception {
    survives(
        true,
        server -> {
          try (RawZmtpClient hostile =
              RawZmtpClient.curve(
                  server.address(),
                  SERVER_KEYS.publicKey(),
                  CurveKeyPair.generate(),
                  Map.of("X-Padding", "x".repeat(300)))) {
            assertFalse(
                hostile.accepted(),
                "a client whose INITIATE overflows jeromq's buffer is not let in");
          } catch (IOException silent) {
            // what jeromq 0.6.0 does: that connection gets no answer (until its handshake times
            // out)
          }
        });
  }

  private static final CurveKeyPair SERVER_KEYS = CurveKeyPair.generate();
  private static final CurveKeyPair CLIENT_KEYS = CurveKeyPair.generate();

  /**
   * An attack on a bound peer (given the peer): clients connected before and after it are served,
   * and no ZeroMQ thread spins.
   */
  private static void survives(boolean curve, Attack attack) throws Exception {
    ZmqOptions serverOptions = ZmqOptions.defaults();
    ZmqOptions clientOptions = ZmqOptions.defaults();
    if (curve) {
      AllowListAuthenticator allow = new AllowListAuthenticator("crash", SERVER_KEYS);
      allow.allow(CLIENT_KEYS.publicKey());
      serverOptions = serverOptions.withCurveServer(allow);
      clientOptions =
          clientOptions.withCurveClient(
              ClientAuthenticator.of(SERVER_KEYS.publicKey(), CLIENT_KEYS));
    }
    ZmqTransport serverTransport = new ZmqTransport(serverOptions);
    ZmqTransport clientTransport = new ZmqTransport(clientOptions); // another "process"
    try (Peer server =
        Peer.builder().transport(serverTransport).bind("zmq+tcp://127.0.0.1:0").build()) {
      server.handle("echo", (ctx, body) -> body.value());
      server.start();
      try (ConnectedPeer before =
          Peer.builder()
              .transport(clientTransport)
              .connect(server.address())
              .defaultTimeout(Duration.ofSeconds(5))
              .build()
              .start()) {
        assertEquals("before", before.invokeAndWait("echo", "before"));
        attack.on(server);
        // A connection made before the attack and new ones after it are all served.
        assertEquals("still", before.invokeAndWait("echo", "still"));
        for (int i = 0; i < 3; i++) {
          try (ConnectedPeer after =
              Peer.builder()
                  .transport(clientTransport)
                  .connect(server.address())
                  .connectTimeout(Duration.ofSeconds(5))
                  .defaultTimeout(Duration.ofSeconds(5))
                  .build()
                  .start()) {
            assertEquals(i, after.invokeAndWait("echo", i));
          }
        }
      }
      // No ZeroMQ I/O thread is left spinning: over a short window they use little CPU.
      long cpu0 = zeroMqThreadCpuNanos();
      long wall0 = System.nanoTime();
      Await.until("a measurement window of 300 ms", () -> System.nanoTime() - wall0 > 300_000_000L);
      long used = zeroMqThreadCpuNanos() - cpu0;
      assertTrue(
          used < 150_000_000L, "ZeroMQ threads used " + used / 1_000_000 + " ms of CPU in 300 ms");
    }
  }

  /** What a hostile client does to the bound peer. */
  private interface Attack {
    void on(Peer server) throws Exception;
  }
}
