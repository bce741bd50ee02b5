package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire codes of the message types: fixed numbers, whatever order the types are declared in. */
class MessageTypeTest {
  @Test
  void everyTypeIsFoundByItsWireCode() {
    for (MessageType t : MessageType.values()) {
      assertSame(t, MessageType.of(t.code));
    }
    assertEquals(12, MessageType.CHUNK_CREDIT.code);
    assertEquals(13, MessageType.SHUTDOWN.code);
    assertEquals(1, MessageType.FUNCTION.code);
  }

  @Test
  void unknownCodesAreNoType() {
    assertNull(MessageType.of(-1));
    assertNull(MessageType.of(14));
    assertNull(MessageType.of(Long.MAX_VALUE));
  }

  @Test
  void theTableFollowsTheCodesNotTheDeclarationOrder() {
    List<MessageType> shuffled = new ArrayList<>(List.of(MessageType.values()));
    Collections.reverse(shuffled);
    MessageType[] byCode = MessageType.index(shuffled.toArray(new MessageType[0]));
    for (MessageType t : MessageType.values()) {
      assertSame(t, byCode[t.code]);
    }
  }

  @Test
  void twoTypesWithOneCodeAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> MessageType.index(MessageType.RESULT, MessageType.RESULT));
  }

  @Test
  void theKindsOfTypeAreNamedExplicitly() {
    for (MessageType t : MessageType.values()) {
      boolean stream = t.name().startsWith("STREAM_");
      assertEquals(stream, t.isStream(), t.name());
      assertEquals(t.name().startsWith("CHUNK"), t.isChunk(), t.name());
    }
  }
}
