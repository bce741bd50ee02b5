package io.callosum.upper.protobuf.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CodecException;
import io.callosum.upper.protobuf.test.Tree;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * A protobuf body may decode into at most {@link Messages#MAX_ELEMENTS} fields and messages: a few
 * bytes per empty nested message would otherwise take hundreds of bytes of heap each.
 */
class MessagesElementsTest {
  /** A Tree whose root has {@code n} empty children, each two bytes on the wire. */
  private static byte[] emptyChildren(int n) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(2 * n);
    for (int i = 0; i < n; i++) {
      out.write(0x12); // field 2 (children), length-delimited
      out.write(0x00); // an empty Tree
    }
    return out.toByteArray();
  }

  @Test
  void fieldsAndNestedMessagesAreCountedBeforeAnythingIsBuilt() {
    byte[] ten = emptyChildren(10);
    assertDoesNotThrow(() -> Messages.countElements(Tree.getDescriptor(), ten, 10, "test.Tree"));
    CodecException e =
        assertThrows(
            CodecException.class,
            () -> Messages.countElements(Tree.getDescriptor(), ten, 9, "test.Tree"));
    assertTrue(e.getMessage().contains("more than 9 fields and messages (Limits.maxElements)"));
    // Nested ones count too: a child holding a child.
    byte[] nested = {0x12, 0x02, 0x12, 0x00};
    assertThrows(
        CodecException.class,
        () -> Messages.countElements(Tree.getDescriptor(), nested, 1, "test.Tree"));
  }

  @Test
  void aBodyOfMoreElementsThanTheLimitIsRefused_beforeItIsParsed() {
    byte[] flood = emptyChildren(Messages.MAX_ELEMENTS + 1);
    CodecException e =
        assertThrows(CodecException.class, () -> Messages.parse(Tree.getDefaultInstance(), flood));
    assertTrue(e.getMessage().contains("(Limits.maxElements)"), e.getMessage());
    Tree fine = Messages.parse(Tree.getDefaultInstance(), emptyChildren(1000));
    assertEquals(1000, fine.getChildrenCount());
  }

  @Test
  void malformedInputIsLeftToTheParser() {
    byte[] truncated = {0x12, 0x05, 0x12};
    CodecException e =
        assertThrows(
            CodecException.class, () -> Messages.parse(Tree.getDefaultInstance(), truncated));
    assertTrue(e.getMessage().startsWith("cannot parse 3 bytes as"), e.getMessage());
  }
}
