package io.callosum.benchmarks;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A worker JVM serving one contender's serving side ({@link Worker}): the same {@code java} binary
 * and class path as the harness, explicit heap flags, and the line protocol of {@link Worker} on
 * its stdin/stdout. Its stderr is kept (the last {@value #TAIL} lines) for the error message when
 * it fails. Closing it asks it to quit, closes its stdin, and kills it if it has not exited in
 * time; a worker whose harness dies sees its stdin end and exits by itself.
 *
 * <p>Used by the harness thread (and, while contenders open in parallel, by the thread opening this
 * one); the reader threads only fill the queue and the tail.
 */
final class ChildJvm implements Server {
  /**
   * How a worker JVM is started: its maximum heap, whether its soft limit on open files is raised
   * to the hard one, and further JVM options (e.g. a flight recording for a profile), given last.
   */
  record Spec(String maxHeap, boolean raiseFileLimit, List<String> jvmOptions) {
    /** 1 GiB of heap at most: every serving side but P7's. */
    static final Spec DEFAULT = new Spec("1g", false);

    Spec {
      jvmOptions = List.copyOf(jvmOptions);
    }

    Spec(String maxHeap, boolean raiseFileLimit) {
      this(maxHeap, raiseFileLimit, List.of());
    }

    /** This spec with {@code more} JVM options after its own. */
    Spec with(List<String> more) {
      List<String> all = new ArrayList<>(jvmOptions);
      all.addAll(more);
      return new Spec(maxHeap, raiseFileLimit, all);
    }
  }

  static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
  static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
  private static final long QUIT_SECONDS = 40;
  private static final int TAIL = 40;
  private static final String END = "\u0000end";
  private static final Pattern PROTOCOL = Pattern.compile("(READY|FAILED|OK|ERR)( |$)");

  private final String label;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final Deque<String> stderrTail = new ArrayDeque<>();
  private final Thread stdoutReader;
  private final Thread stderrReader;
  private List<String> ready;

  private ChildJvm(String label, Process process) {
    this.label = label;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    stdoutReader =
        daemon(
            () -> readLines(process.getInputStream(), replies::add, () -> replies.add(END)),
            "child-" + label + "-stdout");
    stderrReader =
        daemon(
            () -> readLines(process.getErrorStream(), this::keep, () -> {}),
            "child-" + label + "-stderr");
  }

  /**
   * Starts a worker for {@code role} with {@code args} (sent on its stdin, so secret keys never
   * appear on a command line) and waits until it is ready.
   */
  static ChildJvm open(String label, Spec spec, Role role, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    if (spec.raiseFileLimit() && new File("/bin/sh").canExecute()) {
      // the soft limit on open files up to the hard one, then the JVM in place of the shell (same
      // pid)
      command.addAll(
          List.of("/bin/sh", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec \"$0\" \"$@\""));
    }
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(
                System.getProperty("java.home")
                    + File.separator
                    + "bin"
                    + File.separator
                    + "java"));
    // the JVM's own warnings go to stdout by default, which is the protocol's: send them to stderr
    command.addAll(
        List.of(
            "-Xms64m",
            "-Xmx" + spec.maxHeap(),
            "-Xlog:disable",
            "-Xlog:all=warning:stderr",
            "-Dcallosum.bench.worker=" + label,
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
    command.addAll(spec.jvmOptions());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Worker.class.getName()));
    ChildJvm child = new ChildJvm(label, new ProcessBuilder(command).start());
    try {
      child.send("open " + role.wireName() + (args.isEmpty() ? "" : " " + String.join(" ", args)));
      String line = child.next(READY_TIMEOUT);
      if (!line.startsWith("READY")) {
        throw child.failure("did not start: " + line);
      }
      child.ready = Worker.words(line.substring("READY".length()));
      return child;
    } catch (IOException | RuntimeException e) {
      child.close();
      throw e;
    }
  }

  @Override
  public List<String> ready() {
    return ready;
  }

  @Override
  public synchronized String request(String command, Duration timeout) throws IOException {
    send(command);
    String line = next(timeout);
    if (line.startsWith("OK")) {
      return line.substring(2).trim();
    }
    throw failure(command + ": " + line);
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.of(process.pid());
  }

  @Override
  public String label() {
    return label;
  }

  /** Whether the worker process still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  private void send(String line) throws IOException {
    stdin.write(line);
    stdin.write('\n');
    stdin.flush();
  }

  /**
   * The next protocol line the worker printed ({@code READY}, {@code FAILED}, {@code OK}, {@code
   * ERR}), or a failure with the end of its stderr. Anything else on its stdout (not ours) joins
   * the stderr tail.
   */
  private String next(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line;
      try {
        line = replies.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for worker " + label, e);
      }
      if (line == null) {
        throw failure("no answer within " + timeout.toSeconds() + " s");
      }
      if (line.equals(END)) {
        replies.add(END);
        throw failure("exited");
      }
      if (PROTOCOL.matcher(line).lookingAt()) {
        return line;
      }
      keep("(stdout) " + line);
    }
  }

  private IOException failure(String what) {
    try {
      if (!process.isAlive()) {
        stderrReader.join(2_000); // its last words
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    StringBuilder message =
        new StringBuilder("worker " + label + " (pid " + process.pid() + ") " + what);
    if (!process.isAlive()) {
      message.append(" (exit code ").append(process.exitValue()).append(')');
    }
    synchronized (stderrTail) {
      if (!stderrTail.isEmpty()) {
        message.append("; its stderr ends with:\n  ").append(String.join("\n  ", stderrTail));
      }
    }
    return new IOException(message.toString());
  }

  private void keep(String line) {
    synchronized (stderrTail) {
      if (stderrTail.size() == TAIL) {
        stderrTail.removeFirst();
      }
      stderrTail.addLast(line);
    }
  }

  /** Asks the worker to quit and waits for it; kills it if it does not exit in time. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        try {
          send("quit");
        } catch (IOException e) {
          // it is on its way out already
        }
      }
      try {
        stdin.close();
      } catch (IOException e) {
        // the same
      }
      if (!process.waitFor(QUIT_SECONDS, TimeUnit.SECONDS)) {
        System.err.println(
            "worker " + label + " did not quit within " + QUIT_SECONDS + " s; killing it");
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      stdoutReader.join(5_000);
      stderrReader.join(5_000);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable body, String name) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private interface LineSink {
    void accept(String line);
  }

  private static void readLines(InputStream stream, LineSink sink, Runnable atEnd) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        sink.accept(line);
      }
    } catch (IOException e) {
      // the worker is gone
    } catch (UncheckedIOException e) {
      // the same
    } finally {
      atEnd.run();
    }
  }
}
