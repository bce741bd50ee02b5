package io.callosum.fanout;

import io.callosum.internal.FanoutReceiverCore;
import io.callosum.lower.FanoutPattern;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A worker of a shared pipeline: receives its share of the items of a {@link PipelineSender}.
 *
 * <pre>{@code
 * try (PipelineReceiver worker = PipelineReceiver.builder()
 *     .connect("zmq+tcp://127.0.0.1:5601").queueCapacity(4)
 *     .handler(job -> render(job.as(Job.class)))
 *     .build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>While this worker's queue is full it stops reading, and the sender hands items to other
 * workers (or waits). Thread-safe; see {@link ItemReceiver}.
 */
public final class PipelineReceiver extends ItemReceiver {
  private PipelineReceiver(FanoutReceiverCore core, boolean hasHandler) {
    super(core, hasHandler);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link PipelineReceiver}; {@link #build} opens its socket. */
  public static final class Builder extends FanoutBuilder<Builder> {
    private Consumer<Delivery> handler;

    private Builder() {}

    /** Hands every item to {@code handler}, one at a time, on the worker's own thread. */
    public Builder handler(Consumer<Delivery> handler) {
      this.handler = Objects.requireNonNull(handler);
      return this;
    }

    /** Binds or connects; see {@link Broadcaster.Builder#build()} for the exceptions. */
    public PipelineReceiver build() {
      return new PipelineReceiver(
          new FanoutReceiverCore(
              transport(),
              address(),
              config(FanoutPattern.PIPELINE),
              List.of(),
              codec(),
              handler,
              maxQueuedBytes()),
          handler != null);
    }
  }
}
