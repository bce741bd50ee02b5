package io.callosum.internal;

import io.callosum.Body;
import io.callosum.CallCancelledException;
import io.callosum.CallContext;
import io.callosum.CallosumException;
import io.callosum.Handler;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.StreamSink;
import io.callosum.StreamSource;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The hosting side of named pipes ({@code io.callosum.pipe.Pipes}): the writer's call and the
 * reader's call meet here by name. The writer's handler grants its upstream no credit until a
 * reader is attached (so the writer blocks), then moves items from its upstream to the reader's
 * downstream with both streams' flow control; the writer's end completes the reader's; a reader
 * that goes away cancels the writer's upstream (a broken pipe).
 */
public final class PipeHost {
  public static final String WRITE = "callosum.pipe.write";
  public static final String READ = "callosum.pipe.read";

  /**
   * Pipes with a writer or a reader attached, by name; guarded by this host, which is also what
   * ends wait on.
   */
  private final Map<String, Pipe> pipes = new HashMap<>();

  private PipeHost() {}

  public static void host(Peer peer) {
    PipeHost host = new PipeHost();
    peer.handle(WRITE, (DeferredCredit) host::write);
    peer.handleStream(READ, host::read);
  }

  /** A handler whose upstream gets its credit from the handler itself, not when it starts. */
  interface DeferredCredit extends Handler {}

  /** One pipe: its two ends as they attach. */
  private static final class Pipe {
    boolean writer;

    /** The attached reader, until it leaves or the writer that took it is done with it. */
    StreamSink reader;
  }

  private static String nameOf(Body body) {
    Object v = body.value();
    if (!(v instanceof String string) || string.isEmpty() || string.length() > 256) {
      throw new IllegalArgumentException("a pipe is named by a string of 1 to 256 characters");
    }
    return string;
  }

  /** Under the lock: forgets a pipe that neither end uses any more. */
  private void releaseLocked(String name, Pipe p) {
    if (!p.writer && p.reader == null) {
      pipes.remove(name, p);
    }
  }

  private Object write(CallContext ctx, Body body) throws Exception {
    ServerCall c = (ServerCall) ctx;
    String name = nameOf(body);
    if (c.upstream == null) {
      throw new IllegalArgumentException(
          "open the write end of a pipe with an upstream (Pipes.openOutput)");
    }
    Pipe p;
    StreamSink reader;
    synchronized (this) {
      p = pipes.computeIfAbsent(name, k -> new Pipe());
      if (p.writer) {
        throw new IllegalStateException("pipe '" + name + "' is busy: it has a writer");
      }
      p.writer = true;
      try {
        while (p.reader == null) {
          wait(); // a write blocks until a reader is attached (interrupted if the call ends)
        }
      } catch (InterruptedException e) {
        p.writer = false;
        releaseLocked(name, p);
        throw e;
      }
      reader = p.reader;
    }
    StreamSource up = c.upstream;
    c.upstream.open(true);
    CallosumException failure =
        new CallCancelledException("the writer of pipe '" + name + "' went away", null, false);
    try {
      Body item;
      while ((item = up.take()) != null) {
        reader.send(Payload.wrap(item.bytes()));
      }
      failure = null;
      return "closed";
    } catch (CallCancelledException e) {
      if (reader.isCancelled()) {
        up.cancel(); // the reader has gone: the writer's next write, or its close, is a broken pipe
        throw new IOException("broken pipe: the reader of pipe '" + name + "' has gone");
      }
      failure = new CallCancelledException("the writer of pipe '" + name + "' went away", e, false);
      throw e;
    } catch (CallosumException e) {
      failure = e; // the writer failed its stream: the reader learns it
      throw e;
    } finally {
      synchronized (this) {
        p.writer = false;
        if (p.reader == reader) {
          p.reader = null; // done with this reader: the name is free for the next pair
        }
        releaseLocked(name, p);
        notifyAll();
      }
      // Only now, so that a reader that opens the pipe again as soon as it sees the end is not
      // refused as busy.
      if (failure == null) {
        reader.complete();
      } else {
        reader.fail(failure);
      }
    }
  }

  private Object read(CallContext ctx, Body body, StreamSource upstream, StreamSink downstream)
      throws Exception {
    String name = nameOf(body);
    synchronized (this) {
      Pipe p = pipes.computeIfAbsent(name, k -> new Pipe());
      if (p.reader != null) {
        throw new IllegalStateException("pipe '" + name + "' is busy: it has a reader");
      }
      p.reader = downstream;
      notifyAll();
      try {
        while (p.reader == downstream) {
          wait(); // until a writer is done with this reader
        }
      } finally {
        if (p.reader == downstream) {
          p.reader = null; // cancelled before a writer was done with it
        }
        releaseLocked(name, p);
      }
    }
    return "closed";
  }
}
