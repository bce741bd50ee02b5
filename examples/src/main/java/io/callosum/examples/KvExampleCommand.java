package io.callosum.examples;

import io.callosum.CallosumException;
import io.callosum.examples.kv.KvCluster;
import io.callosum.examples.kv.KvExample;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code callosum example kv}: a replicated key-value store over node processes. */
@Command(
    name = "kv",
    header = "A small distributed key-value store over node processes, with a node killed.",
    description = {
      "Starts N node processes (TCP on 127.0.0.1) serving a key-value store whose handlers are"
          + " plain blocking code. Keys are partitioned over the nodes by a hash; each write goes"
          + " to the key's owner, which writes it to the next node (the replica) before it"
          + " answers. Every call carries its key as order key and the nodes serve under"
          + " KEY_SERIALIZED, so the writes on one key are applied in order on both nodes.",
      "",
      "Writes keys through node 0 (which routes each to its owner), shows get, cas and delete,"
          + " checks every replica, sends a burst of writes on one key without waiting and checks"
          + " their order, then kills node 1 with SIGKILL and shows its keys served by their"
          + " replica.",
      "",
      "With --keep-running the nodes that are left serve on until Ctrl-C, for 'callosum kv get|"
          + "put|delete|cas --connect ADDRESS ...'. Every node process ends when the command"
          + " ends."
    },
    exitCodeList = {
      ExitCodes.OK + ":every call behaved as shown",
      ExitCodes.FAILED
          + ":a call did not behave as shown, or a node did not start (one line on stderr)",
      ExitCodes.USAGE_HELP
    })
final class KvExampleCommand implements Callable<Integer> {
  private static final Duration START = Duration.ofSeconds(60);

  @Spec CommandSpec spec;

  @Option(
      names = "--nodes",
      paramLabel = "N",
      defaultValue = "3",
      description = "Node processes to start (2 to 16; default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(
      names = "--keys",
      paramLabel = "N",
      defaultValue = "30",
      description = "Keys to write (at least 2; default ${DEFAULT-VALUE}).")
  int keys;

  @Option(
      names = "--burst",
      paramLabel = "N",
      defaultValue = "200",
      description = "Writes on one key sent without waiting (default ${DEFAULT-VALUE}).")
  int burst;

  @Option(
      names = "--keep-running",
      description = "After the walk-through, keep the nodes serving until Ctrl-C.")
  boolean keepRunning;

  @Override
  @SuppressWarnings("try") // stop is only closed: that removes its hook
  public Integer call() throws InterruptedException {
    if (nodes < 2 || nodes > 16 || keys < 2 || burst < 1) {
      throw new ParameterException(
          spec.commandLine(), "--nodes takes 2 to 16, --keys at least 2, --burst at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<String> failures;
    StopSignal stop = new StopSignal("kv-stop", Duration.ZERO);
    try (stop;
        ChildProcesses children = new ChildProcesses("kv");
        KvCluster cluster = KvCluster.start(children, nodes, START)) {
      failures = KvExample.run(out, cluster, keys, burst);
      if (keepRunning) {
        List<String> left = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          if (cluster.process(i).isAlive()) {
            left.add(cluster.addresses().get(i));
          }
        }
        out.printf(
            "The nodes left serve until Ctrl-C; try:%n"
                + "  ./callosum kv put --connect %s greeting hello%n"
                + "  ./callosum kv get --connect %s greeting%n",
            left.get(0), left.get(0));
        out.println("READY " + String.join(" ", left));
        out.flush();
        stop.await();
      }
    } catch (IOException | CallosumException e) {
      return new ExampleFailure(e.getMessage(), e).report(spec);
    } catch (ExampleFailure e) {
      return e.report(spec);
    }
    int code = ExampleCommand.outcome(spec, failures, "Every call behaved as shown.");
    if (keepRunning) {
      stop.stopped(spec.commandLine().getErr(), code); // after the outcome: a stop signal halts now
    }
    return code;
  }
}
