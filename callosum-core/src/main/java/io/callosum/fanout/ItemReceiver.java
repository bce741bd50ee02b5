package io.callosum.fanout;

import io.callosum.internal.FanoutReceiverCore;
import java.time.Duration;

/**
 * What {@link BroadcastReceiver} and {@link PipelineReceiver} have in common: items are read with
 * {@link #poll} or {@link #take} from any thread, or handed one at a time, in order, to the handler
 * given to the builder on a thread of the receiver's own (then {@code poll} and {@code take} are
 * not available). The receiver's queue is bounded: while it is full the lower stops reading, so a
 * slow consumer never makes this process's memory grow. Thread-safe.
 */
public abstract sealed class ItemReceiver implements AutoCloseable
    permits BroadcastReceiver, PipelineReceiver {
  private final FanoutReceiverCore core;
  private final boolean hasHandler;

  ItemReceiver(FanoutReceiverCore core, boolean hasHandler) {
    this.core = core;
    this.hasHandler = hasHandler;
  }

  /**
   * The next item, waiting up to {@code timeout}; null if none came in time. Throws {@link
   * IllegalStateException} once the receiver is closed (also to a thread waiting here).
   */
  public Delivery poll(Duration timeout) throws InterruptedException {
    checkNoHandler();
    return core.poll(timeout);
  }

  /**
   * The next item, waiting as long as it takes; throws {@link IllegalStateException} once closed.
   */
  public Delivery take() throws InterruptedException {
    checkNoHandler();
    return core.take();
  }

  private void checkNoHandler() {
    if (hasHandler) {
      throw new IllegalStateException("this receiver hands its items to its handler");
    }
  }

  /** The bound or connected address (with the real port after binding port 0). */
  public String address() {
    return core.address();
  }

  /** Items received so far (including those still queued). */
  public long received() {
    return core.received();
  }

  /** Items dropped as malformed (a foreign or hostile sender); each is logged. */
  public long malformed() {
    return core.malformed();
  }

  /** Items received but not taken yet. */
  public int queued() {
    return core.queued();
  }

  /**
   * Stops receiving, releases the lower's sockets, drops what is queued, and ends the handler
   * thread (interrupting the item it is handling, and waiting a bounded time for it). Threads
   * waiting in {@code poll} or {@code take} get {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    core.close();
  }

  long missedItems() {
    return core.missed();
  }
}
