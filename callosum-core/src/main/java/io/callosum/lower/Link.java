package io.callosum.lower;

import java.util.Optional;

/**
 * One connection (or logical channel) to one remote, as seen by the core. Created by a lower and
 * announced through {@link LinkListener#connected}.
 *
 * <p>{@link #send} is thread-safe, keeps the order of sends on this link, and must not block for
 * long. It hands the envelope to the lower: queued for the lower's I/O thread, or written through
 * on the caller's thread when nothing is queued (the TCP lower does so for a lone small frame). It
 * may throw: {@code ConnectionLostException} once the link is closed or lost (or its remote has
 * stopped reading), {@code OverloadedException} when the lower's send backlog to this remote is
 * full, {@code MessageTooLargeException} for an envelope above the lower's frame limit; the caller
 * treats each as the failure of this one send.
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

  /**
   * What the core holds for this remote counts here ({@link MemoryBudget}): the holder of the
   * remote's connection, shared by every link on it. Default: {@link MemoryBudget#NONE}, for a
   * lower that keeps no budget.
   */
  default MemoryBudget.Holder memory() {
    return MemoryBudget.NONE;
  }

  /**
   * The connection this link rides on: equal objects for the links of one connection, unequal ones
   * for links of different connections. The core shares its handler slots and call queue fairly
   * between connections (between identities, for links with an {@link #identity()}), so this must
   * come from the lower's own state, never from anything the remote sends. Default: this link, for
   * a lower with one link per connection; a lower that carries several links in one connection
   * returns that connection.
   */
  default Object connection() {
    return this;
  }

  /**
   * Sends {@code envelope}, in order with other sends on this link (see the class comment for what
   * it may throw).
   */
  void send(Envelope envelope);

  /**
   * Whether the lower's send backlog to this remote is too full to take an envelope of {@code
   * bytes} bytes now while the remote still reads (it takes what is sent, only slower than this
   * side sends), leaving room for what else shares the backlog. A broadcast sender then refuses the
   * item as a whole (its publisher tries again), rather than lose it for a receiver that keeps up.
   * Default: never. Any thread.
   */
  default boolean backlogFull(long bytes) {
    return false;
  }

  /**
   * Whether this link writes an envelope whose body is in pieces ({@link Envelope#ofPieces})
   * without joining them (gathering writes): a sender then hands a large payload over as it is,
   * rather than copying it into a body frame of its own. Default: false — every envelope it gets
   * has its body in one array. Any thread.
   */
  default boolean writesBodyPieces() {
    return false;
  }

  /** Closes the link; the lower then reports {@link LinkListener#disconnected}. Idempotent. */
  void close();
}
