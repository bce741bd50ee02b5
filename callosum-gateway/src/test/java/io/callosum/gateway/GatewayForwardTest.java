package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.tcp.TcpOptions;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TCP forwarding through the link (like {@code ssh -L}): a connection to A's forward port reaches a
 * real server next to gateway B; a large transfer arrives byte for byte while the gateways hold at
 * most a few windows; either end closing is passed on in order.
 */
class GatewayForwardTest {
  private static final int TOTAL = 64 << 20;

  @RegisterExtension final Closer closer = new Closer();
  private ServerSocket echo;
  private ServerSocket greeter;
  private Clusters clusters;

  @BeforeEach
  void start() throws Exception {
    ExecutorService echoThread = closer.executor("echo-server");
    ExecutorService greeterThread = closer.executor("greeter");
    echo =
        closer.later(
            new ServerSocket(
                0, 50, InetAddress.getLoopbackAddress())); // closed before the threads are awaited
    greeter = closer.later(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    echoThread.execute(() -> serve(echo, s -> s.getInputStream().transferTo(s.getOutputStream())));
    greeterThread.execute(
        () ->
            serve(
                greeter,
                s ->
                    s.getOutputStream()
                        .write("hello, then goodbye".getBytes(StandardCharsets.UTF_8))));
    String echoTarget = "127.0.0.1:" + echo.getLocalPort();
    String greeterTarget = "127.0.0.1:" + greeter.getLocalPort();
    clusters =
        Clusters.start(
            TcpOptions.defaults(),
            a ->
                a.forward(Clusters.LOOPBACK, "B", echoTarget)
                    .forward(Clusters.LOOPBACK, "B", greeterTarget),
            b -> b.grantForward("A", echoTarget).grantForward("A", greeterTarget));
  }

  @AfterEach
  void stop() {
    clusters.close();
  }

  private interface Session {
    void run(Socket s) throws IOException;
  }

  /**
   * A plain blocking server: one thread per connection would do, but these tests make one
   * connection at a time.
   */
  private static void serve(ServerSocket server, Session session) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        session.run(s);
        s.shutdownOutput();
        s.getInputStream().transferTo(OutputStream.nullOutputStream());
      } catch (IOException e) {
        return;
      }
    }
  }

  private static Socket connect(String address) throws IOException {
    URI u = URI.create(address);
    Socket s = new Socket();
    s.connect(new InetSocketAddress(u.getHost(), u.getPort()), (int) Await.LIMIT.toMillis());
    s.setSoTimeout((int) Await.LIMIT.toMillis());
    return s;
  }

  @Test
  void aLargeTransferThroughAnEchoServerArrivesByteForByteWithBoundedBuffers() throws Exception {
    Socket s = closer.later(connect(clusters.a.forwardAddresses().get(0)));
    ExecutorService writer = closer.executor("forward-writer");
    CompletableFuture<Void> written =
        CompletableFuture.runAsync(
            () -> {
              try {
                OutputStream out = s.getOutputStream();
                Random r = new Random(42);
                byte[] block = new byte[256 << 10];
                for (int sent = 0; sent < TOTAL; sent += block.length) {
                  r.nextBytes(block);
                  out.write(block);
                }
                s.shutdownOutput();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            writer);
    InputStream in = s.getInputStream();
    Random expected = new Random(42);
    byte[] want = new byte[256 << 10];
    byte[] got = new byte[want.length];
    AtomicLong maxBuffered = new AtomicLong();
    for (int received = 0; received < TOTAL; received += want.length) {
      expected.nextBytes(want);
      int n = in.readNBytes(got, 0, got.length);
      assertEquals(want.length, n, "short read at " + received);
      assertArrayEquals(want, got, "bytes differ in the block at " + received);
      if (received % (8 << 20) == 0) {
        maxBuffered.accumulateAndGet(
            clusters.a.status().bufferedBytes() + clusters.b.status().bufferedBytes(), Math::max);
      }
    }
    assertEquals(-1, in.read(), "the end of the echo arrives after the last byte");
    Await.result(written);
    assertTrue(
        maxBuffered.get() <= 8L * (256 << 10), "the gateways held " + maxBuffered.get() + " bytes");
    Await.until(
        "the forward channel is closed at both gateways",
        () ->
            clusters.a.status().forwards() == 0
                && clusters.b.status().forwards() == 0
                && clusters.a.status().link("B").channels() == 0);
  }

  @Test
  void theFarEndClosingIsPassedOnInOrder() throws Exception {
    try (Socket s = connect(clusters.a.forwardAddresses().get(1))) {
      assertEquals(
          "hello, then goodbye",
          new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      s.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
      s.shutdownOutput();
    }
    Await.until(
        "the forward channel is closed at both gateways",
        () ->
            clusters.a.status().forwards() == 0
                && clusters.b.status().forwards() == 0
                && clusters.b.status().link("A").channels() == 0);
  }
}
