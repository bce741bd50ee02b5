package io.callosum.fanout;

import io.callosum.OverloadedException;
import io.callosum.internal.FanoutSenderCore;
import io.callosum.lower.FanoutPattern;
import java.time.Duration;

/**
 * The sending side of a shared pipeline: each item goes to exactly one of the connected {@link
 * PipelineReceiver}s (round robin among those with room) — a work queue spread over workers.
 *
 * <pre>{@code
 * try (PipelineSender jobs = PipelineSender.builder().bind("zmq+tcp://127.0.0.1:5601").build()) {
 *   jobs.send(Map.of("image", 42), Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p><b>A full pipeline makes the sender wait; nothing is dropped while it is open.</b> Items wait
 * in this sender's queue while no worker is connected or every worker's queues ({@link
 * FanoutBuilder#queueCapacity} items at each end) are full: {@link #offer} then returns false and
 * {@link #send} waits. A worker may hold up to its queue capacity of items while others are idle:
 * for even spreading of slow jobs, give workers a small capacity. Delivery is at most once: items
 * queued at a worker that goes away, or unsent when the sender closes, are lost. Thread-safe.
 */
public final class PipelineSender implements AutoCloseable {
  private final FanoutSenderCore core;

  private PipelineSender(FanoutSenderCore core) {
    this.core = core;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Queues {@code value} for one worker without waiting; false if the pipeline is full. */
  public boolean offer(Object value) {
    return core.offer("", value);
  }

  /** As {@link #offer(Object)}, with a topic the worker sees in {@link Delivery#topic()}. */
  public boolean offer(String topic, Object value) {
    return core.offer(topic, value);
  }

  /**
   * Queues {@code value}, waiting up to {@code timeout} for room.
   *
   * @throws OverloadedException if the pipeline stayed full for {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  public void send(Object value, Duration timeout) throws InterruptedException {
    core.send("", value, timeout);
  }

  /** As {@link #send(Object, Duration)}, with a topic. */
  public void send(String topic, Object value, Duration timeout) throws InterruptedException {
    core.send(topic, value, timeout);
  }

  public String address() {
    return core.address();
  }

  /** Items handed to the lower so far. */
  public long sent() {
    return core.sent();
  }

  /** Closes the socket (unsent items are dropped after the lower's linger time). Idempotent. */
  @Override
  public void close() {
    core.close();
  }

  /** Builds a {@link PipelineSender}; {@link #build} opens its socket. */
  public static final class Builder extends FanoutBuilder<Builder> {
    private Builder() {}

    /** Binds or connects; see {@link Broadcaster.Builder#build()} for the exceptions. */
    public PipelineSender build() {
      return new PipelineSender(
          new FanoutSenderCore(transport(), address(), config(FanoutPattern.PIPELINE), codec()));
    }
  }
}
