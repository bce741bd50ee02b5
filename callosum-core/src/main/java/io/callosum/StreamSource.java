package io.callosum;

import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Flow;

/**
 * The receiving end of a stream of a call: a caller's {@link StreamCall#downstream()} or a stream
 * handler's {@code upstream}. Items arrive in the order they were sent and wait in a bounded buffer
 * (the peer's stream window); taking them grants the sender more credit.
 *
 * <p>Read with {@link #take()} / {@link #poll} from any thread, or subscribe a {@link
 * Flow.Subscriber} with {@link #publisher()} (items are delivered on the peer's callback executor,
 * as requested), or read bytes with {@link #inputStream()} — one way per stream. The stream ends
 * with the sender's completion, its failure (thrown by the next read, in the one error family of
 * calls), the end of the call, or {@link #cancel()}.
 */
public interface StreamSource extends AutoCloseable {
  /**
   * The next item, waiting as long as it takes; null when the stream has completed.
   *
   * @throws CallosumException the stream's failure (the sender failed it, the call failed or was
   *     cancelled, the connection was lost)
   */
  Body take() throws InterruptedException;

  /**
   * The next item, waiting up to {@code timeout}; null if none came in time or the stream has
   * completed ({@link #isEnded()} tells). Throws the stream's failure as {@link #take()} does.
   */
  Body poll(Duration timeout) throws InterruptedException;

  /** Whether no more items will arrive (items may still wait to be taken). */
  boolean isEnded();

  /** Items received and not taken yet. */
  int buffered();

  /**
   * Tells the sender to stop, drops what is buffered, and ends this end (reads then return null).
   * Cancelling a caller's downstream does not cancel the call. Idempotent.
   */
  void cancel();

  /** The stream as a publisher for one subscriber. */
  Flow.Publisher<Body> publisher();

  /**
   * The stream as bytes: the items' bytes one after another ({@link Body#bytes()}, so the sender
   * should send {@link Payload}s or use its {@code outputStream}); {@code read} blocks until data
   * arrives and returns -1 once the sender has completed the stream; a failed stream throws an
   * {@link java.io.IOException} with the failure as its cause. {@code close()} cancels.
   */
  InputStream inputStream();

  /** {@link #cancel()} unless the stream has ended. */
  @Override
  default void close() {
    cancel();
  }
}
