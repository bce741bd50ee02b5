package io.callosum.benchmarks;

import io.callosum.upper.MsgpackCodec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.HdrHistogram.Histogram;

/**
 * Side-by-side benchmark harness. Every contender of a scenario is opened at once — its serving
 * side in a worker JVM of its own ({@link ChildJvm}, {@link Worker}), its client side in this JVM —
 * and measured in the same run, interleaved: each round measures every case of every contender
 * once, starting from a different contender each round, so drift on a shared machine hits them all
 * alike. Warm-up rounds are measured and thrown away; the report gives the median and min–max over
 * the rounds and ratios to the scenario's baseline. With {@code --same-jvm} every serving side runs
 * in this JVM instead (for profiling).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.callosum.benchmarks.Bench \
 *     [--scenarios P1,P2,...,P8] [--rounds N] [--out DIR] [--quick]
 * </pre>
 *
 * <p>Progress goes to stderr, the Markdown table to stdout, raw figures to {@code --out}.
 */
public final class Bench {
  /** The echoed body: a msgpack bin of 48 bytes, 50 bytes in all, the same for every contender. */
  static final byte[] BODY = new MsgpackCodec().encode(randomBytes(48));

  private static final String USAGE =
      "usage: Bench [--scenarios P1,P2,...,P8] [--rounds N] [--out DIR] [--quick] [--same-jvm]"
          + " [--measure-ms MS] [--warmups N] [--only NAME,...] [--p7-tcp N] [--p7-zmq N]"
          + " [--worker-jvm-options 'OPTION ...']";

  private Bench() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs the harness; returns the process exit code (0 ok, 2 bad arguments, 1 failure). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    // per-connection INFO lines (CURVE authentications in P4) would bury the progress bar
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (options.help) {
      out.println(USAGE);
      return 0;
    }
    Report report = new Report(machine(), options.sameJvm);
    try {
      measure(options, report, err);
      report.printMarkdown(out);
      if (options.out != null) {
        report.write(options.out);
        err.println("raw figures written to " + options.out.toAbsolutePath());
      }
      return 0;
    } catch (Exception e) {
      err.println("benchmark failed: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  private static void measure(Options options, Report report, PrintStream err) throws Exception {
    long steps = 0;
    for (Scenario scenario : options.scenarios) {
      steps +=
          (long) (options.warmups + options.rounds)
              * scenario.inFlight.size()
              * scenario.contenders.size();
    }
    try (ProgressBar progress =
        new ProgressBarBuilder()
            .setTaskName("bench")
            .setInitialMax(steps)
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(new ConsoleProgressBarConsumer(err))
            .setUpdateIntervalMillis(250)
            .build()) {
      for (Scenario scenario : options.scenarios) {
        long stepsPerContender =
            (long) (options.warmups + options.rounds) * scenario.inFlight.size();
        progress.setExtraMessage(scenario.name() + " starting its processes");
        List<Contender> contenders = new ArrayList<>();
        try {
          for (Opened opened : open(scenario, options)) {
            String name = opened.opener.contender;
            if (opened.contender != null) {
              contenders.add(opened.contender);
              report.placed(scenario, name, opened.contender.sameJvm());
            } else if (opened.failure != null) {
              String reason =
                  opened.failure instanceof Skipped
                      ? opened.failure.getMessage()
                      : "did not open: " + opened.failure;
              report.skip(scenario, name, reason);
              err.println(scenario.name() + ": " + name + " skipped: " + reason);
              progress.stepBy(stepsPerContender);
            } else {
              progress.stepBy(stepsPerContender); // not among --only
            }
          }
          for (int round = -options.warmups;
              round < options.rounds && !contenders.isEmpty();
              round++) {
            for (int c = 0; c < scenario.inFlight.size(); c++) {
              int inFlight = scenario.inFlight.get(c);
              List<Contender> order = new ArrayList<>(contenders);
              Collections.rotate(order, -Math.floorMod(round, order.size()));
              for (Contender contender : order) {
                progress.setExtraMessage(
                    scenario.name() + " " + contender.name() + " x" + inFlight);
                try {
                  measureOnce(scenario, contender, inFlight, round, options, report);
                } catch (Exception e) {
                  // one contender failing (a worker died, a limit was hit) must not cost the whole
                  // run
                  String reason =
                      contender.name()
                          + " failed in "
                          + (round < 0 ? "a warm-up round" : "round " + (round + 1))
                          + " and was left out from then on: "
                          + e;
                  report.note(scenario, reason);
                  err.println(scenario.name() + ": " + reason);
                  contenders.remove(contender);
                  contender.close();
                  progress.stepBy(
                      (long) (options.rounds - 1 - round) * scenario.inFlight.size()
                          + scenario.inFlight.size()
                          - 1
                          - c);
                }
                progress.step();
              }
            }
          }
        } finally {
          progress.setExtraMessage(scenario.name() + " stopping its processes");
          for (Contender contender : contenders) {
            contender.close();
          }
        }
      }
    }
  }

  /** A contender that opened, or why it did not (neither: left out by {@code --only}). */
  private record Opened(Scenario.Opener opener, Contender contender, Exception failure) {}

  /**
   * Opens every contender of {@code scenario} (those of {@code --only}) at once, each on its own
   * thread, so that their worker JVMs start together; returns them in the scenario's order.
   */
  private static List<Opened> open(Scenario scenario, Options options) throws InterruptedException {
    List<CompletableFuture<Opened>> opening = new ArrayList<>();
    for (Scenario.Opener opener : scenario.contenders) {
      CompletableFuture<Opened> f = new CompletableFuture<>();
      opening.add(f);
      if (!options.only.isEmpty() && !options.only.contains(opener.contender)) {
        f.complete(new Opened(opener, null, null));
        continue;
      }
      Thread t =
          new Thread(
              () -> {
                try {
                  Contender contender = opener.open(options);
                  if (!contender.name().equals(opener.contender)) {
                    contender.close();
                    throw new IllegalStateException(
                        opener + " opened " + contender.name() + ", not " + opener.contender);
                  }
                  f.complete(new Opened(opener, contender, null));
                } catch (Exception e) {
                  f.complete(new Opened(opener, null, e));
                } catch (Throwable e) {
                  f.complete(new Opened(opener, null, new IllegalStateException(e.toString(), e)));
                }
              },
              "open-" + opener.name().toLowerCase(Locale.ROOT));
      t.setDaemon(true);
      t.start();
    }
    List<Opened> result = new ArrayList<>();
    for (CompletableFuture<Opened> f : opening) {
      try {
        result.add(f.get());
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
    return result;
  }

  private static void measureOnce(
      Scenario scenario,
      Contender contender,
      int inFlight,
      int round,
      Options options,
      Report report)
      throws Exception {
    long nanos = options.nanosPerMeasurement;
    if (scenario.metric == Scenario.Metric.FIGURES) {
      Measurement m = new Measurement(options.quick, nanos, contender.pids());
      contender.measure(m);
      if (round >= 0) {
        m.figures()
            .forEach(
                (metric, value) ->
                    report.add(
                        new Sample(scenario, inFlight, contender.name(), round, metric, value)));
        if (m.histogram.getTotalCount() > 0) {
          report.addHistogram(scenario, contender.name(), m.histogram);
        }
        m.notes()
            .forEach(
                note ->
                    report.note(
                        scenario, contender.name() + ", round " + (round + 1) + ": " + note));
      }
    } else if (scenario.metric == Scenario.Metric.CALLS_PER_SECOND) {
      CallCost cost = CallCost.start(contender);
      long start = System.nanoTime();
      long calls = contender.throughput(inFlight, nanos);
      long elapsed = System.nanoTime() - start;
      Map<String, Double> perCall = cost.perCall(calls);
      if (round >= 0) {
        report.add(
            new Sample(
                scenario,
                inFlight,
                contender.name(),
                round,
                Sample.CALLS_PER_SECOND,
                calls * 1e9 / elapsed));
        perCall.forEach(
            (metric, value) ->
                report.add(new Sample(scenario, inFlight, contender.name(), round, metric, value)));
      }
    } else {
      Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      CallCost cost = CallCost.start(contender);
      contender.latency(histogram, nanos);
      Map<String, Double> perCall = cost.perCall(histogram.getTotalCount());
      if (round >= 0) {
        perCall.forEach(
            (metric, value) ->
                report.add(new Sample(scenario, inFlight, contender.name(), round, metric, value)));
        report.add(
            new Sample(
                scenario, inFlight, contender.name(), round, Sample.P50, micros(histogram, 50)));
        report.add(
            new Sample(
                scenario, inFlight, contender.name(), round, Sample.P99, micros(histogram, 99)));
        report.add(
            new Sample(
                scenario, inFlight, contender.name(), round, Sample.P999, micros(histogram, 99.9)));
        report.addHistogram(scenario, contender.name(), histogram);
      }
    }
  }

  private static double micros(Histogram histogram, double percentile) {
    return histogram.getValueAtPercentile(percentile) / 1e3;
  }

  private static String machine() {
    Runtime runtime = Runtime.getRuntime();
    return String.format(
        Locale.ROOT,
        "%s %s, %d CPUs, Java %s (%s), max heap %d MiB, %s",
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        runtime.availableProcessors(),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        runtime.maxMemory() >> 20,
        Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  /** The command line. */
  static final class Options {
    List<Scenario> scenarios = List.of(Scenario.values());
    int rounds = 5;
    int warmups = 1;
    long nanosPerMeasurement = TimeUnit.SECONDS.toNanos(1);
    Path out;
    boolean help;
    boolean quick;

    /** Contender names to measure (e.g. for a profile); empty: all. */
    List<String> only = List.of();

    /**
     * Every serving side in the harness JVM (for profiling), instead of each in a worker JVM of its
     * own.
     */
    boolean sameJvm;

    /** P7's TCP connections (and channels) per round. */
    int p7Tcp = 10_000;

    /** P7's ZeroMQ connections per round. */
    int p7Zmq = 10_000;

    /** Further JVM options of every worker JVM (e.g. a flight recording, for a profile). */
    List<String> workerJvmOptions = List.of();

    /** Where serving sides run. */
    Host host() {
      return sameJvm ? Host.local() : Host.children(workerJvmOptions);
    }

    static Options parse(String[] args) {
      Options o = new Options();
      Integer rounds = null;
      boolean quick = false;
      Integer measureMillis = null;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--quick" -> quick = true;
          case "--help", "-h" -> o.help = true;
          case "--scenarios" -> o.scenarios = scenarios(value(args, ++i, arg));
          case "--rounds" -> rounds = positive(value(args, ++i, arg), arg);
          case "--out" -> o.out = Path.of(value(args, ++i, arg));
          case "--measure-ms" -> measureMillis = positive(value(args, ++i, arg), arg);
          case "--warmups" -> o.warmups = number(value(args, ++i, arg), arg, 0);
          case "--only" -> o.only = List.of(value(args, ++i, arg).split(","));
          case "--same-jvm" -> o.sameJvm = true;
          case "--worker-jvm-options" -> o.workerJvmOptions = Worker.words(value(args, ++i, arg));
          case "--p7-tcp" -> o.p7Tcp = positive(value(args, ++i, arg), arg);
          case "--p7-zmq" -> o.p7Zmq = positive(value(args, ++i, arg), arg);
          default -> throw new IllegalArgumentException("unknown argument: " + arg);
        }
      }
      o.quick = quick;
      if (quick) {
        o.rounds = 2;
        o.nanosPerMeasurement = TimeUnit.MILLISECONDS.toNanos(100);
      }
      if (rounds != null) {
        o.rounds = rounds;
      }
      if (measureMillis != null) {
        o.nanosPerMeasurement = TimeUnit.MILLISECONDS.toNanos(measureMillis);
      }
      return o;
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }

    private static int positive(String text, String option) {
      return number(text, option, 1);
    }

    private static int number(String text, String option, int min) {
      try {
        int n = Integer.parseInt(text);
        if (n >= min) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(
          option + " needs a number of at least " + min + ", not " + text);
    }

    private static List<Scenario> scenarios(String list) {
      List<Scenario> result = new ArrayList<>();
      for (String name : list.split(",", -1)) {
        try {
          Scenario s = Scenario.valueOf(name.trim().toUpperCase(Locale.ROOT));
          if (!result.contains(s)) {
            result.add(s);
          }
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "unknown scenario " + name + "; known: " + Arrays.toString(Scenario.values()));
        }
      }
      return result;
    }
  }
}
