package io.callosum.internal;

import io.callosum.fanout.Delivery;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.ReadBatch;
import io.callosum.lower.Transport;
import io.callosum.upper.Codec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving half of {@code BroadcastReceiver} and {@code PipelineReceiver}: a bounded queue
 * between the lower's I/O thread and the application. When the queue is full the lower stops
 * reading, so a slow consumer makes the lower's queues (and then the sender's) fill up instead of
 * this process's memory; reading resumes once the queue is half empty. Counts the broadcast items
 * missed from each sender and topic from gaps in their sequence numbers.
 */
public final class FanoutReceiverCore implements FanoutListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FanoutReceiverCore.class);

  /** (sender, topic) pairs whose last sequence number is remembered. */
  static final int MAX_TRACKED_STREAMS = 10_000;

  /** Put in the queue by close(): wakes every thread waiting in take() or poll(). */
  private static final Delivery CLOSED = new Delivery("", null);

  private final FanoutConfig config;
  private final Codec codec;
  private final DeliveryQueue queue;
  private final int resumeBelow;
  private final long maxQueuedBytes;
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean paused = new AtomicBoolean();

  /**
   * The last sequence number per publisher and topic (0: none yet), read and written by the lower's
   * receiving thread.
   */
  private final Map<Stream, long[]> lastSequence =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Stream, long[]> eldest) {
          return size() > MAX_TRACKED_STREAMS;
        }
      };

  /** The stream of the previous item and its entry: a run of items of one stream skips the map. */
  private Stream recentStream;

  private long[] recentLast;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong missed = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final FanoutReceiver lower;
  private final ExecutorService handlerThread;
  private volatile boolean closed;

  public FanoutReceiverCore(
      Transport transport,
      URI address,
      FanoutConfig config,
      List<String> topics,
      Codec codec,
      Consumer<Delivery> handler,
      long maxQueuedBytes) {
    if (!transport.supports(config.pattern())) {
      throw new UnsupportedOperationException(
          "the lower of " + address + " offers no " + FanoutSenderCore.name(config.pattern()));
    }
    this.config = config;
    this.codec = codec;
    this.queue = new DeliveryQueue(config.queueCapacity());
    this.resumeBelow = Math.max(1, config.queueCapacity() / 2);
    this.maxQueuedBytes = maxQueuedBytes;
    try {
      this.lower = transport.openReceiver(address, config, topics, this);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot " + (config.bind() ? "bind " : "connect to ") + address + ": " + e.getMessage(),
          e);
    }
    if (handler == null) {
      handlerThread = null;
    } else {
      handlerThread =
          Threads.singleThread("callosum-" + FanoutSenderCore.name(config.pattern()) + "-handler");
      handlerThread.execute(() -> pump(handler));
    }
  }

  private void pump(Consumer<Delivery> handler) {
    while (!closed) {
      Delivery d;
      try {
        d = take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        handler.accept(d);
      } catch (RuntimeException e) {
        LOG.warn(
            "the handler of {} items from {} failed on topic '{}'",
            FanoutSenderCore.name(config.pattern()),
            lower.address(),
            d.topic(),
            e);
      }
    }
  }

  public String address() {
    return lower.address();
  }

  /** The next item, waiting up to {@code timeout}; null if none came. */
  public Delivery poll(Duration timeout) throws InterruptedException {
    Delivery d = queue.poll(timeout.toNanos());
    return taken(d);
  }

  /** The next item, waiting as long as it takes. */
  public Delivery take() throws InterruptedException {
    return taken(queue.take());
  }

  @SuppressWarnings("ReferenceEquality") // CLOSED is a sentinel: identity, not value, marks it
  private Delivery taken(Delivery d) {
    if (d == CLOSED) {
      queue.put(CLOSED); // for the next waiting thread
      throw new IllegalStateException(
          "the "
              + FanoutSenderCore.name(config.pattern())
              + " receiver at "
              + lower.address()
              + " is closed");
    }
    if (d != null) {
      queuedBytes.addAndGet(-d.body().size());
    }
    if (paused.get()
        && queue.size() < resumeBelow
        && queuedBytes.get() <= maxQueuedBytes / 2
        && paused.compareAndSet(true, false)) {
      lower.resume();
    }
    return d;
  }

  public long received() {
    return received.get();
  }

  public long missed() {
    return missed.get();
  }

  public long malformed() {
    return malformed.get();
  }

  /** Items waiting to be taken. */
  public int queued() {
    return closed ? 0 : queue.size();
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // the cache is of this very item object, not its value
  public boolean received(FanoutItem item) {
    if (item.size() > config.maxMessageSize()) {
      malformed("an item of " + item.size() + " bytes (limit " + config.maxMessageSize() + ")");
      return true;
    }
    Decoded decoded = LAST_DECODED.get();
    if (decoded == null || decoded.item != item) {
      FanoutHeader header;
      try {
        header = FanoutHeader.decode(item.header());
      } catch (BadMessageException e) {
        malformed("an item with " + e.getMessage());
        return true;
      }
      boolean first = decoded == null;
      decoded = new Decoded(item, header, new String(item.topic(), StandardCharsets.UTF_8));
      LAST_DECODED.set(decoded);
      if (first) {
        ReadBatch.runAtEnd(LAST_DECODED::remove); // kept for one read round (none outside one)
      }
    }
    Delivery delivery = decoded.delivery(codec);
    if (config.pattern() == FanoutPattern.BROADCAST) {
      countGap(decoded.header, decoded.topic);
    }
    received.incrementAndGet();
    queuedBytes.addAndGet(item.body().length);
    int waiting = queue.offer(delivery);
    if (waiting < 0) {
      // Not reached: the lower stops reading when told the queue is full. Should it happen, the
      // item is dropped and reading pauses like for a full queue.
      queuedBytes.addAndGet(-item.body().length);
      LOG.warn(
          "dropped an item from {}: the queue of {} is full",
          lower == null ? "?" : lower.address(),
          config.queueCapacity());
    } else if (waiting < queue.capacity() && queuedBytes.get() < maxQueuedBytes) {
      return true; // the usual case, without a second look at the queue
    }
    paused.set(true);
    // The consumer may have emptied the queue before it could see the flag: look again.
    return !full() && paused.compareAndSet(true, false);
  }

  private boolean full() {
    return queue.isFull() || queuedBytes.get() >= maxQueuedBytes;
  }

  /**
   * The last item decoded on this thread in its current read round ({@link ReadBatch}), with what
   * it decodes into: the receivers of one process that share a link ({@code
   * SharedBroadcastReceivers}) are handed the same item one after the other, and decode its header
   * and topic once. A {@link Delivery} is immutable, so receivers whose codecs decode alike share
   * one. Forgotten at the round's end, so it holds no item beyond it.
   */
  private static final ThreadLocal<Decoded> LAST_DECODED = new ThreadLocal<>();

  /** An item's header and topic, and its delivery for the codec of the last receiver it met. */
  private static final class Decoded {
    final FanoutItem item;
    final FanoutHeader header;
    final String topic;
    private Codec codec;
    private Delivery delivery;

    Decoded(FanoutItem item, FanoutHeader header, String topic) {
      this.item = item;
      this.header = header;
      this.topic = topic;
    }

    /**
     * The delivery of this item for a receiver decoding with {@code codec}: the last one made if
     * its codec decodes alike ({@link Codec#equals}), else a new one.
     */
    Delivery delivery(Codec codec) {
      if (delivery == null || !(this.codec == codec || this.codec.equals(codec))) {
        this.codec = codec;
        delivery = new Delivery(topic, new CodecBody(item.body(), codec));
      }
      return delivery;
    }
  }

  /** One publisher's topic. */
  private record Stream(long senderId, String topic) {}

  /**
   * Counts the items missed before this one of its stream. Sequence numbers start at 1, so 0 in an
   * entry means none seen yet. The previous item's entry is reused without a lookup when this item
   * is of the same stream (the usual case), which was a fifth of a TCP receiver's time.
   */
  private void countGap(FanoutHeader header, String topic) {
    long[] last = recentLast;
    if (last == null
        || recentStream.senderId() != header.senderId()
        || !recentStream.topic().equals(topic)) {
      Stream stream = new Stream(header.senderId(), topic);
      last = lastSequence.computeIfAbsent(stream, s -> new long[1]);
      recentStream = stream;
      recentLast = last;
    }
    long previous = last[0];
    last[0] = header.sequence();
    if (previous != 0 && header.sequence() > previous + 1) {
      long gap = header.sequence() - previous - 1;
      missed.getAndUpdate(
          m -> m + gap < m ? Long.MAX_VALUE : m + gap); // a hostile sender's numbers cannot wrap it
    }
  }

  @Override
  public void malformed(String reason) {
    long n = malformed.incrementAndGet();
    // A hostile sender must not flood the log: the first ten, then every thousandth.
    if (n <= 10 || n % 1000 == 0) {
      LOG.warn(
          "{} at {}: dropped {} ({} malformed so far)",
          FanoutSenderCore.name(config.pattern()),
          lower == null ? "?" : lower.address(),
          reason,
          n);
    } else {
      LOG.debug(
          "{} at {}: dropped {}",
          FanoutSenderCore.name(config.pattern()),
          lower == null ? "?" : lower.address(),
          reason);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    lower.close();
    if (handlerThread != null) {
      handlerThread.shutdownNow(); // the pump waits in take(): interrupt it
      Threads.shutdownAndWait(handlerThread);
    }
    queue.clear();
    queue.put(CLOSED);
  }
}
