package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.PeerListener;
import io.callosum.RemotePeer;
import io.callosum.auth.ServerAuthenticator;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code callosum serve}: binds a peer that serves {@link SampleService} until the process is
 * stopped (SIGTERM or SIGINT) or, when run inside another program, until its thread is interrupted;
 * then shuts the peer down gracefully within the grace period ({@link StopSignal#drain}).
 */
@Command(
    name = "serve",
    header = "Serve echo, add, fail and sleep at an address until stopped.",
    description = {
      "Serves these methods at ADDRESS until stopped (Ctrl-C or SIGTERM):",
      "",
      "  echo ARG            returns ARG",
      "  add {a, b}          returns {result: a+b}; a float if either is one",
      "  fail [MESSAGE]      throws IllegalStateException(MESSAGE)",
      "  sleep {s: SECONDS}  sleeps, then returns \"done\"; cancelling stops it",
      "",
      "Prints 'READY <address>' on stdout once listening, and one line per connection and call on"
          + " stderr (unless --quiet).",
      "",
      "Addresses are URIs whose scheme picks the lower. An inproc:// address (the in-process lower)"
          + " is reachable only from the same JVM, so from the shell it is useful only to check"
          + " that the server starts; 'callosum demo' shows two peers talking over it. Other"
          + " processes reach a ZeroMQ address such as the one below; port 0 picks a free port,"
          + " which the READY line shows.",
      "",
      "  zmq+tcp://127.0.0.1:5020",
      "",
      "On SIGTERM or SIGINT it stops gracefully: new calls are refused (callers get a"
          + " 'shutting down' error they may retry elsewhere, and Java clients are told), calls in"
          + " flight finish and are answered, then it exits 0. Calls still running when the grace"
          + " period (--grace) is over are cancelled, and it exits 10.",
      "",
      "With --curve-server-secret and --curve-allow, a ZeroMQ or TCP server is a CURVE server:"
          + " every connection is encrypted, and only clients whose public keys are allowed get in."
          + " The log then names each caller's user id. 'callosum keygen' makes the key pairs."
    },
    exitCodeList = {
      ExitCodes.STOPPED_HELP,
      ExitCodes.USAGE_CURVE_HELP,
      ExitCodes.CONNECTION + ":the address cannot be bound (e.g. in use)",
      ExitCodes.UNEXPECTED_HELP,
      ExitCodes.CUT_SHORT_HELP
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bind",
      required = true,
      paramLabel = "ADDRESS",
      converter = OptionConverters.Address.class,
      description = "Where to listen, e.g. inproc://calc.")
  String address;

  @Option(
      names = "--ordering",
      paramLabel = "POLICY",
      converter = OptionConverters.OrderingName.class,
      completionCandidates = OptionConverters.OrderingName.class,
      description =
          "How calls that share an order key are run: ${COMPLETION-CANDIDATES} (default: none).")
  Ordering ordering = Ordering.NONE;

  @Mixin CurveServerOptions curve;

  @Mixin GatewayOption gateway;

  @Option(
      names = "--compress",
      description =
          "Compress the body of every successful reply with snappy (the zip flag; error and cancel"
              + " replies stay plain). Python Callosum peers need python-snappy to read them.")
  boolean compress;

  @Option(
      names = "--stack-traces",
      description =
          "Send callers the stack trace of a handler's exception ('call --verbose' prints it)."
              + " Without it they get the exception's name and message only.")
  boolean stackTraces;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      converter = OptionConverters.GracePeriod.class,
      description =
          "On SIGTERM or SIGINT, how long calls in flight may take to finish before they are"
              + " cancelled (250ms, 5s, 2m, or seconds like 1.5; 0 cancels them at once). Default:"
              + " 10s.")
  Duration grace = DEFAULT_GRACE;

  /** {@code --grace} when not given. */
  static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  @Option(
      names = {"-q", "--quiet"},
      description = "Do not log connections and calls on stderr.")
  boolean quiet;

  @Override
  @SuppressWarnings("try") // keys is only closed: that wipes its secret key when the command ends
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    StopSignal stop = new StopSignal("callosum-serve-shutdown", grace);
    int code;
    try (stop;
        CurveServerOptions keys = curve;
        BoundPeer peer = Callosum.newPeer(spec, () -> describe(err).build())) {
      SampleService.registerOn(peer);
      Callosum.start(spec, peer);
      out.println("READY " + peer.address());
      out.flush();
      stop.await();
      code = stop.drain(peer::shutdown, peer::awaitTermination, peer::shutdownNow, err);
    }
    return stop.stopped(err, code);
  }

  private BoundPeer.Builder describe(PrintWriter err) {
    BoundPeer.Builder b =
        Peer.builder()
            .name("serve")
            .bind(address)
            .ordering(ordering)
            .compressReplies(compress)
            .stackTracesInReplies(stackTraces);
    ServerAuthenticator auth = curve.apply(b, address, gateway.gateway);
    if (auth != null && !quiet) {
      err.println(
          "CURVE server "
              + auth.serverKeyPair().publicKey()
              + " (domain "
              + auth.domain()
              + "),"
              + " letting in the client keys of "
              + curve.allow);
      err.flush();
    }
    if (!quiet) {
      Log log = new Log(err);
      b.listener(log).interceptor(log);
    }
    return b;
  }

  /** One stderr line per connection, disconnection and served call. */
  private static final class Log implements PeerListener, CallInterceptor {
    private final PrintWriter err;

    Log(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void connected(RemotePeer remote) {
      line(who(remote) + " connected");
    }

    @Override
    public void disconnected(RemotePeer remote, Throwable cause) {
      line(who(remote) + " disconnected" + (cause == null ? "" : ": " + cause.getMessage()));
    }

    @Override
    public void finished(CallInfo call, CallOutcome outcome) {
      if (call.side() == CallInfo.Side.CALLEE) {
        line(
            String.format(
                "%s %s -> %s (%.1f ms)",
                who(call.remote()),
                call.method(),
                outcome.isSuccess() ? "ok" : outcome.error(),
                outcome.duration().toNanos() / 1e6));
      }
    }

    /** The remote's id, and its user id when its lower authenticated it (CURVE). */
    private static String who(RemotePeer remote) {
      return remote.id() + remote.identity().map(user -> " (user " + user + ")").orElse("");
    }

    private void line(String text) {
      err.println(text);
      err.flush();
    }
  }
}
