package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.Peer;
import io.callosum.pipe.PipeDescriptor;
import io.callosum.pipe.Pipes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code callosum pipe write} and {@code pipe read} in this JVM, over TCP to a pipe host: the
 * bytes, end of file, a broken pipe, a busy pipe, and a user's mistakes in one line.
 */
@Timeout(60)
class PipeCommandTest {
  private static final long WAIT_SECONDS = 30;
  private static final int FAIL_AFTER = 200 << 10;

  private BoundPeer host;

  @BeforeEach
  void host() {
    host = Peer.builder().name("pipes").bind("tcp://127.0.0.1:0").build();
    Pipes.host(host);
    host.start();
  }

  @AfterEach
  void close() {
    host.close();
  }

  private PipeDescriptor pipe(String name) {
    return new PipeDescriptor(host.address(), name, PipeDescriptor.Mode.WRITE);
  }

  /** {@code callosum pipe VERB DESCRIPTOR} on a thread of its own, with the given stdin/stdout. */
  private static CompletableFuture<ToolRun> start(
      String verb, String descriptor, InputStream in, OutputStream out) {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    CommandLine cl =
        Callosum.commandLine().setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr));
    Object command = cl.getSubcommands().get("pipe").getSubcommands().get(verb).getCommand();
    if (command instanceof PipeCommand.Write w) {
      w.in = in;
    } else {
      ((PipeCommand.Read) command).out = out;
    }
    return CompletableFuture.supplyAsync(
        () -> {
          int exit = cl.execute("pipe", verb, descriptor);
          return new ToolRun(exit, stdout.toString(), stderr.toString());
        });
  }

  private static ToolRun await(CompletableFuture<ToolRun> run) throws Exception {
    return run.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void theReaderGetsEveryByteThenEndOfFile() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(1).nextBytes(data);
    PipeDescriptor d = pipe("copy");
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    var writer = start("write", d.toString(), new ByteArrayInputStream(data), null);
    var reader = start("read", d.other().toString(), null, copy);
    assertEquals(new ToolRun(0, "", "wrote 1048576 bytes into pipe copy\n"), await(writer));
    assertEquals(new ToolRun(0, "", "read 1048576 bytes from pipe copy\n"), await(reader));
    assertArrayEquals(data, copy.toByteArray());
  }

  @Test
  void aReaderThatGoesAwayBreaksTheWritersPipe() throws Exception {
    PipeDescriptor d = pipe("reader-goes");
    var writer = start("write", d.toString(), endless(), null);
    var reader = start("read", d.other().toString(), null, failingAfter(FAIL_AFTER));
    ToolRun read = await(reader);
    read.assertExit(ExitCodes.FAILED, "callosum: pipe read: writing stdout failed: disk full");
    ToolRun written = await(writer);
    assertOneLine(
        written,
        ExitCodes.FAILED,
        "callosum: pipe write: broken pipe: the reader of pipe 'reader-goes' went away");
  }

  @Test
  void aSecondWriterIsRefused() throws Exception {
    PipeDescriptor d = pipe("busy");
    var first = start("write", d.toString(), endless(), null);
    ToolRun second;
    // The first writer takes the pipe when its call arrives: retry until it has.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    do {
      second = await(start("write", d.toString(), new ByteArrayInputStream(new byte[1]), null));
    } while (second.exit() == ExitCodes.OK && System.nanoTime() < deadline);
    assertOneLine(
        second, ExitCodes.FAILED, "callosum: pipe write: pipe 'busy' is busy: it has a writer");
    var reader = start("read", d.other().toString(), null, failingAfter(0));
    await(reader);
    await(first).assertExit(ExitCodes.FAILED, "broken pipe");
  }

  @Test
  void mistakesAreOneLineWithTheirExitCode() throws Exception {
    ToolRun notADescriptor = ToolRun.of("pipe", "write", "nonsense");
    notADescriptor.assertExit(ExitCodes.USAGE, "callosum: not a pipe descriptor");
    PipeDescriptor d = pipe("p");
    ToolRun wrongEnd = ToolRun.of("pipe", "write", d.other().toString());
    wrongEnd.assertExit(ExitCodes.USAGE, "is the read end of the pipe", d.toString());
    ToolRun wrongMode = ToolRun.of("pipe", "read", host.address() + "#pipe=p;both");
    wrongMode.assertExit(ExitCodes.USAGE, "a pipe descriptor ends in ;read or ;write, not ;both");
    for (ToolRun run : new ToolRun[] {notADescriptor, wrongEnd, wrongMode}) {
      assertFalse(run.err().contains("\tat "), run::toString);
    }
    assertOneLine(
        ToolRun.of("pipe", "read", "tcp://127.0.0.1:1#pipe=p;read"),
        ExitCodes.CONNECTION,
        "callosum: pipe read: the pipe's host cannot be reached: cannot reach tcp://127.0.0.1:1:"
            + " Connection refused");
    ToolRun.of("pipe").assertExit(ExitCodes.USAGE, "Missing command: one of write, read, host");
  }

  private static void assertOneLine(ToolRun run, int code, String line) {
    run.assertExit(code);
    assertEquals(line + "\n", run.err(), run::toString);
    assertTrue(run.out().isEmpty(), run::toString);
  }

  /** A stdin that never ends. */
  private static InputStream endless() {
    return new InputStream() {
      @Override
      public int read() {
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        return len;
      }
    };
  }

  /** A stdout that fails once {@code bytes} have been written. */
  private static OutputStream failingAfter(int bytes) {
    return new OutputStream() {
      private int left = bytes;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len > left) {
          throw new IOException("disk full");
        }
        left -= len;
      }
    };
  }
}
