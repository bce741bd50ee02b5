package io.callosum.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs of one command (worker or node processes, or other runs of this tool): each runs
 * with the same {@code java} and class path as this JVM, and each is ended when the command ends
 * ({@link #close}), fails, or its JVM is stopped by a signal (a shutdown hook). A child whose
 * parent dies without either sees its stdin end; the children of the examples exit then.
 *
 * <p>A child's stderr is kept (its last lines) for the parent's error messages; its stdin and
 * stdout are the parent's to use: a line protocol ({@link Child#nextLine}) or data. One thread (the
 * command's) starts and closes; {@link Child} methods may be called from any thread.
 */
public final class ChildProcesses implements AutoCloseable {
  /** How long a child may take to exit after its stdin ended, before it is killed. */
  private static final Duration GRACE = Duration.ofSeconds(5);

  /**
   * The options of every child JVM: small, quiet below warnings, and compiled by C1 alone, which
   * gives a child that lives for seconds compiled code at once instead of profiling for C2 code it
   * would rarely reach.
   */
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx128m",
          "-XX:+UseSerialGC",
          "-Xss512k",
          "-XX:TieredStopAtLevel=1",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

  private final List<Child> children = new ArrayList<>();
  private final Duration grace;
  private final Thread hook;

  /** No children yet; a shutdown hook named {@code name} kills those that are started. */
  public ChildProcesses(String name) {
    this(name, GRACE);
  }

  /** As {@link #ChildProcesses(String)}; {@link #close} waits {@code grace} before it kills. */
  ChildProcesses(String name, Duration grace) {
    this.grace = grace;
    hook = new Thread(this::killAll, name + "-children");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts {@code main} of this tool's class path in a JVM of its own with {@code args}, as {@code
   * label} (in messages).
   */
  public Child start(String label, Class<?> main, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(args);
    Child child = new Child(label, new ProcessBuilder(command).start());
    synchronized (this) {
      children.add(child);
    }
    return child;
  }

  /**
   * Ends every child: closes its stdin (the examples' children exit then), waits a little, then
   * kills those still running; removes the shutdown hook.
   */
  @Override
  public void close() {
    List<Child> all = started();
    for (Child c : all) {
      c.closeStdin();
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (Child c : all) {
      c.awaitExit(Math.max(0, deadline - System.nanoTime()));
    }
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run: it kills them too
    }
  }

  /** Kills every child that still runs, all at once, then waits for them. */
  private void killAll() {
    List<Child> all = started();
    all.forEach(c -> c.process.destroyForcibly());
    all.forEach(c -> c.awaitExit(GRACE.toNanos()));
  }

  private synchronized List<Child> started() {
    return List.copyOf(children);
  }

  /** One child process: its stdin and stdout, the end of its stderr, and how to end it. */
  public static final class Child {
    private static final int STDERR_LINES = 20;
    private static final String END = "\u0000end";

    private final String label;
    private final Process process;

    /** The last lines of stderr; guarded by itself. */
    private final Deque<String> stderr = new ArrayDeque<>();

    /** Reads stderr into {@link #stderr} until the child closes it. */
    private final Thread stderrDrain;

    /** Lines of stdout, once {@link #nextLine} is first called; {@link #END} at its end. */
    private BlockingQueue<String> lines;

    Child(String label, Process process) {
      this.label = label;
      this.process = process;
      stderrDrain = new Thread(this::drainStderr, "child-" + process.pid() + "-stderr");
      stderrDrain.setDaemon(true);
      stderrDrain.start();
    }

    /** What the child is, for messages: e.g. {@code worker 3}. */
    public String label() {
      return label;
    }

    public long pid() {
      return process.pid();
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** The child's stdin. */
    public OutputStream stdin() {
      return process.getOutputStream();
    }

    /** The child's stdout, for a parent that reads it as data (not with {@link #nextLine}). */
    public InputStream stdout() {
      return process.getInputStream();
    }

    /**
     * The next line the child prints on stdout, waiting at most {@code timeout}.
     *
     * @throws IOException if none came in time or stdout ended first: the message says which, with
     *     the last line of the child's stderr
     */
    public synchronized String nextLine(Duration timeout) throws IOException {
      if (lines == null) {
        lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(this::readLines, "child-" + process.pid() + "-stdout");
        reader.setDaemon(true);
        reader.start();
      }
      String line;
      try {
        line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(label + ": interrupted while waiting for it", e);
      }
      if (line == null) {
        throw new IOException(label + " said nothing for " + timeout.toSeconds() + " s" + why());
      }
      if (line.equals(END)) {
        lines.add(END);
        awaitExit(TimeUnit.SECONDS.toNanos(1));
        throw new IOException(label + " ended" + why());
      }
      return line;
    }

    /**
     * The line the child prints first, which must start with {@code READY }; the rest of it
     * (addresses, say).
     */
    public String awaitReady(Duration timeout) throws IOException {
      String line = nextLine(timeout);
      if (!line.startsWith("READY ")) {
        throw new IOException(label + " did not start: " + line + why());
      }
      return line.substring("READY ".length());
    }

    /** The exit code, or a note that it still runs, and the child's last stderr line. */
    private String why() {
      StringBuilder b = new StringBuilder();
      if (!process.isAlive()) {
        b.append(" (exit ").append(process.exitValue()).append(')');
        try {
          stderrDrain.join(1000); // its last words may still be on their way
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String last = lastStderrLine();
      if (!last.isEmpty()) {
        b.append(": ").append(last);
      }
      return b.toString();
    }

    /** The last line the child wrote on stderr, or an empty string. */
    public String lastStderrLine() {
      synchronized (stderr) {
        return stderr.isEmpty() ? "" : stderr.peekLast();
      }
    }

    /** The last lines the child wrote on stderr. */
    public List<String> stderrTail() {
      synchronized (stderr) {
        return List.copyOf(stderr);
      }
    }

    /** Closes the child's stdin: the examples' children exit when it ends. */
    public void closeStdin() {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // it has gone already
      }
    }

    /** Kills the child (SIGKILL: no cleanup of its own) and waits until it has gone. */
    public void kill() {
      process.destroyForcibly();
      awaitExit(GRACE.toNanos());
    }

    /** Waits at most {@code nanos} for the child to exit; its exit code, or -1 if it runs on. */
    public int awaitExit(long nanos) {
      try {
        return process.waitFor(nanos, TimeUnit.NANOSECONDS) ? process.exitValue() : -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    private void readLines() {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the same as the end
      }
      lines.add(END);
    }

    private void drainStderr() {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (stderr) {
            if (stderr.size() == STDERR_LINES) {
              stderr.removeFirst();
            }
            stderr.addLast(line);
          }
        }
      } catch (IOException e) {
        // the child has gone
      }
    }
  }
}
