package io.callosum.internal;

import io.callosum.CallCancelledException;
import io.callosum.CallosumException;
import io.callosum.CodecException;
import io.callosum.MessageTooLargeException;
import io.callosum.Payload;
import io.callosum.StreamSink;
import io.callosum.upper.Codec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sending end of one stream of one call. Spends the credit the receiver grants: an item may
 * leave while at least one item and one byte of credit remain (so one item may overdraw the bytes,
 * and the receiver holds at most its window plus one item). Items leave on the calling thread,
 * under this end's lock, so that they and the end of the stream keep their order.
 */
final class StreamOut implements StreamSink {
  private final StreamWire wire;
  private final boolean stackTraces;
  private final Codec codec;
  private final long maxMessageSize;
  private final Executor callbacks;

  /** False when the caller opened no such stream: sends are refused. */
  private final boolean open;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition credited = lock.newCondition();
  private long items;
  private long bytes;
  private boolean ended;
  private CallosumException stopped;
  private Forwarder forwarder;

  StreamOut(
      StreamWire wire,
      Codec codec,
      long maxMessageSize,
      Executor callbacks,
      boolean open,
      boolean stackTraces) {
    this.wire = wire;
    this.stackTraces = stackTraces;
    this.codec = codec;
    this.maxMessageSize = maxMessageSize;
    this.callbacks = callbacks;
    this.open = open;
  }

  /** The receiver's grant (from the I/O thread, or the initial credit of a FUNCTION). */
  void grant(long moreItems, long moreBytes) {
    Forwarder f;
    lock.lock();
    try {
      items = saturatedAdd(items, moreItems);
      bytes = saturatedAdd(bytes, moreBytes);
      credited.signalAll();
      f = forwarder;
    } finally {
      lock.unlock();
    }
    if (f != null) {
      callbacks.execute(f::pump);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return r < a ? Long.MAX_VALUE : r;
  }

  /** The receiver cancelled or the call ended: nothing more may be sent. */
  void stop(CallosumException reason) {
    Forwarder f;
    lock.lock();
    try {
      if (ended || stopped != null) {
        return;
      }
      stopped = reason;
      credited.signalAll();
      f = forwarder;
    } finally {
      lock.unlock();
    }
    if (f != null) {
      callbacks.execute(f::pump);
    }
  }

  /** Whether the stream can still carry items (not ended, not stopped). */
  boolean isOpen() {
    lock.lock();
    try {
      return open && !ended && stopped == null;
    } finally {
      lock.unlock();
    }
  }

  private byte[] encode(Object item) {
    byte[] b;
    try {
      b = item instanceof Payload payload ? payload.bytes() : codec.encode(item);
    } catch (CodecException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CodecException("the codec failed: " + e, e);
    }
    long size = wire.itemSize(b.length);
    if (size > maxMessageSize) {
      throw new MessageTooLargeException(
          "stream item of " + size + " bytes exceeds the limit of " + maxMessageSize);
    }
    return b;
  }

  /** Under the lock: throws if nothing may be sent any more. */
  private void checkSendable() {
    if (!open) {
      throw new IllegalStateException(
          "the caller opened no "
              + (wire.direction() == Header.UPSTREAM ? "upstream" : "downstream")
              + " in this call");
    }
    if (stopped != null) {
      throw new CallCancelledException(
          "the " + wire.describe() + " cannot take items: " + stopped.getMessage(), stopped, false);
    }
    if (ended) {
      throw new IllegalStateException("the " + wire.describe() + " has already ended");
    }
  }

  /** Under the lock: sends {@code b} if credit allows. */
  private boolean trySend(byte[] b) {
    checkSendable();
    if (items < 1 || bytes <= 0) {
      return false;
    }
    items--;
    bytes -= b.length;
    wire.item(b);
    return true;
  }

  @Override
  public boolean offer(Object item) {
    byte[] b = encode(item);
    lock.lock();
    try {
      return trySend(b);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean send(Object item, Duration timeout) throws InterruptedException {
    byte[] b = encode(item);
    long left = timeout.toNanos();
    lock.lockInterruptibly();
    try {
      while (!trySend(b)) {
        if (left <= 0) {
          return false;
        }
        left = credited.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void send(Object item) throws InterruptedException {
    byte[] b = encode(item);
    lock.lockInterruptibly();
    try {
      while (!trySend(b)) {
        credited.await();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void complete() {
    end(null);
  }

  @Override
  public void fail(Throwable error) {
    end(ErrorNames.describe(error, stackTraces));
  }

  private void end(String[] errorMeta) {
    lock.lock();
    try {
      if (!open || ended || stopped != null) {
        return;
      }
      ended = true;
      credited.signalAll();
      wire.end(errorMeta);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isCancelled() {
    lock.lock();
    try {
      return stopped != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long credit() {
    lock.lock();
    try {
      return open && !ended && stopped == null && bytes > 0 ? items : 0;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Flow.Subscriber<Object> subscriber() {
    lock.lock();
    try {
      if (forwarder != null) {
        throw new IllegalStateException("the " + wire.describe() + " already has a subscriber");
      }
      forwarder = new Forwarder();
      return forwarder;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Forwards a publisher's items: requests one item whenever credit allows and none is outstanding,
   * holds at most one item that met a spent byte credit, and runs every request on the callback
   * executor (a publisher may emit from inside {@code request}).
   */
  private final class Forwarder implements Flow.Subscriber<Object> {
    private Flow.Subscription subscription;
    private Object held;
    private boolean requested;
    private boolean done;
    private boolean cancelled;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      Objects.requireNonNull(s, "subscription"); // Flow rule 2.13
      synchronized (this) {
        if (subscription != null) {
          s.cancel();
          return;
        }
        subscription = s;
      }
      callbacks.execute(this::pump);
    }

    @Override
    public void onNext(Object item) {
      Objects.requireNonNull(item, "item"); // Flow rule 2.13
      synchronized (this) {
        requested = false;
        held = item;
      }
      pump();
    }

    @Override
    public void onError(Throwable t) {
      Objects.requireNonNull(t, "throwable"); // Flow rule 2.13
      synchronized (this) {
        done = true;
      }
      fail(t);
    }

    @Override
    public void onComplete() {
      synchronized (this) {
        done = true;
      }
      complete();
    }

    /** Sends the held item if credit allows, then asks for the next one. */
    void pump() {
      Flow.Subscription toRequest = null;
      Flow.Subscription toCancel = null;
      synchronized (this) {
        if (subscription == null || done || cancelled) {
          return;
        }
        if (!isOpen()) {
          cancelled = true;
          toCancel = subscription;
        } else {
          if (held != null) {
            try {
              if (offer(held)) {
                held = null;
              }
            } catch (RuntimeException e) {
              cancelled = true;
              toCancel = subscription;
              fail(e);
            }
          }
          if (toCancel == null && held == null && !requested && credit() > 0) {
            requested = true;
            toRequest = subscription;
          }
        }
      }
      if (toCancel != null) {
        toCancel.cancel();
      } else if (toRequest != null) {
        toRequest.request(1);
      }
    }
  }

  @Override
  public OutputStream outputStream(int chunkSize) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize must be at least 1: " + chunkSize);
    }
    return new ChunkedOutput(chunkSize);
  }

  /** Gathers writes into items of up to {@code chunkSize} bytes. */
  private final class ChunkedOutput extends OutputStream {
    private final byte[] buffer;
    private int filled;
    private boolean closed;

    ChunkedOutput(int chunkSize) {
      this.buffer = new byte[chunkSize];
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (closed) {
        throw new IOException("stream closed");
      }
      while (len > 0) {
        int n = Math.min(len, buffer.length - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
        if (filled == buffer.length) {
          flush();
        }
      }
    }

    @Override
    public void flush() throws IOException {
      if (filled == 0) {
        return;
      }
      byte[] item = Arrays.copyOf(buffer, filled);
      try {
        send(Payload.wrap(item));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the reader");
      } catch (CallCancelledException e) {
        throw new IOException("broken pipe: " + e.getMessage(), e);
      } catch (IllegalStateException e) {
        throw new IOException(e.getMessage(), e);
      }
      filled = 0;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        flush();
      } catch (IOException | RuntimeException e) {
        fail(e); // the reader must not take a stream cut short for a complete one
        throw e;
      }
      complete();
    }
  }
}
