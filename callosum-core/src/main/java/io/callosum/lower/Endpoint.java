package io.callosum.lower;

/**
 * A bound or connected lower endpoint. Closing it closes all its links (each reported through
 * {@link LinkListener#disconnected}) and releases its threads and sockets before returning.
 */
public interface Endpoint extends AutoCloseable {
  /** The address as usable by others, e.g. with the real port after binding port 0. */
  String address();

  @Override
  void close();
}
