package io.callosum.lower;

import java.util.Objects;

/**
 * What the core tells a lower when it opens one side of a {@link FanoutPattern}.
 *
 * @param pattern broadcast or pipeline
 * @param bind whether this side binds the address (else it connects to it); either side may bind
 * @param queueCapacity the most items the lower may hold per remote and per direction (its
 *     high-water mark), and the size of the sender's own queue
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
