package io.callosum.examples;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code callosum example netpipe}: two processes joined by a named pipe. */
@Command(
    name = "netpipe",
    header = "Two processes joined by a named pipe opened by descriptor.",
    description = {
      "Hosts named pipes in this process (TCP on 127.0.0.1) and runs 'callosum pipe write"
          + " DESCRIPTOR' and 'callosum pipe read DESCRIPTOR' as two child processes, twice:",
      "",
      "1. the writer copies its stdin (pseudo-random bytes) into the pipe and closes it; the"
          + " reader copies the pipe to its stdout until end of file; both exit 0 and the bytes"
          + " match (SHA-256);",
      "2. the reader is killed mid-stream: the writer's next write fails with 'broken pipe'"
          + " (exit 1).",
      "",
      "Every child process ends when the command ends."
    },
    exitCodeList = {
      ExitCodes.OK + ":every run behaved as shown",
      ExitCodes.FAILED + ":a run did not behave as shown (one line on stderr each)",
      ExitCodes.USAGE_HELP
    })
final class NetpipeExampleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bytes",
      paramLabel = "N",
      defaultValue = "4194304",
      description = "Bytes through the pipe in the first run (default ${DEFAULT-VALUE}: 4 MiB).")
  long bytes;

  @Override
  public Integer call() throws InterruptedException {
    if (bytes < 0) {
      throw new ParameterException(spec.commandLine(), "--bytes takes 0 or more");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<String> failures;
    try {
      failures = Netpipe.run(out, bytes);
    } catch (ExampleFailure e) {
      return e.report(spec);
    }
    out.println();
    return ExampleCommand.outcome(spec, failures, "Every run behaved as shown.");
  }
}
