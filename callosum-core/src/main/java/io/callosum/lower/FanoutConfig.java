package io.callosum.lower;

import java.util.Objects;

/**
 * What the core tells a lower when it opens one side of a {@link FanoutPattern}.
 *
 * @param pattern broadcast or pipeline
 * @param bind whether this side binds the address (else it connects to it); either side may bind
 * @param queueCapacity the items the lower holds per remote and per direction before it drops or
 *     refuses more (its high-water mark; a ZeroMQ PUB's pipes, which count reads late, may hold up
 *     to twice as many), and the size of the sender's own queue
 * @param maxMessageSize the largest item (topic, header and body) a receiver accepts; a lower drops
 *     (or disconnects the sender of) a bigger one
 */
public record FanoutConfig(
    FanoutPattern pattern, boolean bind, int queueCapacity, int maxMessageSize) {
  public FanoutConfig {
    Objects.requireNonNull(pattern, "pattern");
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1: " + queueCapacity);
    }
    if (maxMessageSize < 1) {
      throw new IllegalArgumentException("maxMessageSize must be at least 1: " + maxMessageSize);
    }
  }
}
