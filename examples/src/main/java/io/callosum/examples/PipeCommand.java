package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.RemoteException;
import io.callosum.pipe.PipeDescriptor;
import io.callosum.pipe.Pipes;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code callosum pipe write|read|host}: named pipes between programs, opened by descriptor ({@code
 * io.callosum.pipe}). {@code write} copies stdin into a pipe, {@code read} copies a pipe to stdout,
 * {@code host} keeps pipes for them.
 */
@Command(
    name = "pipe",
    header = "Named pipes between processes: write stdin into one, read one to stdout.",
    description = {
      "A pipe is hosted by a peer ('callosum pipe host', or any program that calls Pipes.host) and"
          + " named by a descriptor, ADDRESS#pipe=NAME;write for its write end and"
          + " ADDRESS#pipe=NAME;read for its read end:",
      "",
      "  callosum pipe host --bind tcp://127.0.0.1:5040 logs     # prints both descriptors",
      "  callosum pipe write 'tcp://127.0.0.1:5040#pipe=logs;write' < app.log",
      "  callosum pipe read 'tcp://127.0.0.1:5040#pipe=logs;read' > copy.log",
      "",
      "As with a pipe of the operating system, the writer waits until a reader is attached; the"
          + " reader gets end of file when the writer has closed its end; a writer whose reader"
          + " went away gets 'broken pipe'. The bytes flow with the streams' credit: a slow"
          + " reader slows the writer down."
    },
    subcommands = {PipeCommand.Write.class, PipeCommand.Read.class, PipeCommand.Host.class})
final class PipeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: one of write, read, host");
  }

  /**
   * One end of a pipe, the part {@code write} and {@code read} share: the descriptor, a peer of its
   * own connected to the pipe's host, and one line on stderr for the outcome.
   */
  abstract static class End implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "DESCRIPTOR",
        description = "ADDRESS#pipe=NAME;${COMMAND-NAME}")
    String descriptor;

    @Option(
        names = {"-q", "--quiet"},
        description = "No line on stderr at the end.")
    boolean quiet;

    /** The end this command opens. */
    abstract PipeDescriptor.Mode mode();

    /** Opens pipe {@code name} through {@code host} and moves the bytes; returns how many. */
    abstract long copy(ConnectedPeer host, String name) throws IOException;

    /** The line on stderr after {@code bytes} went through pipe {@code name}. */
    abstract String done(long bytes, String name);

    @Override
    public Integer call() {
      PipeDescriptor d = descriptor();
      long bytes;
      ZmqProbe.refuseEarly(d.address());
      try (ConnectedPeer host =
          Callosum.newPeer(
              spec,
              () ->
                  Peer.builder()
                      .name("pipe-" + spec.name())
                      .defaultTimeout(null)
                      .connect(d.address())
                      .build())) {
        Callosum.start(spec, host);
        bytes = copy(host, d.name());
      } catch (IOException | CallosumException e) {
        return failed(d, e);
      }
      if (!quiet) {
        spec.commandLine().getErr().println(done(bytes, d.name()));
        spec.commandLine().getErr().flush();
      }
      return ExitCodes.OK;
    }

    /** The descriptor given, which must name this command's end. */
    private PipeDescriptor descriptor() {
      PipeDescriptor d;
      try {
        d = PipeDescriptor.parse(descriptor);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
      if (d.mode() != mode()) {
        throw new ParameterException(
            spec.commandLine(),
            "'"
                + descriptor
                + "' is the "
                + d.mode().name().toLowerCase(Locale.ROOT)
                + " end of the pipe; '"
                + spec.qualifiedName()
                + "' takes its "
                + mode().name().toLowerCase(Locale.ROOT)
                + " end: "
                + d.other());
      }
      return d;
    }

    /**
     * Reports why the end of pipe {@code d} failed, in one line: what the host said when it refused
     * or ended the pipe, "broken pipe" when the reader went away, or the failure itself. Returns
     * the exit code: {@link ExitCodes#CONNECTION} when the host could not be reached or was lost,
     * else {@link ExitCodes#FAILED}.
     */
    private int failed(PipeDescriptor d, Exception e) {
      String message = e.getMessage();
      boolean lost = false;
      for (Throwable t = e; t != null; t = t.getCause()) {
        lost |= t instanceof ConnectionLostException;
        if (t instanceof RemoteException r) {
          message = OneLineError.said(r);
          break;
        }
      }
      if (lost) {
        message = "the pipe's host cannot be reached: " + e.getMessage();
      } else if (e instanceof IOException && message != null && message.startsWith("broken pipe")) {
        message = "broken pipe: the reader of pipe '" + d.name() + "' went away";
      }
      return OneLineError.report(spec, message, lost ? ExitCodes.CONNECTION : ExitCodes.FAILED);
    }
  }

  /** {@code callosum pipe write DESCRIPTOR < FILE}. */
  @Command(
      name = "write",
      header = "Copy stdin into a pipe.",
      description = {
        "Opens the write end of the pipe DESCRIPTOR names (it waits until a reader is attached),"
            + " copies stdin into it and closes it at the end of stdin: the reader then gets end of"
            + " file."
      },
      exitCodeList = {
        ExitCodes.OK + ":all of stdin went into the pipe, and the pipe is closed",
        ExitCodes.FAILED
            + ":broken pipe (the reader went away), the pipe refused this writer (it has one"
            + " already), or stdin could not be read",
        ExitCodes.USAGE
            + ":not a descriptor, or the descriptor of the read end (the message names the write"
            + " end)",
        ExitCodes.CONNECTION + ":the pipe's host cannot be reached, or was lost"
      })
  static final class Write extends End {
    /** What is written: stdin, or a stream a test sets. */
    InputStream in = System.in;

    @Override
    PipeDescriptor.Mode mode() {
      return PipeDescriptor.Mode.WRITE;
    }

    @Override
    long copy(ConnectedPeer host, String name) throws IOException {
      OutputStream pipe = Pipes.openOutput(host, name);
      long bytes = Transfer.copy(Transfer.reads(in, "reading stdin failed"), pipe, n -> {});
      // Only now: on a failure the pipe is left open as the peer closes, so that the reader learns
      // that the writer went away rather than taking what came for the whole.
      pipe.close(); // the reader's end of file
      return bytes;
    }

    @Override
    String done(long bytes, String name) {
      return "wrote " + bytes + " bytes into pipe " + name;
    }
  }

  /** {@code callosum pipe read DESCRIPTOR > FILE}. */
  @Command(
      name = "read",
      header = "Copy a pipe to stdout.",
      description = {
        "Opens the read end of the pipe DESCRIPTOR names and copies what its writer writes to"
            + " stdout until the writer closes its end (end of file)."
      },
      exitCodeList = {
        ExitCodes.OK + ":read to the end of file",
        ExitCodes.FAILED
            + ":the writer went away without closing its end, the pipe refused this reader (it has"
            + " one already), or stdout could not be written",
        ExitCodes.USAGE
            + ":not a descriptor, or the descriptor of the write end (the message names the read"
            + " end)",
        ExitCodes.CONNECTION + ":the pipe's host cannot be reached, or was lost"
      })
  static final class Read extends End {
    /**
     * Where the bytes go: stdout (its file descriptor: {@code System.out} would swallow write
     * errors), or a stream a test sets.
     */
    OutputStream out = new FileOutputStream(FileDescriptor.out);

    @Override
    PipeDescriptor.Mode mode() {
      return PipeDescriptor.Mode.READ;
    }

    @Override
    long copy(ConnectedPeer host, String name) throws IOException {
      try (InputStream pipe = Pipes.openInput(host, name)) {
        OutputStream to = Transfer.writes(out, "writing stdout failed");
        long bytes = Transfer.copy(pipe, to, n -> {});
        to.flush();
        return bytes;
      }
    }

    @Override
    String done(long bytes, String name) {
      return "read " + bytes + " bytes from pipe " + name;
    }
  }

  /** {@code callosum pipe host --bind ADDRESS NAME...}. */
  @Command(
      name = "host",
      header = "Host named pipes until stopped.",
      description = {
        "Binds a peer at ADDRESS that hosts named pipes, prints the two descriptors of each NAME"
            + " (any other name works too) and 'READY <address>', and hosts until Ctrl-C or"
            + " SIGTERM."
      },
      exitCodeList = {
        ExitCodes.OK + ":stopped",
        ExitCodes.USAGE_HELP,
        ExitCodes.CONNECTION + ":the address cannot be bound (e.g. in use)"
      })
  static final class Host implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--bind",
        required = true,
        paramLabel = "ADDRESS",
        converter = OptionConverters.Address.class,
        description = "Where to listen, e.g. tcp://127.0.0.1:0 (port 0: a free port).")
    String address;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Pipes to print descriptors of.")
    List<String> names = List.of();

    @Override
    @SuppressWarnings("try") // stop is only closed: that removes its hook
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      StopSignal stop = new StopSignal("pipe-host-stop", Duration.ZERO);
      try (stop;
          BoundPeer host =
              Callosum.newPeer(spec, () -> Peer.builder().name("pipes").bind(address).build())) {
        Pipes.host(host);
        Callosum.start(spec, host);
        for (String name : names) {
          PipeDescriptor w;
          try {
            w = new PipeDescriptor(host.address(), name, PipeDescriptor.Mode.WRITE);
          } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
          }
          out.printf("write end: %s%nread end:  %s%n", w, w.other());
        }
        out.println("READY " + host.address());
        out.flush();
        stop.await();
      }
      return stop.stopped(spec.commandLine().getErr(), ExitCodes.OK); // closed at once
    }
  }
}
