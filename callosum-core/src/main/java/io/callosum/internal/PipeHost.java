package io.callosum.internal;

import io.callosum.Body;
import io.callosum.CallCancelledException;
import io.callosum.CallContext;
import io.callosum.CallosumException;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.StreamSink;
import io.callosum.StreamSource;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hosting side of named pipes ({@code io.callosum.Pipes}): the writer's call and the reader's
 * call meet here by name. The writer's handler grants its upstream no credit until a reader is
 * attached (so the writer blocks), then moves items from its upstream to the reader's downstream
 * with both streams' flow control; the writer's end completes the reader's; a reader that goes
 * away cancels the writer's upstream (a broken pipe).
 */
public final class PipeHost {
  public static final String WRITE = "callosum.pipe.write";
  public static final String READ = "callosum.pipe.read";

  private final ConcurrentHashMap<String, Pipe> pipes = new ConcurrentHashMap<>();

  private PipeHost() {}

  public static void host(Peer peer) {
    PipeHost host = new PipeHost();
    peer.handle(WRITE, (DeferredCredit) host::write);
    peer.handleStream(READ, host::read);
  }

  /** A handler whose upstream gets its credit from the handler itself, not when it starts. */
  interface DeferredCredit extends io.callosum.Handler {}

  /** One pipe: its two ends as they attach; guarded by itself. */
  private static final class Pipe {
    final String name;
    boolean writer;
    StreamSink reader;
    boolean done;

    Pipe(String name) {
      this.name = name;
    }
  }

  private static String nameOf(Body body) {
    Object v = body.value();
    if (!(v instanceof String) || ((String) v).isEmpty() || ((String) v).length() > 256) {
      throw new IllegalArgumentException("a pipe is named by a string of 1 to 256 characters");
    }
    return (String) v;
  }

  private Pipe attach(String name) {
    return pipes.computeIfAbsent(name, Pipe::new);
  }

  private void release(Pipe p) {
    synchronized (p) {
      if (p.writer || p.reader != null) {
        return;
      }
    }
    pipes.remove(p.name, p);
  }

  private Object write(CallContext ctx, Body body) throws Exception {
    ServerCall c = (ServerCall) ctx;
    String name = nameOf(body);
    if (c.upstream == null) {
      throw new IllegalArgumentException("open the write end of a pipe with an upstream (Pipes.openOutput)");
    }
    Pipe p = attach(name);
    StreamSink reader;
    synchronized (p) {
      if (p.writer) {
        throw new IllegalStateException("pipe '" + name + "' is busy: it has a writer");
      }
      p.writer = true;
      try {
        while (p.reader == null) {
          p.wait(); // a write blocks until a reader is attached (interrupted if the call ends)
        }
      } catch (InterruptedException e) {
        p.writer = false;
        release(p);
        throw e;
      }
      reader = p.reader;
    }
    StreamSource up = c.upstream;
    c.upstream.open(true);
    try {
      Body item;
      while ((item = up.take()) != null) {
        reader.send(Payload.wrap(item.bytes()));
      }
      reader.complete();
      return "closed";
    } catch (CallCancelledException e) {
      if (reader.isCancelled()) {
        up.cancel(); // the reader has gone: the writer's next write is a broken pipe
        return "reader gone";
      }
      reader.fail(new CallCancelledException("the writer of pipe '" + name + "' went away", e, false));
      throw e;
    } catch (CallosumException e) {
      reader.fail(e); // the writer failed its stream: the reader learns it
      throw e;
    } catch (InterruptedException e) {
      reader.fail(new CallCancelledException("the writer of pipe '" + name + "' went away", e, false));
      throw e;
    } finally {
      synchronized (p) {
        p.writer = false;
        p.done = true;
        p.notifyAll();
      }
    }
  }

  private Object read(CallContext ctx, Body body, StreamSource upstream, StreamSink downstream) throws Exception {
    String name = nameOf(body);
    Pipe p = attach(name);
    synchronized (p) {
      if (p.reader != null) {
        throw new IllegalStateException("pipe '" + name + "' is busy: it has a reader");
      }
      p.reader = downstream;
      p.done = false;
      p.notifyAll();
      try {
        while (!p.done) {
          p.wait(); // until the writer has finished with this reader
        }
      } finally {
        p.reader = null;
        p.done = false;
      }
    }
    release(p);
    return "closed";
  }
}
