package io.callosum.examples;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How a command that runs until stopped ({@code serve}, {@code gateway}) waits: for SIGTERM or
 * SIGINT, or, inside another program, for its thread to be interrupted. A JVM ended by a signal
 * exits with 128 + the signal number once its hooks return; the hook instead asks the command's
 * thread to close what it runs, waits for that, then halts with status 0: stopped as asked.
 *
 * <p>Use it as the first resource of the command's try-with-resources, so that it is closed last:
 * {@code try (stop; Peer peer = ...) { ...; stop.await(); } return stop.stopped(err);}
 */
final class StopSignal implements AutoCloseable {
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread hook;
  private boolean interrupted;

  StopSignal(String threadName) {
    hook =
        new Thread(
            () -> {
              stop.countDown();
              boolean clean = awaitQuietly(stopped, 10);
              Runtime.getRuntime().halt(clean ? ExitCodes.OK : ExitCodes.UNEXPECTED);
            },
            threadName);
  }

  /** Waits (once READY is printed) for a signal or an interrupt. */
  void await() {
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stop.await();
    } catch (InterruptedException e) {
      // Stopped by the program that runs this command. The flag is set again only in stopped(),
      // after what the command runs has closed, so that closing still waits for its threads.
      interrupted = true;
    }
  }

  /** Removes the hook (unless it is running: it waits for {@link #stopped}). */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running: it waits for this thread to finish.
    }
  }

  /** After everything closed: says so, lets a running hook halt the JVM, restores an interrupt. */
  int stopped(PrintWriter err) {
    err.println("stopped");
    err.flush();
    stopped.countDown();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }

  private static boolean awaitQuietly(CountDownLatch latch, int seconds) {
    try {
      return latch.await(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      return false;
    }
  }
}
