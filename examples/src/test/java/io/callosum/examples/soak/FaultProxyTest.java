package io.callosum.examples.soak;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the soak's fault proxy does to the bytes between a client and an echo server. Times are
 * checked as lower bounds only (a fault must hold bytes at least that long), with generous waits.
 */
class FaultProxyTest {
  private static final int WAIT_MILLIS = 10_000;

  private ServerSocket server;
  private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

  /** How each echoed connection ended: "end of stream", or the exception that ended it. */
  private final BlockingQueue<String> ends = new LinkedBlockingQueue<>();

  private Thread echo;
  private FaultProxy proxy;

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    echo = new Thread(this::serve, "echo-server");
    echo.start();
    proxy = new FaultProxy("test", server.getLocalPort());
  }

  @AfterEach
  void stop() throws Exception {
    proxy.close();
    server.close();
    echo.join(WAIT_MILLIS);
    for (Socket s : accepted) {
      s.close();
    }
    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith("soak-proxy-test")),
        "the proxy's threads end with it");
  }

  /** Echoes every connection on a thread of its own until it ends. */
  private void serve() {
    while (true) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      accepted.add(s);
      Thread t =
          new Thread(
              () -> {
                try (s) {
                  s.getInputStream().transferTo(s.getOutputStream());
                  ends.add("end of stream");
                } catch (IOException e) {
                  ends.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
              },
              "echo");
      t.setDaemon(true);
      t.start();
    }
  }

  private Socket client() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    s.setSoTimeout(WAIT_MILLIS);
    return s;
  }

  private static byte[] read(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    assertEquals(n, b.length, "bytes before the end of the stream");
    return b;
  }

  private static long millisSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  @Test
  void bytesAndTheEndOfTheStreamPassBothWays() throws Exception {
    try (Socket c = client()) {
      byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
      c.getOutputStream().write(hello);
      assertArrayEquals(hello, read(c.getInputStream(), hello.length));
      c.shutdownOutput(); // the echo server sees the end, closes, and so does the proxy
      assertEquals(-1, c.getInputStream().read());
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (proxy.connections() > 0 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    assertEquals(0, proxy.connections(), "an ended connection is forgotten");
  }

  @Test
  void latencyDelaysBytesEachWay() throws Exception {
    try (Socket c = client()) {
      c.getOutputStream().write(1);
      read(c.getInputStream(), 1);
      proxy.faults().delay(Duration.ofMillis(150), Duration.ofSeconds(30));
      long t0 = System.nanoTime();
      c.getOutputStream().write(2);
      assertEquals(2, read(c.getInputStream(), 1)[0]);
      assertTrue(millisSince(t0) >= 300, "round trip of " + millisSince(t0) + " ms");
      proxy.faults().clear();
    }
  }

  @Test
  void aStallHoldsBytesAndLosesNone() throws Exception {
    try (Socket c = client()) {
      byte[] data = new byte[100_000];
      new Random(1).nextBytes(data);
      proxy.faults().stall(Duration.ofMillis(600));
      long t0 = System.nanoTime();
      OutputStream out = c.getOutputStream();
      out.write(data);
      c.setSoTimeout(200);
      assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read());
      c.setSoTimeout(WAIT_MILLIS);
      assertArrayEquals(data, read(c.getInputStream(), data.length));
      assertTrue(millisSince(t0) >= 600, "stalled " + millisSince(t0) + " ms");
    }
  }

  @Test
  void aBandwidthCapPacesTheBytes() throws Exception {
    try (Socket c = client()) {
      byte[] data = new byte[48 << 10];
      proxy.faults().cap(64 << 10, Duration.ofSeconds(30));
      long t0 = System.nanoTime();
      c.getOutputStream().write(data);
      read(c.getInputStream(), data.length);
      assertTrue(millisSince(t0) >= 700, "48 KiB at 64 KiB/s took " + millisSince(t0) + " ms");
    }
  }

  @Test
  void aResetReachesBothEnds() throws Exception {
    try (Socket c = client()) {
      c.getOutputStream().write(1);
      read(c.getInputStream(), 1);
      assertEquals(1, proxy.reset());
      assertThrows(SocketException.class, () -> c.getInputStream().read());
      String end = ends.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertTrue(end != null && end.contains("reset"), "the server's end: " + end);
    }
  }

  @Test
  void halfOpenLeavesTheKeptSideInSilenceThenResetsIt() throws Exception {
    try (Socket c = client()) {
      c.getOutputStream().write(1);
      read(c.getInputStream(), 1);
      long t0 = System.nanoTime();
      assertEquals(1, proxy.halfOpen(ProxiedConnection.Side.CLIENT, Duration.ofMillis(800)));
      String end = ends.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      assertTrue(end != null && end.contains("reset"), "the server's end: " + end);
      c.getOutputStream().write(2); // goes nowhere, and no error says so
      c.setSoTimeout(300);
      assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read());
      c.setSoTimeout(WAIT_MILLIS);
      assertThrows(SocketException.class, () -> c.getInputStream().read());
      assertTrue(millisSince(t0) >= 800, "silent for " + millisSince(t0) + " ms");
    }
  }

  @Test
  void aRetargetedProxyConnectsElsewhereAndADeadTargetResets() throws Exception {
    proxy.retarget(deadPort());
    try (Socket c = client()) {
      assertThrows(SocketException.class, () -> c.getInputStream().read());
    }
    proxy.retarget(server.getLocalPort());
    try (Socket c = client()) {
      c.getOutputStream().write(7);
      assertEquals(7, read(c.getInputStream(), 1)[0]);
    }
  }

  private static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
