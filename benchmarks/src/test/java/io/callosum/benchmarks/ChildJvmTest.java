package io.callosum.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The worker JVMs: they serve, answer commands, report failures clearly, and never outlive the
 * harness.
 */
class ChildJvmTest {
  @Test
  @Timeout(60)
  void aWorkerServesAnswersAndQuitsWhenClosed() throws Exception {
    ChildJvm worker =
        ChildJvm.open("test-echo", ChildJvm.Spec.DEFAULT, Role.RAW_ECHO, List.of("4096"));
    ProcessHandle process = ProcessHandle.of(worker.pid().getAsLong()).orElseThrow();
    try (Socket socket = new Socket()) {
      socket.connect(Sockets.address(worker.address()));
      OutputStream out = socket.getOutputStream();
      out.write(new byte[] {0, 0, 0, 2, 'h', 'i'});
      out.flush();
      assertEquals(
          6, socket.getInputStream().readNBytes(6).length, "the echo comes from the worker JVM");
    }
    long[] heapAndThreads = worker.heapAndThreads();
    assertTrue(heapAndThreads[0] > 0 && heapAndThreads[1] > 0);
    IOException unknown = assertThrows(IOException.class, () -> worker.request("frobnicate"));
    assertTrue(unknown.getMessage().contains("unknown command frobnicate"), unknown.getMessage());

    worker.close();

    assertFalse(process.isAlive(), "closed means exited");
  }

  @Test
  @Timeout(60)
  void theProtocolIsFoundAmongOtherOutputOfTheJvm() throws Exception {
    // the JVM's own log lines on stdout (as its warnings go there by default) around the answers
    try (ChildJvm worker =
        ChildJvm.open(
            "test-noisy",
            ChildJvm.Spec.DEFAULT.with(List.of("-Xlog:gc*=debug:stdout")),
            Role.RAW_ECHO,
            List.of("4096"))) {
      assertTrue(worker.address().matches("127\\.0\\.0\\.1:\\d+"), worker.address());
      assertTrue(
          worker.heapAndThreads()[0] > 0, "the answer after a collection that logs on stdout");
    }
  }

  @Test
  @Timeout(60)
  void aRoleThatCannotOpenSaysWhyAndLeavesNoProcess() {
    long before = ProcessHandle.current().children().count();

    IOException e =
        assertThrows(
            IOException.class,
            () ->
                ChildJvm.open(
                    "test-bad",
                    ChildJvm.Spec.DEFAULT,
                    Role.CALLOSUM_ECHO,
                    List.of("nope://x", "direct", "plain")));

    assertTrue(e.getMessage().contains("did not start: FAILED"), e.getMessage());
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
    assertEquals(before, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count());
  }

  @Test
  @Timeout(90)
  void aWorkerExitsByItselfWhenItsHarnessDies() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process harness =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                OrphanHarness.class.getName())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    ProcessHandle worker;
    try {
      BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8));
      String line = lines.readLine();
      assertTrue(
          line != null && line.startsWith("WORKER "), "the harness started its worker: " + line);
      Optional<ProcessHandle> found = ProcessHandle.of(Long.parseLong(line.substring(7).trim()));
      assertTrue(found.isPresent() && found.get().isAlive());
      worker = found.get();
    } finally {
      harness.destroyForcibly(); // SIGKILL: the harness cannot close anything itself
    }
    assertTrue(harness.waitFor(30, TimeUnit.SECONDS));

    assertTrue(
        worker.onExit().completeOnTimeout(null, 40, TimeUnit.SECONDS).get() != null
            && !worker.isAlive(),
        "the worker saw its stdin end and exited");
  }
}
