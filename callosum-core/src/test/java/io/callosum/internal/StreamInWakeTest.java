package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Body;
import io.callosum.lower.ReadBatch;
import io.callosum.testing.Await;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A thread waiting in a stream's {@code take()} is woken once per read round of the lower, at its
 * end, not once per item: a bulk receiver was woken, and its I/O thread preempted, for every 64 KiB
 * item (docs/PERFORMANCE.md, *Bulk streams: the receiver woken once per read round*).
 */
class StreamInWakeTest {
  private final ExecutorService takers = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    takers.shutdownNow();
    assertTrue(takers.awaitTermination(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
  }

  private static ByteBuffer item(long n) {
    return ByteBuffer.wrap(FlowStreams.CODEC.encode(n));
  }

  private CompletableFuture<List<Long>> takeAll(StreamIn in, int n) {
    return CompletableFuture.supplyAsync(
        () -> {
          List<Long> got = new ArrayList<>();
          try {
            while (got.size() < n) {
              got.add(((Number) in.take().as(Object.class)).longValue());
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return got;
        },
        takers);
  }

  @Test
  void itemsOfOneReadRoundWakeAWaitingTakerOnceAtTheRoundsEnd() throws Exception {
    StreamIn in = FlowStreams.fedByHand(100);
    CompletableFuture<List<Long>> got = takeAll(in, 5);
    Await.until("the taker waits", () -> in.waitingTakers() == 1);
    ReadBatch.begin();
    try {
      for (long i = 0; i < 5; i++) {
        in.onItem(item(i));
      }
      assertEquals(1, in.waitingTakers(), "the taker is not woken before the round ends");
      assertEquals(5, in.buffered());
    } finally {
      ReadBatch.end();
    }
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), Await.result(got));
  }

  @Test
  void outsideARoundAnItemWakesAWaitingTakerAtOnce() throws Exception {
    StreamIn in = FlowStreams.fedByHand(100);
    for (long i = 0; i < 3; i++) {
      CompletableFuture<List<Long>> got = takeAll(in, 1);
      Await.until("the taker waits", () -> in.waitingTakers() == 1);
      in.onItem(item(i));
      assertEquals(0, in.waitingTakers(), "woken by the item itself");
      assertEquals(List.of(i), Await.result(got));
    }
  }

  @Test
  void aRoundAfterARoundWakesTheTakerAgain() throws Exception {
    StreamIn in = FlowStreams.fedByHand(100);
    for (long round = 0; round < 3; round++) {
      CompletableFuture<List<Long>> got = takeAll(in, 2);
      Await.until("the taker waits", () -> in.waitingTakers() == 1);
      ReadBatch.begin();
      try {
        in.onItem(item(2 * round));
        in.onItem(item(2 * round + 1));
      } finally {
        ReadBatch.end();
      }
      assertEquals(List.of(2 * round, 2 * round + 1), Await.result(got), "round " + round);
    }
  }

  @Test
  void theStreamsEndStillWakesATakerWithinARound() throws Exception {
    StreamIn in = FlowStreams.fedByHand(100);
    CompletableFuture<Body> end =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return in.take();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            },
            takers);
    Await.until("the taker waits", () -> in.waitingTakers() == 1);
    ReadBatch.begin();
    try {
      in.onEnd(null);
      assertEquals(0, in.waitingTakers(), "an end wakes at once");
    } finally {
      ReadBatch.end();
    }
    assertNull(Await.result(end));
  }
}
