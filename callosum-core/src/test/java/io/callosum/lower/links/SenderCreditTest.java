package io.callosum.lower.links;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.ReadBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Credit goes back to a sender every half window and, in a lower's read round, at the round's end:
 * a burst of a whole window never finds half of it still owed.
 */
class SenderCreditTest {
  /** The CREDIT grants sent, in items. */
  private final List<Long> grants = new ArrayList<>();

  private final Link link =
      new Link() {
        @Override
        public String id() {
          return "credit-test";
        }

        @Override
        public Capabilities remoteCapabilities() {
          return new Capabilities(Capabilities.VERSION, 0, Set.of());
        }

        @Override
        public void send(Envelope e) {
          ByteBuffer h = ByteBuffer.wrap(e.header());
          assertEquals(3, h.get(), "a CREDIT");
          grants.add(Integer.toUnsignedLong(h.getInt()));
        }

        @Override
        public void close() {}
      };

  private final SenderCredit credit = new SenderCredit(link, 100);

  private void handOn(int items) {
    for (int i = 0; i < items; i++) {
      synchronized (this) {
        credit.handedOn(this);
      }
    }
  }

  @Test
  void outsideAReadRound_creditGoesBackEveryHalfWindow() {
    handOn(49);
    assertEquals(List.of(), grants);
    handOn(1);
    assertEquals(List.of(50L), grants);
    handOn(49);
    assertEquals(List.of(50L), grants, "no round: nothing until the next half window");
  }

  @Test
  void inAReadRound_whatIsOwedGoesBackAtItsEnd() {
    ReadBatch.begin();
    try {
      handOn(3);
      assertEquals(List.of(), grants, "not per item");
    } finally {
      ReadBatch.end();
    }
    assertEquals(List.of(3L), grants, "at the round's end");
    ReadBatch.begin();
    try {
      handOn(60);
    } finally {
      ReadBatch.end();
    }
    assertEquals(
        List.of(3L, 50L, 10L), grants, "a half window within the round, the rest at its end");
    ReadBatch.begin();
    ReadBatch.end();
    assertEquals(3, grants.size(), "a round that handed nothing on grants nothing");
  }
}
