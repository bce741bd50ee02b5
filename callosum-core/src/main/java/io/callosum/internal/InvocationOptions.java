package io.callosum.internal;

import io.callosum.Invocation;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import java.time.Duration;
import java.util.Objects;

/**
 * What every {@link Invocation} collects before it is sent: the order key, the timeout, compression
 * and metadata, checked as they are set. Its subclasses send the call. Not thread-safe (one call
 * being prepared on one thread).
 */
public abstract class InvocationOptions implements Invocation {
  private OrderKey orderKey = OrderKey.NONE;
  private Duration timeout;
  private boolean timeoutSet;
  private boolean compress;
  private Metadata metadata = Metadata.EMPTY;

  protected InvocationOptions() {}

  @Override
  public Invocation orderKey(OrderKey key) {
    this.orderKey = Objects.requireNonNull(key, "key");
    return this;
  }

  @Override
  public Invocation timeout(Duration timeout) {
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.timeout = timeout;
    this.timeoutSet = true;
    return this;
  }

  @Override
  public Invocation compress(boolean compress) {
    this.compress = compress;
    return this;
  }

  @Override
  public Invocation metadata(Metadata metadata) {
    this.metadata = Objects.requireNonNull(metadata, "metadata");
    return this;
  }

  /** The order key; {@link OrderKey#NONE} unless one was set. */
  protected final OrderKey key() {
    return orderKey;
  }

  /** Whether a timeout (or none, with null) was set for this call. */
  protected final boolean hasTimeout() {
    return timeoutSet;
  }

  /** The timeout set, or {@code fallback} if none was (null: no timeout). */
  protected final Duration timeoutOr(Duration fallback) {
    return timeoutSet ? timeout : fallback;
  }

  protected final boolean compressed() {
    return compress;
  }

  protected final Metadata meta() {
    return metadata;
  }
}
