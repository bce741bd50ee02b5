package io.callosum.lower.redis;

import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts items and malformed entries; says it has no room after the {@code roomFor}-th item (the
 * test resumes the receiver). On the receiver's loop.
 */
final class CountingListener implements FanoutListener {
  final AtomicInteger items = new AtomicInteger();
  final AtomicInteger malformed = new AtomicInteger();
  private final int roomFor;

  CountingListener(int roomFor) {
    this.roomFor = roomFor;
  }

  @Override
  public boolean received(FanoutItem item) {
    return items.incrementAndGet() != roomFor;
  }

  @Override
  public void malformed(String reason) {
    malformed.incrementAndGet();
  }
}
