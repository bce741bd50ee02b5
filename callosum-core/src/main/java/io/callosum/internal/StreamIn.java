package io.callosum.internal;

import io.callosum.Body;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.StreamSource;
import io.callosum.lower.ReadBatch;
import io.callosum.upper.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of one stream of one call: a buffer bounded by the window this end granted. The
 * sender starts with a window of credit ({@code windowItems}, {@code windowBytes}); every time the
 * application has taken half a window (in items or bytes), that much is granted again. An item
 * beyond the granted credit is a protocol violation: the stream fails and the sender is told to
 * stop.
 */
final class StreamIn implements StreamSource {
  private static final Logger LOG = LoggerFactory.getLogger(StreamIn.class);

  private final StreamWire wire;
  private final Codec codec;
  private final long windowItems;
  private final long windowBytes;
  private final Executor callbacks;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<ByteBuffer> buffer = new ArrayDeque<>();
  private long grantedItems;
  private long grantedBytes;
  private long receivedItems;
  private long receivedBytes;
  private long takenItems;
  private long takenBytes;

  /**
   * Whether credit is granted back as items are taken (false until the stream starts, and after it
   * ends).
   */
  private boolean granting;

  private boolean ended;
  private CallosumException failure;
  private Subscription subscription;

  /**
   * Items came in the lower's current read round and the wake-up of threads waiting in {@link
   * #take} or {@link #poll} waits for the round's end ({@link ReadBatch}): one wake-up per round,
   * not per item.
   */
  private boolean wakeDeferred;

  private final Runnable wakeTakers = this::wakeTakers;

  StreamIn(StreamWire wire, Codec codec, long windowItems, long windowBytes, Executor callbacks) {
    this.wire = wire;
    this.codec = codec;
    this.windowItems = windowItems;
    this.windowBytes = windowBytes;
    this.callbacks = callbacks;
  }

  /** A stream that has already completed (a call without this stream). */
  static StreamIn ended(
      StreamWire wire, Codec codec, Executor callbacks, CallosumException failure) {
    StreamIn s = new StreamIn(wire, codec, 0, 0, callbacks);
    s.ended = true;
    s.failure = failure;
    return s;
  }

  /**
   * Opens the window: from now on the sender may send {@code windowItems} items and {@code
   * windowBytes} bytes. With {@code announce} the grant is sent (upstream); otherwise it went in
   * the FUNCTION header (downstream).
   */
  void open(boolean announce) {
    lock.lock();
    try {
      if (ended) {
        return;
      }
      grantedItems = windowItems;
      grantedBytes = windowBytes;
      granting = true;
      if (announce) {
        wire.credit(windowItems, windowBytes);
      }
    } finally {
      lock.unlock();
    }
  }

  long windowItems() {
    return windowItems;
  }

  long windowBytes() {
    return windowBytes;
  }

  /**
   * One item from the sender (I/O thread): its bytes from position 0 to the limit, which no one
   * moves.
   */
  void onItem(ByteBuffer item) {
    Subscription s;
    boolean defer = false;
    lock.lock();
    try {
      if (ended) {
        return; // cancelled here, or the call ended: late items are dropped
      }
      if (receivedItems >= grantedItems || receivedBytes >= grantedBytes) {
        LOG.warn(
            "the {} exceeded its credit ({} of {} items, {} of {} bytes); cancelling it",
            wire.describe(),
            receivedItems + 1,
            grantedItems,
            receivedBytes + item.limit(),
            grantedBytes);
        endLocked(
            new CallosumException(
                ErrorCode.BAD_MESSAGE,
                "the sender of the " + wire.describe() + " exceeded its credit"));
        buffer.clear();
        wire.cancel();
        s = subscription;
      } else {
        receivedItems++;
        receivedBytes += item.limit();
        buffer.add(item);
        if (!ReadBatch.inRound()) {
          changed.signalAll();
        } else if (!wakeDeferred) {
          wakeDeferred = true;
          defer = true;
        }
        s = subscription;
      }
    } finally {
      lock.unlock();
    }
    if (defer) {
      ReadBatch.runAtEnd(wakeTakers);
    }
    if (s != null) {
      s.schedule();
    }
  }

  /** The end of the read round in which items came: wakes the threads waiting for one. */
  private void wakeTakers() {
    lock.lock();
    try {
      wakeDeferred = false;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * An item or end that this end cannot take (e.g. over the message size limit) arrived: the stream
   * fails after what was received and the sender is told to stop (I/O thread).
   */
  void refuse(CallosumException failure) {
    Subscription s;
    lock.lock();
    try {
      if (ended) {
        return;
      }
      endLocked(failure);
      wire.cancel();
      s = subscription;
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.schedule();
    }
  }

  /** The sender ended the stream: completed ({@code failure} null) or failed (I/O thread). */
  void onEnd(CallosumException failure) {
    finish(failure);
  }

  /**
   * The call ended: a stream still open ends too, completed when the call succeeded ({@code
   * failure} null), otherwise with the call's failure. Items already received stay readable.
   */
  void finish(CallosumException failure) {
    Subscription s;
    lock.lock();
    try {
      if (ended) {
        return;
      }
      endLocked(failure);
      s = subscription;
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.schedule();
    }
  }

  private void endLocked(CallosumException f) {
    ended = true;
    granting = false;
    failure = f;
    changed.signalAll();
  }

  /** Under the lock: the application took {@code item}; grants credit back every half window. */
  private void taken(ByteBuffer item) {
    if (!granting) {
      return;
    }
    takenItems++;
    takenBytes += item.limit();
    if (takenItems >= Math.max(1, windowItems / 2) || takenBytes >= Math.max(1, windowBytes / 2)) {
      grantedItems += takenItems;
      grantedBytes += takenBytes;
      wire.credit(takenItems, takenBytes);
      takenItems = 0;
      takenBytes = 0;
    }
  }

  /** Under the lock: the next item, or null when none is buffered. */
  private Body next() {
    ByteBuffer item = buffer.poll();
    if (item == null) {
      return null;
    }
    taken(item);
    return new CodecBody(item, codec);
  }

  @Override
  public Body take() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (buffer.isEmpty() && !ended) {
        changed.await();
      }
      return nextOrEnd();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Body poll(Duration timeout) throws InterruptedException {
    long left = timeout.toNanos();
    lock.lockInterruptibly();
    try {
      while (buffer.isEmpty() && !ended) {
        if (left <= 0) {
          return null;
        }
        left = changed.awaitNanos(left);
      }
      return nextOrEnd();
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock, with an item buffered or the stream ended. */
  private Body nextOrEnd() {
    Body b = next();
    if (b != null) {
      return b;
    }
    if (failure != null) {
      throw failure;
    }
    return null;
  }

  /** Threads waiting in {@link #take} or {@link #poll} and not woken yet (for tests). */
  int waitingTakers() {
    lock.lock();
    try {
      return lock.getWaitQueueLength(changed);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isEnded() {
    lock.lock();
    try {
      return ended;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int buffered() {
    lock.lock();
    try {
      return buffer.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void cancel() {
    Subscription s;
    lock.lock();
    try {
      buffer.clear();
      if (ended) {
        return;
      }
      endLocked(null);
      wire.cancel();
      s = subscription;
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.schedule();
    }
  }

  @Override
  public Flow.Publisher<Body> publisher() {
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber"); // Flow rule 1.9
      Subscription s = new Subscription(subscriber);
      lock.lock();
      try {
        if (subscription != null) {
          s = null;
        } else {
          subscription = s;
        }
      } finally {
        lock.unlock();
      }
      if (s == null) {
        subscriber.onSubscribe(
            new Flow.Subscription() {
              @Override
              public void request(long n) {}

              @Override
              public void cancel() {}
            });
        subscriber.onError(
            new IllegalStateException("the " + wire.describe() + " already has a subscriber"));
        return;
      }
      s.start();
    };
  }

  /**
   * Delivers to one subscriber on the callback executor, one signal at a time, as requested. Once
   * cancelled it signals nothing more, and once cancelled or terminated it lets go of the
   * subscriber (Flow rules 3.6 and 3.13).
   */
  private final class Subscription implements Flow.Subscription {
    /** Null once cancelled or terminated. */
    private volatile Flow.Subscriber<? super Body> subscriber;

    private final SerialExecutor serial;
    private long demand;

    /**
     * Set by {@link #cancel} at once (any thread), before the stream ends: a delivery under way
     * sees it.
     */
    private volatile boolean cancelled;

    private boolean terminated;

    Subscription(Flow.Subscriber<? super Body> subscriber) {
      this.subscriber = subscriber;
      this.serial = new SerialExecutor(callbacks);
    }

    void start() {
      Flow.Subscriber<? super Body> to = subscriber;
      serial.execute(
          () -> {
            to.onSubscribe(this);
            deliver();
          });
    }

    void schedule() {
      serial.execute(this::deliver);
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        serial.execute(
            () -> {
              Flow.Subscriber<? super Body> to = subscriber;
              if (!terminated && !cancelled && to != null) {
                terminated = true;
                subscriber = null;
                StreamIn.this.cancel();
                to.onError(
                    new IllegalArgumentException(
                        "request(" + n + "): must be positive (Flow rule 3.9)"));
              }
            });
        return;
      }
      serial.execute(
          () -> {
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            deliver();
          });
    }

    @Override
    public void cancel() {
      cancelled = true;
      subscriber = null;
      StreamIn.this.cancel();
    }

    /**
     * On the serial executor: hands over buffered items while there is demand, then the end;
     * nothing once cancelled.
     */
    private void deliver() {
      while (!terminated && !cancelled) {
        Flow.Subscriber<? super Body> to = subscriber;
        if (to == null) {
          return;
        }
        Body b;
        CallosumException f;
        boolean end;
        lock.lock();
        try {
          b = demand > 0 ? next() : null;
          end = b == null && buffer.isEmpty() && ended;
          f = failure;
        } finally {
          lock.unlock();
        }
        if (b != null) {
          demand--;
          to.onNext(b);
        } else if (end) {
          terminated = true;
          subscriber = null;
          if (cancelled) {
            return; // the stream ended because it was cancelled: no signal
          }
          if (f != null) {
            to.onError(f);
          } else {
            to.onComplete();
          }
        } else {
          return;
        }
      }
    }
  }

  @Override
  public InputStream inputStream() {
    return new InputStream() {
      /** The item being read, its position the next unread byte. */
      private ByteBuffer current;

      /** Makes {@code current} hold unread bytes; false at the end of the stream. */
      private boolean fill() throws IOException {
        while (current == null || !current.hasRemaining()) {
          Body b;
          try {
            b = take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for data");
          } catch (CallosumException e) {
            throw new IOException("the " + wire.describe() + " failed: " + e.getMessage(), e);
          }
          if (b == null) {
            return false;
          }
          current = b.buffer(); // the item's bytes where they arrived: copied once, into `into`
        }
        return true;
      }

      @Override
      public int read() throws IOException {
        return fill() ? current.get() & 0xff : -1;
      }

      @Override
      public int read(byte[] into, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, into.length);
        if (len == 0) {
          return 0;
        }
        if (!fill()) {
          return -1;
        }
        int n = Math.min(len, current.remaining());
        current.get(into, off, n);
        return n;
      }

      @Override
      public int available() {
        return current == null ? 0 : current.remaining();
      }

      @Override
      public void close() {
        cancel();
      }
    };
  }
}
