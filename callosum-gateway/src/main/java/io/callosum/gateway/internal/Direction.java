package io.callosum.gateway.internal;

import io.callosum.lower.tcp.internal.Wire;

/**
 * Which end of its connection a side of the gateway is: the end that dialled or the end that
 * accepted. That decides the channel ids each end opens ({@link Wire#ACCEPTOR_BIT}: set on the
 * accepting end's ids), and how the side is named in the status and logs. Immutable; any thread.
 */
enum Direction {
  /**
   * This gateway dialled the connection (an outbound link): it opens ids without the acceptor bit.
   */
  DIALLED("out", "dialled", 0),
  /**
   * This gateway accepted the connection (a local peer, or an inbound link): it opens ids with the
   * acceptor bit.
   */
  ACCEPTED("in", "accepted", Wire.ACCEPTOR_BIT);

  private final String word;
  private final String verb;
  private final int ownBit;

  Direction(String word, String verb, int ownBit) {
    this.word = word;
    this.verb = verb;
    this.ownBit = ownBit;
  }

  /** {@code out} or {@code in}, as the status shows it. */
  String word() {
    return word;
  }

  /** {@code dialled} or {@code accepted}, as the log says it. */
  String verb() {
    return verb;
  }

  /** Channel id {@code n} (1..2^31-1) in this end's own id space. */
  int own(int n) {
    return ownBit | n;
  }

  /** Whether {@code id} is in the remote end's id space: one the remote may open. */
  boolean remoteOpens(int id) {
    return (id & Wire.ACCEPTOR_BIT) != ownBit;
  }
}
