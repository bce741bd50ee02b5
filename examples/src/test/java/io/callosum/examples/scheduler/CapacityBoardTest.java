package io.callosum.examples.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How the requester picks workers from their capacity adverts. */
@Timeout(30)
class CapacityBoardTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration NONE = Duration.ofMillis(20);

  /** The adverts that have come, in order. */
  private final BlockingQueue<Jobs.Capacity> adverts = new LinkedBlockingQueue<>();

  private CapacityBoard board(int workers) {
    return new CapacityBoard(workers, t -> adverts.poll(t.toNanos(), TimeUnit.NANOSECONDS));
  }

  private void advert(int worker, long free, long accepted) {
    adverts.add(new Jobs.Capacity(worker, free, accepted));
  }

  @Test
  void picksTheWorkerWithTheMostFreeSlots() throws Exception {
    CapacityBoard board = board(3);
    advert(0, 1, 0);
    advert(1, 3, 0);
    advert(2, 2, 0);
    assertEquals(1, board.pick(WAIT));
    // worker 1: 3 free minus 1 sent = 2, as worker 2; the scan goes on after the last pick
    assertEquals(2, board.pick(WAIT));
    assertEquals(1, board.pick(WAIT));
    // 1 / 1 / 1 free: ties take turns, from the worker after the last one picked
    assertEquals(2, board.pick(WAIT));
    assertEquals(0, board.pick(WAIT));
  }

  @Test
  void callsSentSinceAnAdvertCountAgainstIt() throws Exception {
    CapacityBoard board = board(2);
    advert(0, 2, 0);
    advert(1, 0, 0);
    assertEquals(0, board.pick(WAIT));
    assertEquals(0, board.pick(WAIT));
    // Worker 0 now has both calls in flight. An advert that has seen one of them (accepted 1)
    // and says 1 free leaves 1 - (2 - 1) = 0: nothing to pick.
    advert(0, 1, 1);
    assertThrows(TimeoutException.class, () -> board.pick(NONE));
    // Once it has seen both and finished one, 1 free.
    advert(0, 1, 2);
    assertEquals(0, board.pick(WAIT));
  }

  @Test
  void anOlderAdvertDoesNotReplaceANewerOne() throws Exception {
    CapacityBoard board = board(1);
    for (int i = 0; i < 5; i++) {
      board.sent(0);
    }
    advert(0, 0, 5);
    // Made before the one held (it knew fewer calls): taken, it would leave 4 - (5 - 3) = 2 free.
    advert(0, 4, 3);
    assertThrows(TimeoutException.class, () -> board.pick(NONE));
  }

  @Test
  void countsCallsOfAnotherPolicy() throws Exception {
    CapacityBoard board = board(1);
    advert(0, 1, 0);
    board.sent(0); // a round-robin call the advert does not know of
    assertThrows(TimeoutException.class, () -> board.pick(NONE));
  }

  @Test
  void callsOfAnotherPolicyTakeTheAdvertsThatCame() throws Exception {
    CapacityBoard board = board(1);
    for (int i = 0; i < 3; i++) {
      advert(0, 4, i);
      board.sent(0);
    }
    assertTrue(adverts.isEmpty(), "adverts do not pile up while round robin runs");
  }

  @Test
  void aPickWaitsForAnAdvertWithCapacity() throws Exception {
    CapacityBoard board = board(2);
    advert(0, 0, 0);
    CompletableFuture<Integer> picked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return board.pick(WAIT);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!adverts.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait(); // until the picker has taken the first advert
    }
    assertFalse(picked.isDone(), "no worker has capacity: it waits");
    advert(1, 1, 0);
    assertEquals(1, picked.get(WAIT.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void waitingForEveryWorkerNamesOneThatIsSilent() throws Exception {
    CapacityBoard board = board(2);
    advert(0, 4, 0);
    advert(7, 4, 0); // not one of the board's workers: ignored
    TimeoutException e = assertThrows(TimeoutException.class, () -> board.awaitEveryWorker(NONE));
    assertTrue(e.getMessage().startsWith("worker 1 sent no advert"), e::getMessage);
    advert(1, 4, 0);
    board.awaitEveryWorker(NONE);
  }
}
