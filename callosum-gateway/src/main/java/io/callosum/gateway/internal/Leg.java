package io.callosum.gateway.internal;

/**
 * One end of a relayed channel: channel {@link #id} on {@link #side}'s connection. Its other end is
 * another leg ({@link #peer}) or a forwarded socket ({@link #socket}). Loop thread only.
 */
final class Leg {
  final Side side;
  final int id;

  /** The other end on another connection; null when the other end is a forwarded socket. */
  Leg peer;

  ForwardSocket socket;

  /** Whether the open was answered (OPENED) on this leg's side. */
  boolean open;

  /** DATA bytes queued towards this leg's connection, not yet written. */
  long pending;

  Leg(Side side, int id) {
    this.side = side;
    this.id = id;
  }
}
