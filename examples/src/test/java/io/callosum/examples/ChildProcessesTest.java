package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The child JVMs of a command end with it: when it closes them, when its JVM is stopped by a signal
 * (the shutdown hook), and when it is killed (their stdin ends).
 */
@Timeout(120)
class ChildProcessesTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void closeEndsAChildThatWatchesItsStdinAtOnce() throws Exception {
    ChildProcesses.Child child;
    long start;
    try (ChildProcesses children = new ChildProcesses("test", Duration.ofSeconds(30))) {
      child = children.start("obedient", ChildMains.Obedient.class, List.of());
      assertEquals("obedient", child.awaitReady(WAIT));
      start = System.nanoTime();
    }
    assertFalse(child.isAlive());
    assertEquals(0, child.awaitExit(0), "it exited by itself, not by a kill");
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "without the grace");
  }

  @Test
  void closeKillsAChildThatIgnoresItsStdin() throws Exception {
    ChildProcesses.Child child;
    try (ChildProcesses children = new ChildProcesses("test", Duration.ofMillis(200))) {
      child = children.start("deaf", ChildMains.Deaf.class, List.of());
      child.awaitReady(WAIT);
    }
    assertFalse(child.isAlive());
  }

  @Test
  void aChildThatDoesNotStartIsReportedWithItsExitAndLastWords() throws Exception {
    try (ChildProcesses children = new ChildProcesses("test")) {
      ChildProcesses.Child child = children.start("failing", ChildMains.Failing.class, List.of());
      IOException e = assertThrows(IOException.class, () -> child.awaitReady(WAIT));
      assertTrue(e.getMessage().startsWith("failing ended (exit 3)"), e::getMessage);
      assertTrue(e.getMessage().endsWith(": no such thing"), e::getMessage);
    }
  }

  @Test
  void aParentStoppedBySignalKillsItsChildren() throws Exception {
    // The child ignores its stdin, so only the parent's shutdown hook can end it.
    assertChildEndsWithParent("Deaf", false);
  }

  @Test
  void aKilledParentsChildrenExitWhenTheirStdinEnds() throws Exception {
    // No hook runs on SIGKILL: the child sees its stdin end.
    assertChildEndsWithParent("Obedient", true);
  }

  private static void assertChildEndsWithParent(String kind, boolean kill) throws Exception {
    try (ChildProcesses parents = new ChildProcesses("test")) {
      ChildProcesses.Child parent = parents.start("parent", ChildMains.Parent.class, List.of(kind));
      String line = parent.nextLine(WAIT);
      assertTrue(line.startsWith("CHILD "), line);
      ProcessHandle child =
          ProcessHandle.of(Long.parseLong(line.substring("CHILD ".length()))).orElseThrow();
      try {
        assertTrue(child.isAlive());
        if (kill) {
          parent.kill();
        } else {
          ProcessHandle.of(parent.pid()).orElseThrow().destroy(); // SIGTERM
          assertEquals(143, parent.awaitExit(WAIT.toNanos()), "128 + SIGTERM");
        }
        child.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertFalse(child.isAlive());
      } finally {
        child.destroyForcibly(); // if the test failed: no orphan
      }
    }
  }
}
