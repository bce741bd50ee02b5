package io.callosum.fanout;

import io.callosum.internal.Transports;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.Transport;
import io.callosum.upper.Codec;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.util.Objects;

/**
 * What the builders of {@link Broadcaster}, {@link BroadcastReceiver}, {@link PipelineSender} and
 * {@link PipelineReceiver} have in common: the address (either side may bind, the other connects),
 * the lower, the codec and the bounds. Not thread-safe; build from one thread.
 *
 * @param <B> the concrete builder
 */
public abstract class FanoutBuilder<B extends FanoutBuilder<B>> {
  /** Default {@link #queueCapacity}. */
  public static final int DEFAULT_QUEUE_CAPACITY = 100;

  /** The largest {@link #queueCapacity}. */
  public static final int MAX_QUEUE_CAPACITY = 1_000_000;

  /** Default {@link #maxMessageSize}: 1 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;

  /** Default {@link #maxQueuedBytes}: 64 MiB. */
  public static final long DEFAULT_MAX_QUEUED_BYTES = 64L << 20;

  /** The codec of every builder not given one: thread-safe, so one per process is enough. */
  private static final Codec DEFAULT_CODEC = new MsgpackCodec();

  private URI address;
  private boolean bind;
  private Transport transport;
  private Codec codec;
  private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
  private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  private long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;

  FanoutBuilder() {}

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** Listens on {@code address} (e.g. {@code zmq+tcp://127.0.0.1:0}); the other side connects. */
  public B bind(String address) {
    return bind(URI.create(address));
  }

  public B bind(URI address) {
    this.address = Objects.requireNonNull(address);
    this.bind = true;
    return self();
  }

  /** Connects to {@code address}, where the other side is bound. */
  public B connect(String address) {
    return connect(URI.create(address));
  }

  public B connect(URI address) {
    this.address = Objects.requireNonNull(address);
    this.bind = false;
    return self();
  }

  /** The lower to use instead of the one installed for the address scheme. */
  public B transport(Transport transport) {
    this.transport = Objects.requireNonNull(transport);
    return self();
  }

  /** The upper that encodes and decodes bodies; msgpack by default. Both sides must agree. */
  public B codec(Codec codec) {
    this.codec = Objects.requireNonNull(codec);
    return self();
  }

  /**
   * The most items held at each stage: the sender's own queue, the lower's queue per remote and
   * direction (ZeroMQ's high-water marks), and a receiver's queue. Default {@value
   * #DEFAULT_QUEUE_CAPACITY}, at most {@value #MAX_QUEUE_CAPACITY}. With {@link #maxMessageSize},
   * it bounds what one remote connection can make the lower hold: {@code queueCapacity x
   * maxMessageSize} bytes per connection and direction.
   */
  public B queueCapacity(int items) {
    if (items < 1 || items > MAX_QUEUE_CAPACITY) {
      throw new IllegalArgumentException(
          "queueCapacity must be 1 to " + MAX_QUEUE_CAPACITY + ": " + items);
    }
    this.queueCapacity = items;
    return self();
  }

  /**
   * A receiver's own queue holds at most this many bytes of item bodies (besides {@link
   * #queueCapacity} items): when it is full the lower stops reading. Default 64 MiB; senders ignore
   * it.
   */
  public B maxQueuedBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("maxQueuedBytes must be at least 1: " + bytes);
    }
    this.maxQueuedBytes = bytes;
    return self();
  }

  long maxQueuedBytes() {
    return maxQueuedBytes;
  }

  /** The largest item (topic, header and body) sent or accepted, in bytes; default 1 MiB. */
  public B maxMessageSize(int bytes) {
    if (bytes < 64) {
      throw new IllegalArgumentException("maxMessageSize must be at least 64: " + bytes);
    }
    this.maxMessageSize = bytes;
    return self();
  }

  URI address() {
    if (address == null) {
      throw new IllegalStateException("call bind(address) or connect(address) first");
    }
    return address;
  }

  Transport transport() {
    return transport != null ? transport : Transports.find(address());
  }

  Codec codec() {
    return codec != null ? codec : DEFAULT_CODEC;
  }

  FanoutConfig config(FanoutPattern pattern) {
    return new FanoutConfig(pattern, bind, queueCapacity, maxMessageSize);
  }
}
