package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.callosum.OrderKey;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A stream item of {@link StreamWire#PIECES_FROM} bytes or more goes in two pieces, its bytes
 * uncopied, to a link that writes pieces, and in one body frame to any other link or when smaller.
 */
class StreamWireTest {
  private static final Header CALL =
      new Header(
          MessageType.FUNCTION, "up", OrderKey.NONE, 1, false, List.of(), Header.UPSTREAM, 0, 0);

  private static Envelope sentItem(boolean pieces, byte[] item) {
    RecordingLink link =
        new RecordingLink(new Capabilities(Capabilities.VERSION, 3, Set.of(Capabilities.STREAM)));
    link.writesBodyPieces = pieces;
    new StreamWire(new RemoteLink(null, link), CALL, Header.UPSTREAM).item(item);
    assertEquals(1, link.sent.size());
    return link.sent.get(0);
  }

  @Test
  void aLargeItemGoesInPiecesOnlyToALinkThatWritesThem() throws Exception {
    byte[] large = new byte[StreamWire.PIECES_FROM];
    large[7] = 7;
    byte[] small = new byte[StreamWire.PIECES_FROM - 1];
    Envelope inPieces = sentItem(true, large);
    assertSame(large, inPieces.bodyTail(), "the item's bytes, uncopied");
    for (Envelope whole : List.of(sentItem(false, large), sentItem(true, small))) {
      assertEquals(0, whole.bodyHead().length, "one body frame");
    }
    for (Envelope e : List.of(inPieces, sentItem(false, large))) {
      assertArrayEquals(large, MessageCodec.decodeBody(e.body(), false, 1 << 20).body());
    }
  }
}
