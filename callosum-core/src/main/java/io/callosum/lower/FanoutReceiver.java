package io.callosum.lower;

/**
 * The receiving side of a {@link FanoutPattern} opened by a lower; items arrive through its {@link
 * FanoutListener}. Closing it releases its threads and sockets before returning.
 */
public interface FanoutReceiver extends AutoCloseable {
  /** The address as usable by others, e.g. with the real port after binding port 0. */
  String address();

  /**
   * Starts reading again after {@link FanoutListener#received} returned false. Thread-safe; does
   * nothing if reading was not paused.
   */
  void resume();

  @Override
  void close();
}
