package io.callosum.lower;

/**
 * The sending side of a {@link FanoutPattern} opened by a lower. Closing it stops its I/O, drops
 * what it has not sent yet (after the lower's linger time) and releases its threads and sockets
 * before returning.
 */
public interface FanoutSender extends AutoCloseable {
  /** The address as usable by others, e.g. with the real port after binding port 0. */
  String address();

  /**
   * Queues {@code item} for sending without blocking; thread-safe. Returns false when the lower
   * holds {@link FanoutConfig#queueCapacity()} items not yet handed over (for a pipeline: while no
   * receiver has room). After a false return the lower calls the {@code writable} callback given at
   * opening, on its own thread, once room has come back.
   */
  boolean offer(FanoutItem item);

  @Override
  void close();
}
