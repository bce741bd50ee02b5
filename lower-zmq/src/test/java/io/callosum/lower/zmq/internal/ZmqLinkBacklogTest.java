package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.MemoryBudget;
import io.callosum.testing.Await;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A link's backlog as a broadcast sender sees it ({@link ZmqLink#backlogFull}): full from half the
 * high-water mark of messages waiting beyond the socket, while they move; a remote whose waiting
 * messages have not moved for the stall time is not waited for.
 */
class ZmqLinkBacklogTest {
  private static ZmqLink link(int highWaterMark, long stallNanos) {
    return new ZmqLink(
        "test-link", Capabilities.LEGACY, null, null, MemoryBudget.NONE, highWaterMark, stallNanos);
  }

  @Test
  void fullFromHalfTheMarkOfWaitingMessages_untilOneMoves() {
    ZmqLink link = link(8, TimeUnit.HOURS.toNanos(1));
    for (int i = 0; i < 3; i++) {
      link.waits();
    }
    assertFalse(link.backlogFull(100), "3 waiting, full at 4");
    link.waits();
    assertTrue(link.backlogFull(100), "4 waiting");
    link.moved();
    assertFalse(link.backlogFull(100), "one went on");
  }

  @Test
  void aRemoteWhoseMessagesDoNotMoveIsNotWaitedFor() {
    ZmqLink link = link(2, TimeUnit.MILLISECONDS.toNanos(20));
    link.waits();
    assertTrue(link.backlogFull(100), "just began to wait");
    Await.until("the stall time passed", () -> !link.backlogFull(100));
    link.waits();
    link.moved();
    assertTrue(link.backlogFull(100), "one moved: the remote reads again");
  }
}
