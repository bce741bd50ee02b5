package io.callosum.examples;

import io.callosum.examples.scheduler.SchedulerExample;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code callosum example scheduler}: capacity adverts against round robin, over worker JVMs. */
@Command(
    name = "scheduler",
    header = "A requester-side scheduler over worker processes that advertise free capacity.",
    description = {
      "Starts N worker processes (TCP on 127.0.0.1). Each runs "
          + SchedulerExample.SLOTS
          + " calls at a time (the first half take 1 ms a call, the others 4 ms: time, no CPU) and"
          + " broadcasts its free capacity to the requester after every call. The requester"
          + " sends each call to the worker with the most free capacity by those adverts, then"
          + " makes the same calls round robin over the same workers (as many in flight as they"
          + " have slots), in several rounds after a warm-up, and prints for both the median"
          + " round's total time, calls/s, latency p50/p99/max and the calls each worker served.",
      "",
      "Every worker process ends when the command ends."
    },
    exitCodeList = {
      ExitCodes.OK + ":every call succeeded",
      ExitCodes.FAILED + ":a worker did not start, or a call failed (one line on stderr)",
      ExitCodes.USAGE_HELP
    })
final class SchedulerExampleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--workers",
      paramLabel = "N",
      defaultValue = "8",
      description = "Worker processes to start (1 to 64; default ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--calls",
      paramLabel = "N",
      defaultValue = "5000",
      description = "Calls measured by each policy (default ${DEFAULT-VALUE}).")
  int calls;

  @Option(
      names = "--warm-up",
      paramLabel = "N",
      defaultValue = "5000",
      description = "Calls by each policy before those measured (default ${DEFAULT-VALUE}).")
  int warmUp;

  @Option(
      names = "--rounds",
      paramLabel = "N",
      defaultValue = "3",
      description =
          "Measured rounds, each of both policies, the first in turn; the median round of each is"
              + " shown (default ${DEFAULT-VALUE}).")
  int rounds;

  @Override
  public Integer call() throws InterruptedException {
    if (workers < 1 || workers > 64) {
      throw new ParameterException(spec.commandLine(), "--workers takes 1 to 64, not " + workers);
    }
    if (calls < 1 || warmUp < 0 || rounds < 1) {
      throw new ParameterException(
          spec.commandLine(), "--calls and --rounds take at least 1, --warm-up at least 0");
    }
    try {
      SchedulerExample.run(spec.commandLine().getOut(), workers, calls, warmUp, rounds);
      return ExitCodes.OK;
    } catch (ExampleFailure e) {
      return e.report(spec);
    }
  }
}
