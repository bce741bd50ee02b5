package io.callosum.examples;

import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.Futures;
import io.callosum.Peer;
import io.callosum.StreamCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code callosum send}: streams stdin to a {@code callosum receive} through a flow-controlled
 * stream, with a progress bar on stderr.
 */
@Command(
    name = "send",
    header = "Send stdin through a stream to 'callosum receive'.",
    description = {
      "Connects to the 'callosum receive' at ADDRESS and sends everything on stdin as the stream"
          + " STREAM, in 64 KiB items, then waits until the receiver has written it all. The"
          + " stream's credit makes this side wait whenever the receiver (or whatever reads its"
          + " stdout) is slower: neither side buffers more than the receiver's window.",
      "",
      "A progress bar on stderr shows the bytes sent, the rate and, when stdin is a file, the"
          + " time left. The last line on stderr says how many bytes the receiver confirmed.",
      "",
      "  callosum receive --bind tcp://127.0.0.1:5030 backup > copy.tar",
      "  callosum send --connect tcp://127.0.0.1:5030 backup < backup.tar",
      "",
      "With --curve-client-secret and --curve-server-public the stream is encrypted (ZeroMQ or"
          + " TCP), as for 'callosum call'."
    },
    exitCodeList = {
      ExitCodes.OK + ":the receiver wrote every byte",
      ExitCodes.FAILED
          + ":the receiver refused the stream (another name, or busy) or could not write it",
      ExitCodes.USAGE_CURVE_HELP,
      ExitCodes.CONNECTION + ":could not connect, or the connection was lost",
      ExitCodes.UNEXPECTED_HELP,
      ExitCodes.AUTHENTICATION + ":CURVE authentication failed"
    })
final class SendCommand implements Callable<Integer> {
  /** How long a broken stream waits for its call's outcome, which names the cause. */
  private static final Duration SETTLE = Duration.ofSeconds(5);

  @Spec CommandSpec spec;

  @Option(
      names = "--connect",
      required = true,
      paramLabel = "ADDRESS",
      converter = OptionConverters.Address.class,
      description = "The 'callosum receive' to send to, e.g. tcp://127.0.0.1:5030.")
  String address;

  @Parameters(
      index = "0",
      paramLabel = "STREAM",
      description = "The stream's name; the receiver takes only the one it names.")
  String stream;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress bar.")
  boolean quiet;

  @Mixin CurveClientOptions curve;

  @Mixin GatewayOption gateway;

  /** What is sent: stdin, or a stream a test sets. */
  InputStream in = System.in;

  @Override
  @SuppressWarnings("try") // keys is only closed: that wipes its secret key when the command ends
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    long size = Transfer.sizeOf(in);
    try (CurveClientOptions keys = curve;
        ConnectedPeer peer = Callosum.newPeer(spec, () -> describe().build())) {
      ZmqProbe.refuseEarly(spec, address, curve.given());
      Callosum.start(spec, peer);
      StreamCall call = peer.call(Transfer.METHOD).clientStream(Transfer.offer(stream, size));
      long sent;
      ProgressLine bar = quiet ? null : new ProgressLine("send " + stream, size, err);
      try {
        OutputStream up = call.upstream().outputStream(Transfer.ITEM);
        sent =
            Transfer.copy(
                Transfer.reads(in, "reading stdin failed"), up, bar != null ? bar : n -> {});
        up.close(); // completes the stream
      } catch (Transfer.LocalFailure e) {
        call.upstream().fail(e.getCause()); // the receiver must not take a part for the whole
        throw e;
      } catch (IOException | CallosumException e) {
        call.upstream().fail(e);
        throw whyBroken(call, e);
      } finally {
        if (bar != null) {
          bar.finish();
        }
      }
      Object reply = Futures.await(call.result());
      long confirmed =
          reply instanceof Map<?, ?> m && m.get("bytes") instanceof Number n ? n.longValue() : -1;
      if (confirmed != sent) {
        err.printf("send: sent %d bytes, but the receiver confirmed %s%n", sent, reply);
        err.flush();
        return ExitCodes.FAILED;
      }
      err.printf("sent %d bytes as stream %s to %s%n", sent, stream, address);
      err.flush();
      return ExitCodes.OK;
    } catch (CompletionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** The call's own failure (a refusal says more than the stream it broke), or {@code broken}. */
  private static Exception whyBroken(StreamCall call, Exception broken)
      throws InterruptedException {
    try {
      call.result().get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException failed) {
      return failed.getCause() instanceof Exception cause ? cause : broken;
    } catch (TimeoutException stillRunning) {
      call.cancel();
    }
    return broken;
  }

  private ConnectedPeer.Builder describe() {
    ConnectedPeer.Builder b = Peer.builder().name("send").connect(address).defaultTimeout(null);
    curve.apply(b, address, gateway.gateway);
    return b;
  }
}
