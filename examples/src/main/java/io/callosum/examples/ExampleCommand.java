package io.callosum.examples;

import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.examples.uppers.DemoClient;
import io.callosum.examples.uppers.DemoUpper;
import io.callosum.examples.uppers.MsgpackDemo;
import io.callosum.examples.uppers.ProtobufDemo;
import io.callosum.examples.uppers.ThriftDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code callosum example UPPER}: the same small service (echo, add, a declared error, a slow call
 * cancelled by its timeout, an order-keyed sequence) written with one upper, served and called over
 * a lower of choice. Running it with each upper shows that only the upper's line differs.
 */
@Command(
    name = "example",
    header = "The same service through an upper of choice (msgpack, protobuf, thrift).",
    description = {
      "Serves the demo service (echo, add, fail with a declared error, slow, next per order key)"
          + " with the given upper and calls each method from a client peer in this JVM, printing"
          + " what happens. The code of each upper's service is in examples/.../uppers/; only the"
          + " line that configures the upper differs between them."
    },
    exitCodeList = {
      ExitCodes.OK + ":every call behaved as shown",
      ExitCodes.FAILED + ":a call did not behave as shown",
      ExitCodes.USAGE_HELP + "; no such upper or example; an address its lower refuses",
      ExitCodes.CONNECTION + ":the --lower address cannot be bound, or the connection was lost",
      ExitCodes.UNEXPECTED_HELP
    },
    subcommands = {
      SchedulerExampleCommand.class,
      KvExampleCommand.class,
      NetpipeExampleCommand.class,
      ObservabilityExampleCommand.class
    })
final class ExampleCommand implements Callable<Integer> {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** The uppers, by the name the command takes. */
  static final Map<String, Supplier<DemoUpper>> UPPERS = uppers();

  private static Map<String, Supplier<DemoUpper>> uppers() {
    Map<String, Supplier<DemoUpper>> m = new LinkedHashMap<>();
    m.put("msgpack", MsgpackDemo::new);
    m.put("protobuf", ProtobufDemo::new);
    m.put("thrift", ThriftDemo::new);
    return m;
  }

  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1", // none when a subcommand (scheduler, kv, netpipe, observability) follows
      paramLabel = "UPPER",
      description =
          "The upper: ${COMPLETION-CANDIDATES}; or 'federation': two clusters"
              + " linked by gateways, a manager calling agents behind NAT (docs/GATEWAY.md).",
      completionCandidates = Names.class)
  String upperName;

  @Option(
      names = "--gateway-configs",
      paramLabel = "DIR",
      description =
          "federation: read "
              + Federation.HQ
              + " and "
              + Federation.EDGE
              + " from DIR (default: the copies in examples/src/main/resources/federation).")
  Path gatewayConfigs;

  @Option(
      names = "--free-ports",
      description = "federation: replace the files' 127.0.0.1 ports by free ones.")
  boolean freePorts;

  @Option(
      names = "--lower",
      paramLabel = "ADDRESS",
      description =
          "Where the server binds: inproc://NAME (default, a fresh name), zmq+tcp://127.0.0.1:0,"
              + " tcp://127.0.0.1:0, ...")
  String bind;

  /** The upper names, for picocli's completion candidates and help. */
  static final class Names extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    Names() {
      super(UPPERS.keySet());
      add("federation");
    }
  }

  private final List<String> failures = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (upperName == null) {
      throw new ParameterException(
          spec.commandLine(),
          "Missing required parameter: 'UPPER' (or one of the examples "
              + String.join(", ", spec.subcommands().keySet())
              + ")");
    }
    if ("federation".equals(upperName)) {
      failures.addAll(Federation.run(out, gatewayConfigs, freePorts));
      return outcome();
    }
    Supplier<DemoUpper> make = UPPERS.get(upperName);
    if (make == null) {
      throw new ParameterException(
          spec.commandLine(),
          String.format(
              "no upper named '%s' (known: %s); other examples: federation, %s",
              upperName,
              String.join(", ", UPPERS.keySet()),
              String.join(", ", spec.subcommands().keySet())));
    }
    DemoUpper upper = make.get();
    String address =
        bind != null
            ? bind
            : "inproc://callosum-example-" + UUID.randomUUID().toString().substring(0, 8);
    // Through Callosum's helpers: an address no lower serves, or one its lower refuses, is a
    // usage error.
    try (Peer server =
        Callosum.newPeer(
            spec,
            () ->
                upper
                    .configure(
                        Peer.builder()
                            .name("example-server")
                            .bind(address)
                            .ordering(MsgpackDemo.ordering()))
                    .build())) {
      upper.serve(server);
      Callosum.start(spec, server);
      out.printf(
          "The demo service with the %s upper, served at %s%n", upper.name(), server.address());
      try (ConnectedPeer peer =
          Callosum.newPeer(
              spec,
              () ->
                  upper
                      .configure(Peer.builder().name("example-client").connect(server.address()))
                      .build())) {
        Callosum.start(spec, peer);
        DemoClient client = upper.client(peer);
        String echoed = await(client.echo("hello"));
        out.printf("  %-36s -> \"%s\"%n", "echo(\"hello\")", echoed);
        check("hello".equals(echoed), "echo returns its text");
        long sum = await(client.add(40, 2));
        out.printf("  %-36s -> %d%n", "add(40, 2)", sum);
        check(sum == 42, "add adds");
        Throwable declared = failure(client.fail("no such account"));
        out.printf(
            "  %-36s -> %s%n",
            "fail(\"no such account\")",
            declared.getMessage() != null
                ? declared.getClass().getSimpleName() + ": " + declared.getMessage()
                : declared);
        check(
            upper.isDeclaredFailure(declared, "no such account"), "fail raises the declared error");
        Throwable timeout = failure(client.slow(5_000, Duration.ofMillis(200)));
        out.printf(
            "  %-36s -> %s%n",
            "slow(5000 ms) with a 200 ms timeout", timeout.getClass().getSimpleName());
        check(timeout instanceof CallTimeoutException, "the timeout cancels the slow call");
        List<CompletableFuture<Long>> sequence = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          sequence.add(client.next("invoices"));
        }
        List<Long> numbers = new ArrayList<>();
        for (CompletableFuture<Long> f : sequence) {
          numbers.add(await(f));
        }
        out.printf("  %-36s -> %s%n", "next() x5 on order key \"invoices\"", numbers);
        check(
            numbers.equals(List.of(1L, 2L, 3L, 4L, 5L)),
            "calls on one order key are served in order");
      }
    }
    return outcome();
  }

  private int outcome() {
    return outcome(spec, failures, "Every call behaved as shown.");
  }

  /**
   * The end of an example that checks what it shows: {@code allWell} on stdout if nothing failed,
   * else each failure on stderr; returns the exit code.
   */
  static int outcome(CommandSpec spec, List<String> failures, String allWell) {
    PrintWriter out = spec.commandLine().getOut();
    if (failures.isEmpty()) {
      out.println(allWell);
      out.flush();
      return ExitCodes.OK;
    }
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    failures.forEach(f -> err.println("example FAILED: " + f));
    err.flush();
    return ExitCodes.FAILED;
  }

  private void check(boolean ok, String what) {
    if (!ok) {
      failures.add(what);
    }
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
  }

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new IllegalStateException("expected the call to fail, and it succeeded");
  }
}
