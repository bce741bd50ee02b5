package io.callosum.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The memory budget alone: reserves, what a holder may take, waiting for room, the counts. */
class MemoryBudgetTest {
  @Test
  void aLoneHolderMayTakeTheWholeLimitAndNoMore() {
    MemoryBudget b = new MemoryBudget("test budget", 1000);
    MemoryBudget.Holder a = b.holder("a");
    assertEquals(1000, a.allowance());
    assertTrue(a.tryAdd(600));
    assertTrue(a.tryAdd(400));
    assertFalse(a.tryAdd(1), "past the limit");
    assertEquals(1000, b.held());
    assertFalse(b.admitsAnother(), "no room for another's reserve");
    a.release(1000);
    assertEquals(0, b.held());
    assertEquals(1000, b.peak());
  }

  @Test
  void everyHolderKeepsItsReserveWhileOthersHoldTheRest() {
    MemoryBudget b = new MemoryBudget("test budget", 800);
    List<MemoryBudget.Holder> h = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      h.add(b.holder("h" + i));
    }
    assertEquals(100, b.reserve(), "half the limit in four reserves");
    MemoryBudget.Holder hog = h.get(0);
    while (hog.tryAdd(10)) {
      // takes all it may
    }
    assertEquals(500, hog.held(), "its reserve and all that is not kept for the other three");
    assertEquals(0, hog.allowance());
    for (MemoryBudget.Holder other : h.subList(1, 4)) {
      assertEquals(100, other.allowance());
      assertTrue(other.tryAdd(100), "a reserve is there to take");
      assertFalse(other.tryAdd(1));
    }
    assertEquals(800, b.held(), "never past the limit");
    assertEquals(800, b.peak());
  }

  @Test
  void unconditionalAddsCountEvenPastTheLimit() {
    MemoryBudget b = new MemoryBudget("test budget", 100);
    MemoryBudget.Holder a = b.holder("a");
    a.add(150);
    assertEquals(150, b.held());
    assertEquals(0, a.allowance());
    a.release(150);
    assertEquals(100, a.allowance());
  }

  @Test
  void aWaitingHolderIsWokenOnceWhenRoomComes() {
    MemoryBudget b = new MemoryBudget("test budget", 400);
    MemoryBudget.Holder hog = b.holder("hog");
    MemoryBudget.Holder light = b.holder("light");
    assertEquals(300, hog.allowance(), "its reserve of 100, and all but the other's reserve");
    assertTrue(hog.tryAdd(300));
    assertEquals(0, hog.allowance());
    AtomicInteger woken = new AtomicInteger();
    assertTrue(hog.awaitRoom(woken::incrementAndGet), "no room: it waits");
    assertTrue(light.tryAdd(50));
    light.release(50);
    assertEquals(0, woken.get(), "the light holder's bytes were never the hog's to take");
    hog.release(1);
    assertEquals(1, woken.get(), "its own release gives it room");
    hog.release(100);
    assertEquals(1, woken.get(), "woken once per wait");
    assertFalse(hog.awaitRoom(woken::incrementAndGet), "room now: nothing to wait for");
  }

  @Test
  void everyWaitingHolderIsWokenWhenOthersLetGo() {
    MemoryBudget b = new MemoryBudget("test budget", 400);
    MemoryBudget.Holder big = b.holder("big");
    MemoryBudget.Holder a = b.holder("a");
    MemoryBudget.Holder c = b.holder("c");
    assertTrue(big.tryAdd(200));
    assertTrue(a.tryAdd(66));
    assertTrue(c.tryAdd(66));
    a.add(100); // past its reserve, unconditionally
    AtomicInteger woken = new AtomicInteger();
    assertTrue(a.awaitRoom(woken::incrementAndGet));
    assertTrue(c.awaitRoom(woken::incrementAndGet));
    big.release(200);
    assertEquals(2, woken.get(), "the big one let go: both waiting ones may take again");
  }

  @Test
  void aHolderThatStoppedWaitingIsNotWoken() {
    MemoryBudget b = new MemoryBudget("test budget", 100);
    MemoryBudget.Holder a = b.holder("a");
    a.add(100);
    AtomicInteger woken = new AtomicInteger();
    assertTrue(a.awaitRoom(woken::incrementAndGet));
    a.stopWaiting();
    a.release(100);
    assertEquals(0, woken.get());
  }

  @Test
  void aClosedHolderHasNoReserveButItsBytesCountUntilReleased() {
    MemoryBudget b = new MemoryBudget("test budget", 1000);
    MemoryBudget.Holder a = b.holder("a");
    MemoryBudget.Holder c = b.holder("c");
    assertEquals(250, b.reserve());
    a.add(300);
    a.close();
    a.close();
    assertEquals(1, b.holders());
    assertEquals(500, b.reserve());
    assertEquals(300, b.held());
    assertEquals(700, c.allowance(), "all that a does not hold");
    assertTrue(c.tryAdd(700));
    assertEquals(0, c.allowance());
    a.release(300);
    c.release(700);
    assertEquals(0, b.held());
  }

  @Test
  void anotherHolderIsAdmittedOnlyIfItsReserveFitsBesideTheOthers() {
    MemoryBudget b = new MemoryBudget("test budget", 1200);
    MemoryBudget.Holder light = b.holder("light");
    MemoryBudget.Holder hog = b.holder("hog");
    assertTrue(b.admitsAnother());
    assertTrue(hog.tryAdd(hog.allowance()));
    assertEquals(900, hog.held(), "all but the light one's reserve of 300");
    // A third would have a reserve of 200, and the light one keeps 200 of its own: 1300 > 1200.
    assertFalse(b.admitsAnother());
    hog.release(100);
    assertTrue(b.admitsAnother());
    assertEquals(300, light.allowance());
    hog.release(800);
  }

  @Test
  void whyNamesTheBudgetAndTheHolder() {
    MemoryBudget b = new MemoryBudget("TcpOptions.memoryBudget", 1000);
    MemoryBudget.Holder a = b.holder("10.0.0.7:4000");
    a.add(900);
    assertEquals(
        "10.0.0.7:4000 holds 900 bytes (reserve 500) of the TcpOptions.memoryBudget of 1000 bytes,"
            + " 900 held by 1 remotes: no room for 200 more",
        a.why(200));
  }

  @Test
  void noneCountsNothingAndRefusesNothing() {
    MemoryBudget.Holder none = MemoryBudget.NONE;
    none.add(1L << 40);
    assertEquals(0, none.held());
    assertTrue(none.tryAdd(Long.MAX_VALUE / 2));
    assertEquals(Long.MAX_VALUE, none.allowance());
    assertFalse(none.awaitRoom(() -> {}));
    none.close();
  }

  @Test
  void aLimitMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new MemoryBudget("x", 0));
  }
}
