package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Peer;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfigFile;
import io.callosum.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code callosum send} and {@code callosum receive}: a file through a flow-controlled stream over
 * TCP.
 */
class SendReceiveTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String BIND = "tcp://127.0.0.1:0";

  @TempDir Path dir;

  /** {@code callosum receive} on its own thread, writing to {@code sink}; READY comes on stderr. */
  private static final class Receiver implements AutoCloseable {
    final WatchedWriter out = new WatchedWriter();
    final WatchedWriter err = new WatchedWriter();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    final String address;
    private final Thread thread;

    Receiver(String stream, OutputStream sink, String... options) throws InterruptedException {
      this(BIND, stream, sink, options);
    }

    Receiver(String bind, String stream, OutputStream sink, String... options)
        throws InterruptedException {
      CommandLine cl =
          Callosum.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
      ((ReceiveCommand) cl.getSubcommands().get("receive").getCommand()).out = sink;
      String[] args =
          Stream.concat(Stream.of("receive", "--bind", bind, stream), Arrays.stream(options))
              .toArray(String[]::new);
      thread = new Thread(() -> exit.complete(cl.execute(args)), "receive-command");
      thread.start();
      address = err.awaitLine(line -> line.startsWith("READY "), WAIT).substring("READY ".length());
      assertTrue(
          out.toString().isEmpty(), "receive wrote text to stdout, which is the data: " + out);
    }

    int exitCode() throws Exception {
      return exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      thread.interrupt();
      thread.join(WAIT.toMillis());
      assertTrue(!thread.isAlive(), "receive did not stop");
    }
  }

  private static ToolRun send(String address, String stream, InputStream in, String... options) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl =
        Callosum.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    ((SendCommand) cl.getSubcommands().get("send").getCommand()).in = in;
    String[] args =
        Stream.concat(Stream.of("send", "--connect", address, stream), Arrays.stream(options))
            .toArray(String[]::new);
    int exit = cl.execute(args);
    return new ToolRun(exit, out.toString(), err.toString());
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void aFileArrivesWholeWithProgressOnBothSides() throws Exception {
    byte[] data = random((5 << 20) + 123);
    Path file = Files.write(dir.resolve("data.bin"), data);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (Receiver r = new Receiver("backup", sink)) {
      ToolRun sent;
      try (InputStream in = new FileInputStream(file.toFile())) {
        sent = send(r.address, "backup", in);
      }
      sent.assertExit(
          ExitCodes.OK, "sent " + data.length + " bytes as stream backup to " + r.address);
      assertTrue(sent.err().contains("send backup 100%"), sent::toString);
      assertTrue(sent.err().contains("MiB/s"), sent::toString);
      assertEquals(ExitCodes.OK, r.exitCode(), r.err::toString);
      assertTrue(
          r.err.toString().contains("received " + data.length + " bytes as stream backup"),
          r.err::toString);
      assertTrue(
          r.err.toString().contains("receive backup 100%"),
          "the sender's size reached the receiver's bar: " + r.err);
      assertArrayEquals(data, sink.toByteArray());
    }
  }

  /** Both ends reach each other as tunnel://CLUSTER/NAME through the local gateway. */
  @Test
  void aFileArrivesWholeThroughAGateway() throws Exception {
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, "cluster: lab\nlisten: tcp://127.0.0.1:0\n");
    byte[] data = random((1 << 20) + 7);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (Gateway gateway = Gateway.start(GatewayConfigFile.read(config));
        Receiver r =
            new Receiver(
                "tunnel://lab/inbox",
                "backup",
                sink,
                "--quiet",
                "--gateway",
                gateway.localAddress())) {
      assertEquals("tunnel://lab/inbox", r.address);
      send(
              "tunnel://lab/inbox",
              "backup",
              new ByteArrayInputStream(data),
              "--quiet",
              "--gateway",
              gateway.localAddress())
          .assertExit(ExitCodes.OK, "sent " + data.length + " bytes as stream backup");
      assertEquals(ExitCodes.OK, r.exitCode(), r.err::toString);
      assertArrayEquals(data, sink.toByteArray());
    }
  }

  /** While stdout does not take bytes, the sender stops within the receiver's window. */
  @Test
  void aSlowStdoutHoldsTheSenderBack() throws Exception {
    int total = 48 << 20;
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong written = new AtomicLong();
    OutputStream gated =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (written.get() >= 1 << 20) {
              try {
                release.await();
              } catch (InterruptedException e) {
                throw new InterruptedIOException();
              }
            }
            written.addAndGet(len);
          }
        };
    AtomicLong read = new AtomicLong();
    InputStream source =
        new InputStream() {
          @Override
          public int read() {
            throw new UnsupportedOperationException();
          }

          @Override
          public int read(byte[] b, int off, int len) {
            long left = total - read.get();
            if (left == 0) {
              return -1;
            }
            int n = (int) Math.min(len, left);
            read.addAndGet(n);
            return n;
          }
        };
    try (Receiver r = new Receiver("slow", gated, "--quiet")) {
      CompletableFuture<ToolRun> sender =
          CompletableFuture.supplyAsync(() -> send(r.address, "slow", source, "--quiet"));
      Await.until("the receiver's stdout blocks", () -> written.get() >= 1 << 20);
      long window = Peer.DEFAULT_STREAM_WINDOW_BYTES + 4L * Transfer.ITEM;
      Await.holds(
          "the sender stays within the window",
          () -> read.get() - written.get() <= window,
          Duration.ofMillis(500));
      assertTrue(read.get() < total / 2, "the sender read " + read.get() + " bytes");
      release.countDown();
      sender
          .get(WAIT.toSeconds(), TimeUnit.SECONDS)
          .assertExit(ExitCodes.OK, "sent " + total + " bytes");
      assertEquals(ExitCodes.OK, r.exitCode(), r.err::toString);
      assertEquals(total, written.get());
    }
  }

  @Test
  void anotherStreamNameIsRefusedAndTheReceiverWaitsOn() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (Receiver r = new Receiver("wanted", sink, "--quiet")) {
      send(r.address, "other", new ByteArrayInputStream(random(1000)), "--quiet")
          .assertExit(ExitCodes.FAILED, "takes the stream 'wanted', not 'other'");
      assertTrue(!r.exit.isDone(), "the receiver gave up");
      byte[] data = random(70_000);
      send(r.address, "wanted", new ByteArrayInputStream(data), "--quiet").assertExit(ExitCodes.OK);
      assertEquals(ExitCodes.OK, r.exitCode(), r.err::toString);
      assertArrayEquals(data, sink.toByteArray());
    }
  }

  /**
   * A sender whose input fails ends the stream with that error: the receiver does not take a part
   * for the whole.
   */
  @Test
  void aBrokenSenderFailsTheReceiver() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    AtomicLong read = new AtomicLong();
    InputStream failing =
        new InputStream() {
          @Override
          public int read() {
            throw new UnsupportedOperationException();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (read.get() >= 300_000) {
              throw new IOException("disk gone");
            }
            read.addAndGet(len);
            return len;
          }
        };
    try (Receiver r = new Receiver("part", sink, "--quiet")) {
      ToolRun sent = send(r.address, "part", failing, "--quiet");
      assertEquals(ExitCodes.UNEXPECTED, sent.exit(), sent::toString);
      assertTrue(sent.err().contains("disk gone"), sent::toString);
      assertEquals(ExitCodes.CONNECTION, r.exitCode(), r.err::toString);
      assertTrue(r.err.toString().contains("the stream 'part' broke off after"), r.err::toString);
    }
  }

  /**
   * A stdout that fails (closed, disk full, a pipe whose reader left) fails both commands, with the
   * reason.
   */
  @Test
  void aStdoutThatFailsFailsBothSides() throws Exception {
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("Broken pipe");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("Broken pipe");
          }
        };
    try (Receiver r = new Receiver("data", broken, "--quiet")) {
      send(r.address, "data", new ByteArrayInputStream(random(200_000)), "--quiet")
          .assertExit(
              ExitCodes.FAILED, "the receiver could not write the stream 'data': Broken pipe");
      assertEquals(ExitCodes.FAILED, r.exitCode(), r.err::toString);
      assertTrue(
          r.err.toString().contains("receive: writing stdout failed after 0 bytes: Broken pipe"),
          r.err::toString);
    }
    // System.out is a PrintStream, which would swallow those errors: receive writes to the
    // descriptor.
    assertTrue(
        !(new ReceiveCommand().out instanceof PrintStream), "receive writes through a PrintStream");
  }

  @Test
  void aStoppedReceiverSaysSo() throws Exception {
    Receiver r = new Receiver("never", new ByteArrayOutputStream());
    r.close();
    assertEquals(ExitCodes.FAILED, r.exitCode());
    assertTrue(
        r.err.toString().contains("stopped before the stream 'never' was received whole"),
        r.err::toString);
  }
}
