package io.callosum.lower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** An envelope's body in one array or in two pieces, joined only when asked, once. */
class EnvelopeTest {
  private final byte[] header = {1, 2};

  @Test
  void aBodyInOneArrayIsItsOwnTailAndNeedsNoJoin() {
    byte[] body = {3, 4, 5};
    Envelope e = new Envelope(header, body);
    assertSame(body, e.body());
    assertSame(body, e.bodyTail());
    assertEquals(0, e.bodyHead().length);
    assertEquals(3, e.bodyLength());
    assertEquals(5, e.size());
    assertSame(
        body, Envelope.ofPieces(header, new byte[0], body).body(), "an empty head: one array");
  }

  @Test
  void piecesAreCountedWithoutJoiningAndJoinedOnceWhenAsked() {
    byte[] head = {3};
    byte[] tail = {4, 5, 6};
    Envelope e = Envelope.ofPieces(header, head, tail);
    assertSame(head, e.bodyHead());
    assertSame(tail, e.bodyTail());
    assertEquals(4, e.bodyLength());
    assertEquals(6, e.size());
    byte[] joined = e.body();
    assertArrayEquals(new byte[] {3, 4, 5, 6}, joined);
    assertSame(joined, e.body(), "joined once");
    assertSame(header, e.header());
  }
}
