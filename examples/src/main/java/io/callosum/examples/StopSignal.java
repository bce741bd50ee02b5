package io.callosum.examples;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How a command that runs until stopped ({@code serve}, {@code gateway}) waits and stops: it waits
 * for SIGTERM or SIGINT, or, inside another program, for its thread to be interrupted; then it
 * stops what it runs gracefully within a grace period ({@link #drain}). A JVM ended by a signal
 * exits with 128 + the signal number once its hooks return; the hook instead asks the command's
 * thread to stop what it runs, waits for that (the grace period and then some), then halts with the
 * command's exit code: {@value ExitCodes#OK} when everything in flight finished, {@value
 * ExitCodes#CUT_SHORT} when the grace period ran out first.
 *
 * <p>Use it as the first resource of the command's try-with-resources, so that it is closed last:
 * {@code try (stop; Peer peer = ...) { ...; stop.await(); code = stop.drain(...); } return
 * stop.stopped(err, code);}
 */
final class StopSignal implements AutoCloseable {
  /** How long the hook waits beyond the grace period for the command to close what it runs. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  /** What waits for what it stops to terminate: {@code Peer::awaitTermination}. */
  interface Termination {
    boolean await(Duration timeout) throws InterruptedException;
  }

  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread hook;
  private final Duration grace;
  private volatile int exitCode = ExitCodes.OK;
  private boolean interrupted;

  /** {@code grace}: how long {@link #drain} lets what is in flight finish. */
  StopSignal(String threadName, Duration grace) {
    this.grace = grace;
    hook =
        new Thread(
            () -> {
              stop.countDown();
              boolean clean = awaitQuietly(stopped, grace.plus(CLOSE_WAIT));
              Runtime.getRuntime().halt(clean ? exitCode : ExitCodes.UNEXPECTED);
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

  /**
   * Stops what the command runs: {@code shutdown} (nothing new is taken, what is in flight goes
   * on), then waits up to the grace period for it to {@code terminate}, then {@code shutdownNow}
   * (what is still in flight is cancelled). Returns the exit code: {@value ExitCodes#OK} if it
   * terminated in time, {@value ExitCodes#CUT_SHORT} if not. A second interrupt while it waits cuts
   * the grace period short.
   */
  int drain(Runnable shutdown, Termination terminate, Runnable shutdownNow, PrintWriter err) {
    shutdown.run();
    line(err, "stopping: finishing what is in flight (grace period " + describe(grace) + ")");
    boolean done;
    try {
      done = terminate.await(grace);
    } catch (InterruptedException e) {
      interrupted = true;
      done = false;
    }
    if (done) {
      return ExitCodes.OK;
    }
    line(err, "the grace period is over: cancelling what is still in flight");
    shutdownNow.run();
    return ExitCodes.CUT_SHORT;
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

  /**
   * After everything closed: says so, lets a running hook halt the JVM with {@code code}, restores
   * an interrupt; returns {@code code}.
   */
  int stopped(PrintWriter err, int code) {
    exitCode = code;
    line(err, "stopped");
    stopped.countDown();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return code;
  }

  private static void line(PrintWriter err, String text) {
    err.println(text);
    err.flush();
  }

  /** {@code 10s}, {@code 250ms}: how the grace period is shown. */
  static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static boolean awaitQuietly(CountDownLatch latch, Duration timeout) {
    try {
      return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      return false;
    }
  }
}
