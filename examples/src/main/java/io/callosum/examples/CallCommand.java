package io.callosum.examples;

import io.callosum.ConnectedPeer;
import io.callosum.Futures;
import io.callosum.Invocation;
import io.callosum.Peer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code callosum call}: connects to a peer, makes one call with a JSON argument sent as a msgpack
 * body, and prints the result as JSON.
 */
@Command(
    name = "call",
    header = "Call one method of a peer and print the result as JSON.",
    description = {
      "Connects to the peer at ADDRESS, calls METHOD with ARGUMENT and prints the result as one"
          + " line of JSON on stdout. A failure is described on stderr (kind, remote exception name"
          + " and message, and with --verbose the remote traceback when the remote handler threw"
          + " and the server sends them) and sets the exit code below.",
      "",
      "The argument is JSON, sent msgpack-encoded; without one, null is sent. Byte strings are"
          + " written as {\"$bin\": \"<base64>\"} in results, and such an object in the argument is"
          + " sent as bytes. Timestamps print as {\"$time\": \"<ISO-8601>\"}, other msgpack"
          + " extensions as {\"$ext\": TYPE, \"data\": \"<base64>\"}; a byte-string map key prints"
          + " as \"$bin:<base64>\".",
      "",
      "With --curve-client-secret and --curve-server-public, the connection to a ZeroMQ or TCP"
          + " address is encrypted with CURVE: the server must hold the secret key of"
          + " --curve-server-public, and lets this client in only if it allows its public key"
          + " ('callosum serve --curve-allow')."
    },
    exitCodeList = {
      ExitCodes.OK + ":the call returned; its result is on stdout",
      ExitCodes.FAILED + ":the remote handler threw (RemoteUserException)",
      ExitCodes.USAGE_CURVE_HELP,
      ExitCodes.NO_SUCH_METHOD + ":the remote has no such method",
      ExitCodes.REMOTE_ERROR + ":other remote error (internal error, bad message, codec error)",
      ExitCodes.TIMEOUT + ":the call timed out (--timeout); the remote handler was cancelled",
      ExitCodes.CONNECTION + ":could not connect, or the connection was lost",
      ExitCodes.REFUSED
          + ":the call was refused or cancelled (overloaded, message too large, the server is"
          + " shutting down, cancelled)",
      ExitCodes.UNEXPECTED_HELP,
      ExitCodes.AUTHENTICATION
          + ":CURVE authentication failed: the server refused this client's key, or the server"
          + " public key is wrong"
    })
final class CallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--connect",
      required = true,
      paramLabel = "ADDRESS",
      converter = OptionConverters.Address.class,
      description = "The peer to call, e.g. inproc://calc.")
  String address;

  @Parameters(index = "0", paramLabel = "METHOD", description = "The method to call, e.g. add.")
  String method;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "ARGUMENT",
      description = "The argument as JSON, e.g. '{\"a\": 1, \"b\": 2}'. Default: null.")
  String argument;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = OptionConverters.Timeout.class,
      description =
          "Give up after DURATION (250ms, 5s, 2m, or seconds like 1.5) and cancel the remote"
              + " handler. Default: wait.")
  Duration timeout;

  @Option(
      names = "--order-key",
      paramLabel = "KEY",
      description = "The call's order key (a string).")
  String orderKey;

  @Option(
      names = {"-v", "--verbose"},
      description =
          "On a remote failure, print the remote traceback too (a server sends one only with"
              + " 'serve --stack-traces').")
  boolean verbose;

  @Mixin CurveClientOptions curve;

  @Mixin GatewayOption gateway;

  @Override
  @SuppressWarnings("try") // keys is only closed: that wipes its secret key when the command ends
  public Integer call() {
    Object body;
    try {
      body = argument == null ? null : Json.parse(argument);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "ARGUMENT is " + e.getMessage(), e);
    }
    try (CurveClientOptions keys = curve;
        ConnectedPeer peer = Callosum.newPeer(spec, () -> describe().build())) {
      ZmqProbe.refuseEarly(spec, address, curve.given());
      Callosum.start(spec, peer);
      Invocation invocation = peer.call(method).timeout(timeout);
      if (orderKey != null) {
        invocation.orderKey(orderKey);
      }
      Object result = Futures.await(invocation.invoke(body));
      PrintWriter out = spec.commandLine().getOut();
      out.println(Json.write(result));
      out.flush();
    }
    return ExitCodes.OK;
  }

  private ConnectedPeer.Builder describe() {
    ConnectedPeer.Builder b = Peer.builder().name("call").connect(address);
    curve.apply(b, address, gateway.gateway);
    return b;
  }
}
