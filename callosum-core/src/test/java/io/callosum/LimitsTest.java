package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link Limits}: its defaults, its builder and the checks every way of making one runs. */
class LimitsTest {
  @Test
  void theBuilderStartsFromTheDefaults() {
    Limits d = Limits.defaults();
    assertEquals(d, Limits.builder().build());
    assertEquals(16 << 20, d.maxMessageSize());
    assertEquals(64 << 10, d.maxHeaderSize());
    assertEquals(1 << 10, d.maxOrderKeySize());
    assertEquals(256, d.maxConcurrentCalls());
    assertEquals(10_000, d.maxQueuedCalls());
    assertEquals(100_000, d.maxPendingCalls());
    assertEquals(32, d.maxCallChain());
    assertEquals(128, d.maxNesting());
    assertEquals(1_000_000, d.maxElements());
    assertEquals(256L << 20, d.maxBufferedBytes());
  }

  @Test
  void everySetterReplacesItsOwnBoundOnly() {
    Limits l =
        Limits.builder()
            .maxMessageSize(1)
            .maxHeaderSize(2)
            .maxOrderKeySize(3)
            .maxConcurrentCalls(4)
            .maxQueuedCalls(5)
            .maxPendingCalls(6)
            .maxCallChain(7)
            .maxNesting(8)
            .maxElements(9)
            .maxBufferedBytes(10)
            .maxMetadataEntries(11)
            .maxMetadataSize(12)
            .build();
    assertEquals(new Limits(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), l);
  }

  @Test
  void toBuilderDerivesAVariantAndLeavesTheOriginal() {
    Limits base = Limits.builder().maxConcurrentCalls(3).build();
    Limits variant = base.toBuilder().maxQueuedCalls(0).build();
    assertEquals(3, variant.maxConcurrentCalls());
    assertEquals(0, variant.maxQueuedCalls());
    assertEquals(10_000, base.maxQueuedCalls());
    assertNotEquals(base, variant);
    assertEquals(base, base.toBuilder().build());
  }

  @Test
  void buildChecksEveryBound() {
    check("maxMessageSize", b -> b.maxMessageSize(0));
    check("maxHeaderSize", b -> b.maxHeaderSize(-1));
    check("maxOrderKeySize", b -> b.maxOrderKeySize(0));
    check("maxConcurrentCalls", b -> b.maxConcurrentCalls(0));
    check("maxQueuedCalls", b -> b.maxQueuedCalls(-1));
    check("maxPendingCalls", b -> b.maxPendingCalls(0));
    check("maxCallChain", b -> b.maxCallChain(0));
    check("maxNesting", b -> b.maxNesting(0));
    check("maxElements", b -> b.maxElements(0));
    check("maxBufferedBytes", b -> b.maxBufferedBytes(0));
    assertEquals(
        0, Limits.builder().maxQueuedCalls(0).build().maxQueuedCalls()); // no queue is allowed
  }

  private static void check(String name, UnaryOperator<Limits.Builder> bad) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> bad.apply(Limits.builder()).build());
    assertTrue(e.getMessage().startsWith(name), e.getMessage());
  }
}
