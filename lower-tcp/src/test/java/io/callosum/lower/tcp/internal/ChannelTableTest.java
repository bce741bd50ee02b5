package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The channel table answers from its map whatever it looked up last: a channel removed, or a number
 * reused by a new channel, is never answered from the one it kept.
 */
class ChannelTableTest {
  private final ChannelTable<String> table = new ChannelTable<>();

  @Test
  void looksUpByNumber_andTheOneItKeptIsTheOneAskedFor() {
    table.add(1, "one");
    table.add(2, "two");
    assertEquals("one", table.get(1));
    assertEquals("two", table.get(2));
    assertEquals("one", table.get(1));
    assertNull(table.get(3));
    assertTrue(table.contains(2));
    assertFalse(table.contains(3));
    assertEquals(2, table.size());
  }

  @Test
  void aRemovedChannelIsNotAnsweredFromTheOneKept() {
    table.add(1, "one");
    assertEquals("one", table.get(1));
    assertTrue(table.remove(1, "one"));
    assertNull(table.get(1));
    table.add(2, "two");
    assertEquals("two", table.get(2));
    assertEquals("two", table.remove(2));
    assertNull(table.get(2));
    assertFalse(table.contains(2));
  }

  @Test
  void aNumberReusedByANewChannelAnswersTheNewOne() {
    table.add(1, "old");
    assertEquals("old", table.get(1));
    assertTrue(table.remove(1, "old"));
    table.add(1, "new");
    assertEquals("new", table.get(1));
    assertFalse(table.remove(1, "old"), "the old one is no longer open under its number");
    assertSame("new", table.get(1));
  }

  @Test
  void removeAll_emptiesTheTable_andForgetsTheOneKept() {
    table.add(1, "one");
    table.add(2, "two");
    assertEquals("two", table.get(2));
    List<String> open = table.removeAll();
    assertEquals(2, open.size());
    assertTrue(open.containsAll(List.of("one", "two")));
    assertNull(table.get(2));
    assertEquals(0, table.size());
  }
}
