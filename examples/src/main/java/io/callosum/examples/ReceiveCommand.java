package io.callosum.examples;

import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.RemotePeer;
import io.callosum.StreamSource;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
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
      "Binds a peer at ADDRESS, prints 'READY <address>' on stderr (stdout is the data), and waits"
          + " for a 'callosum send' of the stream STREAM. Its bytes go to stdout as they arrive;"
          + " the command exits once the sender has sent everything and every byte is written."
          + " Reading stdout slowly slows the sender down (the stream's credit): nothing piles up"
          + " in memory.",
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
      ExitCodes.FAILED
          + ":stdout could not be written, or stopped (interrupted) before the stream arrived"
          + " whole",
      ExitCodes.USAGE_CURVE_HELP,
      ExitCodes.CONNECTION
          + ":the address cannot be bound, or the stream broke off (the sender went away)",
      ExitCodes.UNEXPECTED_HELP
    })
final class ReceiveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bind",
      required = true,
      paramLabel = "ADDRESS",
      converter = OptionConverters.Address.class,
      description =
          "Where to listen, e.g. tcp://127.0.0.1:0 (port 0: a free port, named by the READY line).")
  String address;

  @Parameters(
      index = "0",
      paramLabel = "STREAM",
      description = "The stream's name: only a sender of this name is taken.")
  String stream;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress bar.")
  boolean quiet;

  @Mixin CurveServerOptions curve;

  @Mixin GatewayOption gateway;

  /**
   * Where the bytes go: stdout (its file descriptor, not {@code System.out}, a PrintStream that
   * would swallow write errors), or a stream a test sets.
   */
  OutputStream out = new FileOutputStream(FileDescriptor.out);

  private final AtomicBoolean taken = new AtomicBoolean();

  /**
   * How the taken transfer ended, set by its handler before its reply goes: the bytes written (a
   * Long), or the {@link Transfer.LocalFailure} of stdout.
   */
  private volatile Object ending;

  /** The remote whose transfer was taken. */
  private volatile RemotePeer sender;

  /** Completed once the taken transfer's reply has gone, or when it broke off. */
  private final CompletableFuture<Long> done = new CompletableFuture<>();

  @Override
  @SuppressWarnings("try") // keys is only closed: that wipes its secret key when the command ends
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    try (CurveServerOptions keys = curve;
        BoundPeer peer = Callosum.newPeer(spec, () -> describe().build())) {
      peer.handleStream(Transfer.METHOD, (ctx, offer, up, down) -> receive(ctx, offer, up, err));
      Callosum.start(spec, peer);
      err.println("READY " + peer.address());
      err.flush();
      long bytes;
      try {
        bytes = done.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Transfer.LocalFailure local) {
          err.println("receive: " + local.getMessage());
          err.flush();
          return ExitCodes.FAILED;
        }
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

  private BoundPeer.Builder describe() {
    BoundPeer.Builder b =
        Peer.builder()
            .name("receive")
            .bind(address)
            .interceptor(
                new CallInterceptor() {
                  @Override
                  public void finished(CallInfo call, CallOutcome outcome) {
                    // The command ends only once the reply (the sender's confirmation, or why
                    // stdout failed) has gone.
                    Object e = ending;
                    if (call.side() != CallInfo.Side.CALLEE
                        || !Transfer.METHOD.equals(call.method())
                        || e == null
                        || sender == null
                        || !call.remote().id().equals(sender.id())) {
                      return;
                    }
                    if (e instanceof Long n && outcome.isSuccess()) {
                      done.complete(n);
                    } else if (e instanceof Transfer.LocalFailure f && !outcome.isSuccess()) {
                      done.completeExceptionally(f);
                    }
                  }
                });
    curve.apply(b, address, gateway.gateway);
    return b;
  }

  /**
   * The stream handler: takes the first offer of this stream's name and copies it to {@link #out}.
   */
  private Object receive(CallContext ctx, Body offer, StreamSource up, PrintWriter err)
      throws IOException {
    String name = Transfer.stream(offer);
    if (!stream.equals(name)) {
      throw new IllegalArgumentException(
          "this receiver takes the stream '" + stream + "', not '" + name + "'");
    }
    if (!taken.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "the stream '" + stream + "' is already being received from another sender");
    }
    sender = ctx.caller();
    long size = Transfer.size(offer);
    ProgressLine bar = quiet ? null : new ProgressLine("receive " + stream, size, err);
    long[] written = {0};
    OutputStream sink = Transfer.writes(out, "writing stdout failed");
    try (InputStream in = up.inputStream()) {
      Transfer.copy(
          in,
          sink,
          n -> {
            written[0] += n;
            if (bar != null) {
              bar.accept(n);
            }
          });
      sink.flush();
    } catch (Transfer.LocalFailure e) {
      ending =
          new Transfer.LocalFailure(
              "writing stdout failed after " + written[0] + " bytes", e.getCause());
      up.cancel(); // the sender stops at once and learns why from this call's failure
      throw new IOException(
          "the receiver could not write the stream '" + stream + "': " + e.getCause().getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      done.completeExceptionally(
          new ConnectionLostException(
              "the stream '"
                  + stream
                  + "' broke off after "
                  + written[0]
                  + " bytes: "
                  + e.getMessage(),
              e));
      throw e;
    } finally {
      if (bar != null) {
        bar.finish();
      }
    }
    ending = written[0];
    return Map.of("bytes", written[0]);
  }
}
