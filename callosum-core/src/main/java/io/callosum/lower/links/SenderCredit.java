package io.callosum.lower.links;

import io.callosum.lower.Link;
import io.callosum.lower.ReadBatch;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credit a receiving side has granted one sender link: what the sender may still send, and what
 * has been handed on and is owed back (returned every half window, and at the end of a read round).
 * Guarded by the lock of the receiving side that owns it.
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

  /**
   * Counts an item handed on, and grants credit back every half window and, in a lower's read round
   * ({@link ReadBatch}), at its end: a sender that runs ahead of a busy receiving process gets its
   * credit back within a round, not half a window later, so it drops nothing for a receiver whose
   * queues are empty (with returns every half window only, a burst of a window's worth of items
   * could find half of it still owed). Called under {@code lock}, which guards this credit; the
   * round's end takes it too.
   */
  void handedOn(Object lock) {
    owed++;
    if (owed >= Math.max(1, window / 2)) {
      grantOwed();
    } else if (owed == 1 && ReadBatch.inRound()) {
      ReadBatch.runAtEnd(
          () -> {
            synchronized (lock) {
              grantOwed();
            }
          });
    }
  }

  private void grantOwed() {
    if (owed > 0) {
      outstanding += owed;
      LinkFanout.send(link, LinkFanout.credit(owed), LinkFanout.EMPTY);
      owed = 0;
    }
  }
}
