package io.callosum.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The main class of a worker JVM (a child of the harness, like grpc-java's benchmark LoadWorker):
 * it serves one contender's serving side and answers the harness over a line protocol on
 * stdin/stdout. Started by {@link ChildJvm}; never by hand.
 *
 * <pre>
 * harness → worker            worker → harness
 * open ROLE ARG...            READY ADDRESS [FACT...]     (or FAILED reason, then exit 1)
 * heap                        OK USED_BYTES THREADS       (heap used after GC, live Java threads)
 * cpu                         OK CPU_NANOS                (getProcessCpuTime)
 * COMMAND ARG...              OK REPLY | ERR reason       ({@link Served#command})
 * quit, or end of stdin       (closes everything and exits 0)
 * </pre>
 *
 * <p>The worker exits by itself when its stdin ends, so it never outlives a harness that died: the
 * pipe closes with the harness process. It prints nothing else on stdout (library output goes to
 * stderr, which the harness keeps the end of for error messages). The secret keys some roles need
 * come on stdin, never on the command line.
 */
public final class Worker {
  /** How long closing may take after stdin ended before the worker halts regardless. */
  private static final long CLOSE_SECONDS = 30;

  private static final String END = "\u0000end";

  private Worker() {}

  public static void main(String[] args) throws InterruptedException {
    PrintStream protocol =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err);
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> read(lines), "worker-stdin");
    reader.setDaemon(true);
    reader.start();

    String open = lines.take();
    List<String> words = words(open);
    if (open.equals(END) || words.size() < 2 || !words.get(0).equals("open")) {
      protocol.println(
          "FAILED expected 'open ROLE ARG...', got "
              + (open.equals(END) ? "the end of stdin" : open));
      System.exit(1);
    }
    Served served;
    try {
      served = Role.named(words.get(1)).open(words.subList(2, words.size()));
    } catch (Throwable e) {
      e.printStackTrace();
      protocol.println("FAILED " + oneLine(e));
      System.exit(1);
      return;
    }
    protocol.println("READY " + String.join(" ", served.ready()));
    while (true) {
      String line = lines.take();
      if (line.equals(END) || line.equals("quit")) {
        break;
      }
      protocol.println(answer(served, line));
    }
    halt(CLOSE_SECONDS);
    served.close();
    protocol.flush();
    System.exit(0);
  }

  /**
   * Reads stdin into {@code lines}; its end (the harness closed it, or died) becomes {@link #END},
   * and starts the watchdog, so that a worker busy with a long command ends too.
   */
  private static void read(BlockingQueue<String> lines) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the same as the end
    }
    lines.add(END);
    halt(CLOSE_SECONDS);
  }

  /**
   * Ends the JVM after {@code seconds} whatever it is doing: a close that hangs must not leave an
   * orphan.
   */
  private static void halt(long seconds) {
    Thread watchdog =
        new Thread(
            () -> {
              try {
                TimeUnit.SECONDS.sleep(seconds);
              } catch (InterruptedException e) {
                return;
              }
              System.err.println("worker: closing took more than " + seconds + " s; halting");
              Runtime.getRuntime().halt(3);
            },
            "worker-halt");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** The reply to one command line: the built-in ones, else the served side's. */
  static String answer(Served served, String line) {
    List<String> words = words(line);
    try {
      String name = words.isEmpty() ? "" : words.get(0);
      return "OK "
          + switch (name) {
            case "heap" ->
                heapAfterGc() + " " + ManagementFactory.getThreadMXBean().getThreadCount();
            case "cpu" ->
                Long.toString(
                    ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime());
            default -> served.command(name, words.subList(1, words.size()));
          };
    } catch (Exception | Error e) {
      return "ERR " + oneLine(e);
    }
  }

  /** Heap in use after a full collection (three, to let finalizable and soft objects go). */
  static long heapAfterGc() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  static List<String> words(String line) {
    String trimmed = line.trim();
    return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split(" +"));
  }

  static String oneLine(Throwable e) {
    return String.valueOf(e).replace('\n', ' ').replace('\r', ' ');
  }
}
