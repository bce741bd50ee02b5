package io.callosum.examples;

import io.callosum.ConnectedPeer;
import io.callosum.Futures;
import io.callosum.Peer;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.gateway.GatewayConfigFile;
import io.callosum.lower.tcp.TcpTransport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code callosum gateway --config FILE}: runs a tunnelling gateway until stopped; {@code callosum
 * gateway status --admin ADDRESS} prints the status of a running one.
 */
@Command(
    name = "gateway",
    header = "Run a tunnelling gateway (docs/GATEWAY.md), or show a running one's status.",
    description = {
      "Runs the gateway that FILE (YAML) describes until SIGTERM or SIGINT: local peers connect to"
          + " its listen address and register names (tunnel://CLUSTER/NAME), links to other"
          + " clusters' gateways carry every channel between the clusters over one CurveZMQ"
          + " connection.",
      "",
      "Prints 'READY cluster=NAME peers=ADDRESS links=ADDRESS admin=ADDRESS forwards=A,B' on stdout"
          + " once listening (a missing address prints as -).",
      "",
      "On SIGTERM or SIGINT it stops gracefully: it stops listening, refuses new channels and"
          + " registrations, and relays the channels and forwarded connections that are open"
          + " until they close, then exits 0. Those still open when the grace period (--grace) is"
          + " over are closed, and it exits 10."
    },
    subcommands = GatewayCommand.Status.class,
    exitCodeList = {
      ExitCodes.STOPPED_HELP,
      ExitCodes.USAGE
          + ":no --config, the file cannot be read, or it is wrong (the message names the key)",
      ExitCodes.CONNECTION + ":an address cannot be bound (e.g. in use)",
      ExitCodes.UNEXPECTED_HELP,
      ExitCodes.CUT_SHORT_HELP
    })
final class GatewayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The gateway's YAML configuration.")
  Path config;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      converter = OptionConverters.GracePeriod.class,
      description =
          "On SIGTERM or SIGINT, how long open channels may go on before they are closed (250ms,"
              + " 5s, 2m, or seconds like 1.5; 0 closes them at once). Default: 10s.")
  Duration grace = ServeCommand.DEFAULT_GRACE;

  @Override
  public Integer call() throws Exception {
    if (config == null) {
      throw new ParameterException(spec.commandLine(), "Missing required option: '--config=FILE'");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GatewayConfig c;
    try {
      c = GatewayConfigFile.read(config);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    } catch (NoSuchFileException e) {
      throw new ParameterException(spec.commandLine(), "--config: no such file: " + config, e);
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), "--config: cannot read " + config + ": " + e, e);
    }
    StopSignal stop = new StopSignal("callosum-gateway-shutdown", grace);
    int code;
    try (stop;
        Gateway g = Gateway.start(c)) {
      out.println(
          "READY cluster="
              + c.cluster()
              + " peers="
              + orDash(g.localAddress())
              + " links="
              + orDash(g.linkAddress())
              + " admin="
              + orDash(g.adminAddress())
              + " forwards="
              + (g.forwardAddresses().isEmpty() ? "-" : String.join(",", g.forwardAddresses())));
      out.flush();
      stop.await();
      code = stop.drain(g::shutdown, g::awaitTermination, g::shutdownNow, err);
    }
    return stop.stopped(err, code);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  /** {@code callosum gateway status --admin ADDRESS}. */
  @Command(
      name = "status",
      header = "Print a running gateway's links, channels, bytes and refusals.",
      description =
          "Asks the gateway's admin endpoint (the 'admin' key of its configuration) for its"
              + " status.",
      exitCodeList = {
        ExitCodes.OK + ":printed",
        ExitCodes.USAGE_HELP + "; an address the TCP lower refuses (e.g. tcp:// without a port)",
        ExitCodes.NO_SUCH_METHOD + ":the address is a peer's, not a gateway's admin endpoint",
        ExitCodes.REMOTE_ERROR + ":the gateway failed to answer (remote error)",
        ExitCodes.TIMEOUT + ":no answer within 10 seconds",
        ExitCodes.CONNECTION + ":the admin endpoint cannot be reached",
        ExitCodes.REFUSED + ":the gateway refused the request (e.g. it is shutting down)",
        ExitCodes.UNEXPECTED_HELP
      })
  static final class Status implements Callable<Integer> {
    private static final Duration ANSWER = Duration.ofSeconds(10);

    @Spec CommandSpec spec;

    @Option(
        names = "--admin",
        required = true,
        paramLabel = "ADDRESS",
        description = "The admin endpoint, e.g. tcp://127.0.0.1:7301.")
    String admin;

    @Option(names = "--json", description = "Print the status as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (ConnectedPeer p =
          Callosum.newPeer(
              spec,
              () ->
                  Peer.builder()
                      .name("gateway-status")
                      .transport(new TcpTransport())
                      .connect(admin)
                      .connectTimeout(Duration.ofSeconds(5))
                      .build())) {
        Callosum.start(spec, p);
        // Futures.await throws the call's CallosumException itself, whose kind is the exit code.
        Object status = Futures.await(p.call("status").timeout(ANSWER).invoke(null));
        out.println(json ? Json.write(status) : describe((Map<?, ?>) status));
        out.flush();
      }
      return ExitCodes.OK;
    }

    /** One line for the gateway, one per link. */
    static String describe(Map<?, ?> s) {
      StringBuilder b = new StringBuilder();
      b.append("gateway of cluster ")
          .append(s.get("cluster"))
          .append(": ")
          .append(s.get("localConnections"))
          .append(" local connections, registered ")
          .append(s.get("registered"))
          .append(", ")
          .append(s.get("channels"))
          .append(" channel legs, ")
          .append(s.get("refusals"))
          .append(" refusals, ")
          .append(s.get("forwards"))
          .append(" forwarded connections, ")
          .append(s.get("bufferedBytes"))
          .append(" bytes buffered");
      for (Object o : (List<?>) s.get("links")) {
        Map<?, ?> l = (Map<?, ?>) o;
        b.append(System.lineSeparator())
            .append("  link ")
            .append(l.get("cluster"))
            .append(" (")
            .append(l.get("direction"))
            .append("): ")
            .append(Boolean.TRUE.equals(l.get("up")) ? "up" : "down")
            .append(", ")
            .append(l.get("channels"))
            .append(" channels, ")
            .append(l.get("bytesIn"))
            .append(" bytes in, ")
            .append(l.get("bytesOut"))
            .append(" bytes out, ")
            .append(l.get("refusals"))
            .append(" refusals");
      }
      return b.toString();
    }
  }
}
