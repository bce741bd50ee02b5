package io.callosum.lower;

import java.util.Optional;

/**
 * One connection (or logical channel) to one remote, as seen by the core. Created by a lower and
 * announced through {@link LinkListener#connected}.
 *
 * <p>{@link #send} is thread-safe and must not block for long: it queues the envelope for the
 * lower's I/O thread. After the link is closed or lost, {@code send} throws {@code
 * ConnectionLostException}.
 */
public interface Link {
  /** A printable id, unique within the endpoint (e.g. {@code inproc-3}). */
  String id();

  /** What the remote announced in the handshake; {@link Capabilities#LEGACY} if nothing. */
  Capabilities remoteCapabilities();

  /** The remote's authenticated user id, if the lower authenticated it. */
  default Optional<String> identity() {
    return Optional.empty();
  }

  /** Queues {@code envelope} for sending, in order with other sends on this link. */
  void send(Envelope envelope);

  /** Closes the link; the lower then reports {@link LinkListener#disconnected}. Idempotent. */
  void close();
}
