package io.callosum.examples;

import io.callosum.Peer;
import io.callosum.lower.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code callosum} command-line tool: {@code demo}, {@code serve}, {@code call}, {@code send},
 * {@code receive}, {@code keygen}, {@code example}, {@code gateway}, {@code soak}, {@code kv} and
 * {@code pipe}. ({@code callosum bench} is the benchmarks module's, which the {@code callosum}
 * script runs; the help lists it too.)
 *
 * <p>{@link #main} runs one command and exits with its code. Tests use {@link #commandLine()} and
 * {@code execute} instead, in the same JVM, with their own output writers.
 */
@Command(
    name = "callosum",
    // --help, --version and the exit-code heading apply to every command.
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Callosum.Version.class,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      ExitCodes.OK + ":the command succeeded",
      ExitCodes.USAGE_HELP,
      "other:see 'callosum COMMAND --help'"
    },
    description = "Asynchronous, bidirectional RPC with replaceable layers: try it from the shell.",
    footerHeading = "%nAlso:%n",
    footer =
        "  bench     Side-by-side benchmarks against gRPC, raw sockets, jeromq and Redis (the"
            + " benchmarks module, run by the callosum script): 'callosum bench --help'.",
    subcommands = {
      DemoCommand.class,
      ServeCommand.class,
      CallCommand.class,
      SendCommand.class,
      ReceiveCommand.class,
      KeygenCommand.class,
      ExampleCommand.class,
      GatewayCommand.class,
      SoakCommand.class,
      KvCommand.class,
      PipeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Callosum implements Runnable {
  @Spec CommandSpec spec;

  /** Runs the command named by {@code args} and exits the JVM with its exit code. */
  public static void main(String[] args) {
    // Library logging would interleave with the tool's own output; warnings still show.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    // A gateway's own log (links up and down, refusals, per-link status) is what its operator
    // reads.
    String gatewayLog = "org.slf4j.simpleLogger.log.io.callosum.gateway.Gateway";
    if (System.getProperty(gatewayLog) == null) {
      System.setProperty(gatewayLog, "info");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with this tool's error handling: usage errors print a short message and exit
   * {@value ExitCodes#USAGE}; failures of a command print what went wrong and exit with the code of
   * {@link ExitCodes#of}.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Callosum());
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine command = ex.getCommandLine();
          PrintWriter err = command.getErr();
          err.println("callosum: " + ex.getMessage());
          UnmatchedArgumentException.printSuggestions(ex, err);
          err.println(
              "Try '"
                  + command.getCommandSpec().qualifiedName()
                  + " --help' for more information.");
          err.flush();
          return ExitCodes.USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, command, parseResult) -> {
          CommandSpec failed = command.getCommandSpec();
          OptionSpec verbose = failed.findOption("--verbose");
          // A command without a peer to connect to binds its address (serve, receive, gateway).
          boolean binds =
              failed.findOption("--connect") == null && failed.findOption("--admin") == null;
          ExitCodes.report(
              ex,
              command.getErr(),
              verbose != null && Boolean.TRUE.equals(verbose.getValue()),
              binds);
          return ExitCodes.of(ex);
        });
    return cl;
  }

  @Override
  public void run() {
    List<String> commands = new ArrayList<>(spec.subcommands().keySet());
    commands.remove("help");
    commands.add("bench");
    throw new ParameterException(
        spec.commandLine(), "Missing command: one of " + String.join(", ", commands));
  }

  /**
   * The peer that {@code build} builds. An address the core refuses (a scheme no lower serves: the
   * core's message names the available ones) is a usage error.
   */
  static <P extends Peer> P newPeer(CommandSpec spec, Supplier<P> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /**
   * Starts {@code peer}. An address its lower refuses when it binds or connects (a TCP address
   * without a port, say: the lower's message says what it expects) is a usage error.
   */
  static void start(CommandSpec spec, Peer peer) {
    try {
      peer.start();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /** The schemes of the lowers on the class path, e.g. {@code inproc://}. */
  static SortedSet<String> availableSchemes() {
    SortedSet<String> schemes = new TreeSet<>();
    for (Transport t : ServiceLoader.load(Transport.class, Callosum.class.getClassLoader())) {
      t.schemes().forEach(s -> schemes.add(s + "://"));
    }
    return schemes;
  }

  /** {@code --version}: this tool's version, the JVM, and the lowers found on the class path. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      String version = "(unknown version)";
      try (InputStream in = Callosum.class.getResourceAsStream("version.txt")) {
        if (in != null) {
          version = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
      }
      return new String[] {
        "callosum " + version + " (Callosum for Java)",
        "Java " + System.getProperty("java.version") + ", " + System.getProperty("java.vm.name"),
        "lowers: " + String.join(" ", availableSchemes())
      };
    }
  }
}
