package io.callosum.fanout;

import io.callosum.MessageTooLargeException;
import io.callosum.Payload;
import io.callosum.internal.FanoutSenderCore;
import io.callosum.lower.FanoutPattern;

/**
 * The sending side of a broadcast: every {@link BroadcastReceiver} connected (or bound) at the
 * other end gets every item whose topic starts with one of its topic prefixes.
 *
 * <pre>{@code
 * try (Broadcaster news = Broadcaster.builder().bind("zmq+tcp://127.0.0.1:5600").build()) {
 *   news.publish("prices.eur", Map.of("bid", 1.0841));
 * }
 * }</pre>
 *
 * <p><b>Slow receivers lose items; the publisher never waits.</b> Each receiver has its own bounded
 * queues ({@link FanoutBuilder#queueCapacity} items in the lower on each end, plus its own); when
 * they are full, further items for that receiver are dropped and the others go on receiving.
 * Receivers count what they missed ({@link BroadcastReceiver#missed()}). A receiver also misses
 * what was published before its subscription reached the publisher (ZeroMQ's "slow joiner"). {@link
 * #publish} returns false only when the publisher's own queue is full (its lower cannot keep up:
 * over the TCP lower, when the send backlog of a connection whose receivers still read is full);
 * the item then went to nobody, and may be published again. Thread-safe.
 */
public final class Broadcaster implements AutoCloseable {
  private final FanoutSenderCore core;

  private Broadcaster(FanoutSenderCore core) {
    this.core = core;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Publishes {@code value} (encoded by the codec; a {@link Payload} is sent as it is) under {@code
   * topic} (at most 1,024 UTF-8 bytes). Never blocks; returns false if the item was dropped because
   * this publisher's queue was full.
   *
   * @throws MessageTooLargeException if the item exceeds {@link FanoutBuilder#maxMessageSize}
   * @throws IllegalStateException if closed
   */
  public boolean publish(String topic, Object value) {
    return core.offer(topic, value);
  }

  /** The bound or connected address (with the real port after binding port 0). */
  public String address() {
    return core.address();
  }

  /** Items handed to the lower so far. */
  public long published() {
    return core.sent();
  }

  /** Items dropped because this publisher's own queue was full. */
  public long dropped() {
    return core.refused();
  }

  /** Stops publishing and releases the lower's sockets and threads. Idempotent. */
  @Override
  public void close() {
    core.close();
  }

  /** Builds a {@link Broadcaster}; {@link #build} opens its socket. */
  public static final class Builder extends FanoutBuilder<Builder> {
    private Builder() {}

    /**
     * Binds or connects. Throws {@link java.io.UncheckedIOException} if the address cannot be used,
     * {@link UnsupportedOperationException} if its lower offers no broadcast.
     */
    public Broadcaster build() {
      return new Broadcaster(
          new FanoutSenderCore(transport(), address(), config(FanoutPattern.BROADCAST), codec()));
    }
  }
}
