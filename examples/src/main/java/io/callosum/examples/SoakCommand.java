package io.callosum.examples;

import io.callosum.examples.soak.Lower;
import io.callosum.examples.soak.Soak;
import io.callosum.examples.soak.SoakReport;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code callosum soak --duration D [--lower tcp|zmq|both] [--seed N]}: the soak with faults of
 * {@link Soak} (docs/SOAK.md), its summary on stdout and its progress on stderr.
 */
@Command(
    name = "soak",
    header = "Run a mixed workload through injected faults and check that nothing is lost.",
    description = {
      "Runs unary calls under every ordering policy, callbacks, streams, chunked calls, broadcast"
          + " and pipelines over the chosen lowers (and, with TCP, through a pair of gateways),"
          + " each client reaching its server through an in-process proxy that injects latency,"
          + " bandwidth caps, stalls, resets and half-open connections, while servers and gateways"
          + " are killed and restarted. The fault schedule follows from the seed.",
      "",
      "Checks that every call completes exactly once (a result or a typed error, never silence,"
          + " never twice), that ordering guarantees hold, that every client is served again once"
          + " the faults stop, and that heap, file descriptors and threads return to their"
          + " baseline. Prints a summary: calls, errors by type, faults injected, violations,"
          + " baseline and end resources. See docs/SOAK.md."
    },
    exitCodeList = {
      ExitCodes.OK + ":no violation",
      ExitCodes.FAILED + ":at least one violation (listed in the summary)",
      ExitCodes.USAGE_HELP,
      ExitCodes.UNEXPECTED_HELP
    })
final class SoakCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--duration",
      required = true,
      paramLabel = "D",
      converter = OptionConverters.Timeout.class,
      description = "How long the workload and the faults run, e.g. 60s, 30m, 2h.")
  Duration duration;

  @Option(
      names = "--lower",
      paramLabel = "tcp|zmq|both",
      converter = LowerChoice.class,
      completionCandidates = LowerChoice.class,
      description = "The lowers to run over (default: both); tcp brings the gateway pair.")
  LowerChoice.Lowers lowers = new LowerChoice.Lowers(EnumSet.allOf(Lower.class));

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the fault schedule and the workload (default: random, printed).")
  Long seed;

  @Override
  public Integer call() throws Exception {
    // Gateways start and stop many times in a soak: their INFO lines would bury the progress.
    System.setProperty("org.slf4j.simpleLogger.log.io.callosum.gateway.Gateway", "warn");
    long s = seed != null ? seed : new SecureRandom().nextLong();
    SoakReport report =
        Soak.run(new Soak.Settings(duration, lowers.set(), s), spec.commandLine().getErr());
    report.print(spec.commandLine().getOut());
    return report.passed() ? ExitCodes.OK : ExitCodes.FAILED;
  }

  /** {@code tcp}, {@code zmq} or {@code both}; also the help's candidate list. */
  static final class LowerChoice implements ITypeConverter<LowerChoice.Lowers>, Iterable<String> {
    /** The chosen lowers (a record, so that picocli takes the option as one value). */
    record Lowers(Set<Lower> set) {}

    @Override
    public Lowers convert(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "tcp" -> new Lowers(EnumSet.of(Lower.TCP));
        case "zmq" -> new Lowers(EnumSet.of(Lower.ZMQ));
        case "both" -> new Lowers(EnumSet.allOf(Lower.class));
        default ->
            throw new TypeConversionException(
                "'" + text + "' is not one of " + String.join(", ", this));
      };
    }

    @Override
    public Iterator<String> iterator() {
      return List.of("tcp", "zmq", "both").iterator();
    }
  }
}
