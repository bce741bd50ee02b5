package io.callosum.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Capabilities}: a decoded announcement holds the feature constants themselves. */
class CapabilitiesTest {
  @Test
  void decodedFeaturesAreTheConstantsSoThatHasFindsThemByIdentity() {
    List<String> all =
        List.of(
            Capabilities.CHAIN,
            Capabilities.STREAM,
            Capabilities.CHUNK,
            Capabilities.ORDERED,
            Capabilities.METADATA,
            Capabilities.DEADLINE,
            Capabilities.SHUTDOWN);
    Set<String> copies = new LinkedHashSet<>();
    for (String f : all) {
      copies.add(new String(f.toCharArray()));
    }
    copies.add("future-feature");
    Capabilities c = Capabilities.decode(new Capabilities(1, 7, copies).encode());
    List<String> features = List.copyOf(c.features());
    for (int i = 0; i < all.size(); i++) {
      assertSame(all.get(i), features.get(i), all.get(i));
      assertTrue(c.has(all.get(i)));
    }
    assertEquals("future-feature", features.get(all.size()), "an unknown feature is kept");
    assertFalse(c.has("other"));
    assertEquals(1, c.version());
    assertEquals(7, c.instanceId());
  }
}
