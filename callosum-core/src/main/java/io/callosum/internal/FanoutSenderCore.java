package io.callosum.internal;

import io.callosum.MessageTooLargeException;
import io.callosum.OverloadedException;
import io.callosum.Payload;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.Transport;
import io.callosum.upper.Codec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sending half of {@code Broadcaster} and {@code PipelineSender}: encodes values, numbers items
 * per topic, and offers them to the lower; {@link #send} waits for room. Thread-safe.
 */
public final class FanoutSenderCore implements AutoCloseable {
  /** The longest topic, in UTF-8 bytes. */
  public static final int MAX_TOPIC_BYTES = 1024;

  /** How many topics a sender numbers at once; a forgotten topic starts again at 1. */
  static final int MAX_TRACKED_TOPICS = 10_000;

  private final FanoutConfig config;
  private final Codec codec;
  private final FanoutSender lower;
  private final long senderId = ThreadLocalRandom.current().nextLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition room = lock.newCondition();
  private final Map<String, long[]> sequences =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
          return size() > MAX_TRACKED_TOPICS;
        }
      };
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile boolean closed;

  public FanoutSenderCore(Transport transport, URI address, FanoutConfig config, Codec codec) {
    if (!transport.supports(config.pattern())) {
      throw new UnsupportedOperationException(
          "the lower of " + address + " offers no " + name(config.pattern()));
    }
    this.config = config;
    this.codec = codec;
    try {
      this.lower = transport.openSender(address, config, this::writable);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot " + (config.bind() ? "bind " : "connect to ") + address + ": " + e.getMessage(),
          e);
    }
  }

  static String name(FanoutPattern p) {
    return p == FanoutPattern.BROADCAST ? "broadcast" : "pipeline";
  }

  public String address() {
    return lower.address();
  }

  /** Items handed to the lower. */
  public long sent() {
    return sent.get();
  }

  /** Items refused because the lower's queue was full. */
  public long refused() {
    return refused.get();
  }

  /** Encodes {@code value} under {@code topic} and offers it; false if the lower had no room. */
  public boolean offer(String topic, Object value) {
    FanoutItem item = encode(topic, value);
    lock.lock();
    try {
      return offerLocked(topic, item);
    } finally {
      lock.unlock();
    }
  }

  /**
   * As {@link #offer}, but waits up to {@code timeout} for room; throws {@link OverloadedException}
   * if none came.
   */
  public void send(String topic, Object value, Duration timeout) throws InterruptedException {
    FanoutItem item = encode(topic, value);
    long left = timeout.toNanos();
    lock.lockInterruptibly();
    try {
      while (!offerLocked(topic, item)) {
        if (left <= 0) {
          throw new OverloadedException(
              "no room in the "
                  + name(config.pattern())
                  + " at "
                  + lower.address()
                  + " within "
                  + timeout.toMillis()
                  + " ms ("
                  + config.queueCapacity()
                  + " items queued)");
        }
        left = room.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean offerLocked(String topic, FanoutItem unnumbered) {
    if (closed) {
      throw new IllegalStateException(
          "the " + name(config.pattern()) + " sender at " + lower.address() + " is closed");
    }
    long[] counter = sequences.computeIfAbsent(topic, t -> new long[1]);
    FanoutItem item =
        new FanoutItem(
            unnumbered.topic(),
            new FanoutHeader(senderId, counter[0] + 1).encode(),
            unnumbered.body());
    if (!lower.offer(item)) {
      refused.incrementAndGet();
      return false;
    }
    counter[0]++;
    sent.incrementAndGet();
    return true;
  }

  private FanoutItem encode(String topic, Object value) {
    byte[] t = topic.getBytes(StandardCharsets.UTF_8);
    if (t.length > MAX_TOPIC_BYTES) {
      throw new IllegalArgumentException(
          "topic of " + t.length + " bytes (at most " + MAX_TOPIC_BYTES + ")");
    }
    byte[] body = value instanceof Payload payload ? payload.bytes() : codec.encode(value);
    long size = (long) t.length + FanoutHeader.LENGTH + body.length;
    if (size > config.maxMessageSize()) {
      throw new MessageTooLargeException(
          "item of " + size + " bytes exceeds the limit of " + config.maxMessageSize());
    }
    return new FanoutItem(t, FanoutHeader.EMPTY, body);
  }

  /** Called by the lower once it has room again: wakes senders waiting in {@link #send}. */
  private void writable() {
    lock.lock();
    try {
      room.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      room.signalAll();
    } finally {
      lock.unlock();
    }
    lower.close();
  }
}
