package io.callosum.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tasks deferred to the end of a read round run there, in order; outside a round, at once. */
class ReadBatchTest {
  @Test
  void inRound_isTrueFromTheFirstBeginToTheOutermostEnd() {
    assertFalse(ReadBatch.inRound());
    ReadBatch.begin();
    ReadBatch.begin();
    ReadBatch.end();
    assertTrue(ReadBatch.inRound(), "an inner end leaves the round going");
    ReadBatch.end();
    assertFalse(ReadBatch.inRound());
  }

  @Test
  void outsideARoundATaskRunsAtOnce() {
    List<String> ran = new ArrayList<>();
    ReadBatch.runAtEnd(() -> ran.add("now"));
    assertEquals(List.of("now"), ran);
  }

  @Test
  void insideARoundTasksRunAtTheOutermostEnd_inOrder() {
    List<String> ran = new ArrayList<>();
    ReadBatch.begin();
    try {
      ReadBatch.runAtEnd(() -> ran.add("a"));
      ReadBatch.begin();
      try {
        ReadBatch.runAtEnd(() -> ran.add("b"));
      } finally {
        ReadBatch.end();
      }
      assertEquals(List.of(), ran, "a nested round's end is not the end");
    } finally {
      ReadBatch.end();
    }
    assertEquals(List.of("a", "b"), ran);
    ReadBatch.runAtEnd(() -> ran.add("c"));
    assertEquals(List.of("a", "b", "c"), ran, "the round is over: at once again");
  }

  @Test
  void aFailingTaskDoesNotStopTheOthers() {
    List<String> ran = new ArrayList<>();
    ReadBatch.begin();
    try {
      ReadBatch.runAtEnd(
          () -> {
            throw new IllegalStateException("injected");
          });
      ReadBatch.runAtEnd(() -> ran.add("after"));
    } finally {
      ReadBatch.end();
    }
    assertEquals(List.of("after"), ran);
  }

  @Test
  void anEndWithoutABeginIsRefused() {
    assertThrows(IllegalStateException.class, ReadBatch::end);
  }

  @Test
  void aPlainRoundHoldsNothing_evenAroundAHoldingOneNestedInIt() {
    assertFalse(ReadBatch.handsOverAtEnd(), "outside any round");
    ReadBatch.begin();
    try {
      assertFalse(ReadBatch.handsOverAtEnd(), "a plain round");
      ReadBatch.beginHandingOverAtEnd();
      assertFalse(ReadBatch.handsOverAtEnd(), "it takes effect only when it starts the round");
      ReadBatch.end();
    } finally {
      ReadBatch.end();
    }
  }

  @Test
  void aRoundBegunToHandOverAtItsEnd_holdsUntilItsOutermostEnd() {
    ReadBatch.beginHandingOverAtEnd();
    ReadBatch.begin();
    assertTrue(ReadBatch.handsOverAtEnd(), "within it, nested rounds too");
    ReadBatch.end();
    assertTrue(ReadBatch.handsOverAtEnd(), "an inner end leaves it");
    ReadBatch.end();
    assertFalse(ReadBatch.handsOverAtEnd(), "the outermost end clears it");
    ReadBatch.begin();
    try {
      assertFalse(ReadBatch.handsOverAtEnd(), "the next plain round does not inherit it");
    } finally {
      ReadBatch.end();
    }
  }
}
