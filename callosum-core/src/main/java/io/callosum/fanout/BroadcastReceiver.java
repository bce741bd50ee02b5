package io.callosum.fanout;

import io.callosum.internal.FanoutReceiverCore;
import io.callosum.internal.FanoutSenderCore;
import io.callosum.lower.FanoutPattern;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The receiving side of a broadcast: gets the items of a {@link Broadcaster} whose topic starts
 * with one of its topic prefixes (all items if none is given).
 *
 * <pre>{@code
 * try (BroadcastReceiver prices = BroadcastReceiver.builder()
 *     .connect("zmq+tcp://127.0.0.1:5600").topics("prices.")
 *     .handler(d -> System.out.println(d.topic() + " " + d.value()))
 *     .build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>A receiver that does not keep up loses items rather than slowing the publisher (see {@link
 * Broadcaster}); {@link #missed()} counts them. Thread-safe; see {@link ItemReceiver}.
 */
public final class BroadcastReceiver extends ItemReceiver {
  private BroadcastReceiver(FanoutReceiverCore core, boolean hasHandler) {
    super(core, hasHandler);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Items lost before reaching this receiver: gaps in the per-topic sequence numbers of each
   * publisher (exact for up to 10,000 publisher-topic pairs at a time).
   */
  public long missed() {
    return missedItems();
  }

  /** Builds a {@link BroadcastReceiver}; {@link #build} opens its socket and subscribes. */
  public static final class Builder extends FanoutBuilder<Builder> {
    private final List<String> topics = new ArrayList<>();
    private Consumer<Delivery> handler;

    private Builder() {}

    /** Adds topic prefixes to receive (UTF-8, at most 1,024 bytes each); none means every topic. */
    public Builder topics(String... prefixes) {
      for (String p : prefixes) {
        topics.add(Objects.requireNonNull(p));
      }
      return this;
    }

    /** Hands every item to {@code handler}, one at a time, on the receiver's own thread. */
    public Builder handler(Consumer<Delivery> handler) {
      this.handler = Objects.requireNonNull(handler);
      return this;
    }

    /** Binds or connects; see {@link Broadcaster.Builder#build()} for the exceptions. */
    public BroadcastReceiver build() {
      List<String> prefixes = topics.isEmpty() ? List.of("") : List.copyOf(topics);
      for (String p : prefixes) {
        if (p.getBytes(StandardCharsets.UTF_8).length > FanoutSenderCore.MAX_TOPIC_BYTES) {
          throw new IllegalArgumentException("topic prefix longer than 1,024 UTF-8 bytes");
        }
      }
      return new BroadcastReceiver(
          new FanoutReceiverCore(
              transport(),
              address(),
              config(FanoutPattern.BROADCAST),
              prefixes,
              codec(),
              handler,
              maxQueuedBytes()),
          handler != null);
    }
  }
}
