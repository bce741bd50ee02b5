package io.callosum.lower.links;

import io.callosum.lower.Link;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credit a receiving side has granted one sender link: what the sender may still send, and what
 * has been handed on and is owed back (returned every half window). Guarded by the lock of the
 * receiving side that owns it.
 */
class SenderCredit {
  private static final Logger LOG = LoggerFactory.getLogger(SenderCredit.class);

  final Link link;
  private final long window;
  private long owed;
  private long outstanding;

  SenderCredit(Link link, long window) {
    this.link = link;
    this.window = window;
    this.outstanding = window;
  }

  /** Sends the first grant: the whole window. */
  void grantWindow() {
    LinkFanout.send(link, LinkFanout.credit(window), LinkFanout.EMPTY);
  }

  /**
   * Counts an item that arrived; false (and the link closed) if the sender had no credit for it.
   * {@code where} names the receiving side for the log; it is read only then.
   */
  boolean spend(Supplier<String> where) {
    if (outstanding <= 0) {
      LOG.warn("{}: sender link {} exceeded its credit; closing it", where.get(), link.id());
      link.close();
      return false;
    }
    outstanding--;
    return true;
  }

  /** Counts an item handed on, and grants credit back every half window. */
  void handedOn() {
    owed++;
    if (owed >= Math.max(1, window / 2)) {
      outstanding += owed;
      LinkFanout.send(link, LinkFanout.credit(owed), LinkFanout.EMPTY);
      owed = 0;
    }
  }
}
