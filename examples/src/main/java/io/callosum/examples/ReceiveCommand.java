package io.callosum.examples;

import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.StreamSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code callosum receive}: binds a peer, takes one stream of that name from a {@code callosum
 * send} and writes it to stdout, with a progress bar on stderr.
 */
@Command(
    name = "receive",
    header = "Receive one stream from 'callosum send' and write it to stdout.",
    description = {
      "Binds a peer at ADDRESS, prints 'READY <address>' on stderr (stdout is the data), and waits for"
          + " a 'callosum send' of the stream STREAM. Its bytes go to stdout as they arrive; the"
          + " command exits once the sender has sent everything and every byte is written. Reading"
          + " stdout slowly slows the sender down (the stream's credit): nothing piles up in memory.",
      "",
      "A sender of another stream name is refused, and so is a second sender while one is"
          + " streaming. A progress bar on stderr shows bytes, rate and, when the sender knows the"
          + " size, the time left.",
      "",
      "With --curve-server-secret and --curve-allow only allowed senders get in, encrypted, as for"
          + " 'callosum serve'."
    },
    exitCodeList = {
      ExitCodes.OK + ":the stream arrived whole and is written",
      ExitCodes.FAILED + ":stopped (interrupted) before the stream arrived whole",
      ExitCodes.USAGE_CURVE_HELP,
      ExitCodes.CONNECTION + ":the address cannot be bound, or the stream broke off (the sender went away)",
      ExitCodes.UNEXPECTED_HELP
    })
final class ReceiveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bind",
      required = true,
      paramLabel = "ADDRESS",
      converter = OptionConverters.Address.class,
      description = "Where to listen, e.g. tcp://127.0.0.1:0 (port 0: a free port, named by the READY line).")
  String address;

  @Parameters(index = "0", paramLabel = "STREAM", description = "The stream's name: only a sender of this name is taken.")
  String stream;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
  boolean quiet;

  @Mixin CurveServerOptions curve;

  /** Where the bytes go: stdout, or a stream a test sets. */
  OutputStream out = System.out;

  private final AtomicBoolean taken = new AtomicBoolean();
  /** The bytes of the taken transfer once all are written; set by its handler before the reply goes. */
  private volatile Long received;
  /** Completed once the taken transfer's reply has gone, or when it broke off. */
  private final CompletableFuture<Long> done = new CompletableFuture<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    try (CurveServerOptions keys = curve; Peer peer = Callosum.newPeer(spec, this::describe)) {
      peer.handleStream(Transfer.METHOD, (ctx, offer, up, down) -> receive(ctx, offer, up, err));
      peer.start();
      err.println("READY " + peer.address());
      err.flush();
      long bytes;
      try {
        bytes = done.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      } catch (InterruptedException e) {
        err.println("receive: stopped before the stream '" + stream + "' was received whole");
        err.flush();
        Thread.currentThread().interrupt();
        return ExitCodes.FAILED;
      }
      err.printf("received %d bytes as stream %s%n", bytes, stream);
      err.flush();
      return ExitCodes.OK;
    }
  }

  private Peer.Builder describe() {
    Peer.Builder b = Peer.builder().name("receive").bind(address).interceptor(new CallInterceptor() {
      @Override
      public void finished(CallInfo call, CallOutcome outcome) {
        // A success ends the command only once its reply (the sender's confirmation) has gone.
        Long n = received;
        if (call.side() == CallInfo.Side.CALLEE && Transfer.METHOD.equals(call.method()) && n != null) {
          done.complete(n);
        }
      }
    });
    curve.apply(b, address);
    return b;
  }

  /** The stream handler: takes the first offer of this stream's name and copies it to {@link #out}. */
  private Object receive(CallContext ctx, Body offer, StreamSource up, PrintWriter err) throws IOException {
    String name = Transfer.stream(offer);
    if (!stream.equals(name)) {
      throw new IllegalArgumentException("this receiver takes the stream '" + stream + "', not '" + name + "'");
    }
    if (!taken.compareAndSet(false, true)) {
      throw new IllegalStateException("the stream '" + stream + "' is already being received from another sender");
    }
    long size = Transfer.size(offer);
    ProgressBar bar = quiet ? null : Transfer.progress("receive " + stream, size, err);
    long[] written = {0};
    try (InputStream in = up.inputStream()) {
      Transfer.copy(in, out, n -> {
        written[0] += n;
        if (bar != null) {
          bar.stepBy(n);
        }
      });
      out.flush();
    } catch (IOException | RuntimeException e) {
      done.completeExceptionally(new ConnectionLostException(
          "the stream '" + stream + "' broke off after " + written[0] + " bytes: " + e.getMessage(), e));
      throw e;
    } finally {
      if (bar != null) {
        Transfer.finish(bar, err);
      }
    }
    received = written[0];
    return Map.of("bytes", written[0]);
  }
}
