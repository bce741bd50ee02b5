package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.CallosumException;
import io.callosum.Peer;
import io.callosum.pipe.PipeDescriptor;
import io.callosum.pipe.Pipes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code callosum example netpipe}: two processes joined by a named pipe. This process hosts the
 * pipes; {@code callosum pipe write} and {@code callosum pipe read} run as child processes, each
 * given a descriptor. Shown twice: the reader gets end of file when the writer closes; a writer
 * whose reader is killed gets "broken pipe".
 */
final class Netpipe {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Bytes a reader takes before a process is killed in the broken-pipe runs. */
  private static final int BEFORE_KILL = 1 << 20;

  private final PrintWriter out;
  private final ChildProcesses children;
  private final BoundPeer host;
  private final List<String> failures = new ArrayList<>();

  private Netpipe(PrintWriter out, ChildProcesses children, BoundPeer host) {
    this.out = out;
    this.children = children;
    this.host = host;
  }

  /**
   * Runs the example, with {@code bytes} through the pipe in the first run. Returns what did not
   * behave as shown (empty when all did).
   */
  static List<String> run(PrintWriter out, long bytes) throws ExampleFailure, InterruptedException {
    try (ChildProcesses children = new ChildProcesses("netpipe");
        BoundPeer host = Peer.builder().name("netpipe-host").bind("tcp://127.0.0.1:0").build()) {
      Pipes.host(host);
      host.start();
      out.printf("This process hosts the pipes at %s%n", host.address());
      Netpipe example = new Netpipe(out, children, host);
      example.endOfFile(bytes);
      example.readerGoes();
      out.flush();
      return example.failures;
    } catch (IOException | CallosumException e) {
      throw new ExampleFailure(e.getMessage(), e);
    }
  }

  private PipeDescriptor pipe(String name) {
    return new PipeDescriptor(host.address(), name, PipeDescriptor.Mode.WRITE);
  }

  private ChildProcesses.Child start(String label, String verb, PipeDescriptor d)
      throws IOException {
    return children.start(label, Callosum.class, List.of("pipe", verb, d.toString()));
  }

  private void endOfFile(long bytes) throws IOException, ExampleFailure, InterruptedException {
    PipeDescriptor d = pipe("eof");
    out.printf(
        "%n1. End of file%n  callosum pipe write '%s' < (%,d bytes)%n"
            + "  callosum pipe read  '%s' > (this process)%n",
        d, bytes, d.other());
    ChildProcesses.Child writer = start("pipe write", "write", d);
    ChildProcesses.Child reader = start("pipe read", "read", d.other());
    CompletableFuture<byte[]> fed = feed(writer, bytes);
    Drained drained = drainWithin(reader.stdout(), Long.MAX_VALUE);
    byte[] sent;
    try {
      sent = fed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new ExampleFailure("feeding the writer's stdin did not end: " + e, e);
    }
    int writerExit = writer.awaitExit(WAIT.toNanos());
    int readerExit = reader.awaitExit(WAIT.toNanos());
    boolean same = Arrays.equals(sent, drained.digest);
    out.printf(
        "  the writer (pid %d) copied its stdin into the pipe and closed it: exit %d%n"
            + "  the reader (pid %d) wrote %,d bytes, then saw end of file: exit %d%n"
            + "  SHA-256 of what was written and what was read: %s%n",
        writer.pid(),
        writerExit,
        reader.pid(),
        drained.bytes,
        readerExit,
        same ? "equal" : "DIFFERENT");
    check(writerExit == ExitCodes.OK && readerExit == ExitCodes.OK, "both ends exit 0");
    check(same && drained.bytes == bytes, "the reader gets every byte, then end of file");
  }

  private void readerGoes() throws IOException, ExampleFailure, InterruptedException {
    PipeDescriptor d = pipe("reader-goes");
    out.printf("%n2. Broken pipe: the reader goes away%n");
    ChildProcesses.Child writer = start("pipe write", "write", d);
    ChildProcesses.Child reader = start("pipe read", "read", d.other());
    var unused = feed(writer, Long.MAX_VALUE); // until the writer stops taking its stdin
    Drained drained = drainWithin(reader.stdout(), BEFORE_KILL);
    reader.kill();
    int writerExit = writer.awaitExit(WAIT.toNanos());
    String said = writer.lastStderrLine();
    out.printf(
        "  the reader (pid %d) was killed after %,d bytes%n"
            + "  the writer (pid %d), writing on: exit %d, %s%n",
        reader.pid(), drained.bytes, writer.pid(), writerExit, said);
    check(
        writerExit == ExitCodes.FAILED && said.contains("broken pipe"),
        "a writer whose reader went away gets broken pipe");
  }

  /** Writes {@code bytes} pseudo-random bytes to the child's stdin on a thread of its own. */
  private static CompletableFuture<byte[]> feed(ChildProcesses.Child child, long bytes) {
    return CompletableFuture.supplyAsync(
        () -> {
          MessageDigest sha = sha256();
          SplittableRandom random = new SplittableRandom(bytes);
          byte[] buffer = new byte[64 << 10];
          try (OutputStream in = child.stdin()) {
            for (long left = bytes; left > 0; ) {
              int n = (int) Math.min(buffer.length, left);
              for (int i = 0; i < n; i++) {
                buffer[i] = (byte) random.nextInt();
              }
              in.write(buffer, 0, n);
              sha.update(buffer, 0, n);
              left -= n;
            }
          } catch (IOException stopped) {
            // the child stopped taking its stdin: it has gone
          }
          return sha.digest();
        });
  }

  /** What was read: how much, and its SHA-256. */
  private record Drained(long bytes, byte[] digest) {}

  /**
   * Reads {@code in} to its end, or until {@code limit} bytes have come, within {@link #WAIT}.
   *
   * @throws ExampleFailure if that takes longer (the children are killed when the example ends,
   *     which ends the read)
   */
  private static Drained drainWithin(InputStream in, long limit)
      throws ExampleFailure, InterruptedException {
    CompletableFuture<Drained> read =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return drain(in, limit);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    try {
      return read.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new ExampleFailure("the reader wrote nothing for " + WAIT.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      throw new ExampleFailure("reading the reader's stdout failed: " + e.getCause(), e);
    }
  }

  /** Reads {@code in} to its end, or until {@code limit} bytes have come. */
  private static Drained drain(InputStream in, long limit) throws IOException {
    MessageDigest sha = sha256();
    byte[] buffer = new byte[64 << 10];
    long total = 0;
    for (int n; total < limit && (n = in.read(buffer)) != -1; ) {
      sha.update(buffer, 0, n);
      total += n;
    }
    return new Drained(total, sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private void check(boolean ok, String what) {
    if (!ok) {
      failures.add(what);
    }
  }
}
