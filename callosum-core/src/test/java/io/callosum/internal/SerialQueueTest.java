package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SerialQueueTest {
  @Test
  void itemsAreDoneInTheOrderAdded_andCountedUntilDone() {
    List<Integer> done = new ArrayList<>();
    AtomicReference<SerialQueue<Integer>> self = new AtomicReference<>();
    List<Integer> pendingSeen = new ArrayList<>();
    SerialQueue<Integer> q =
        new SerialQueue<>(
            i -> {
              pendingSeen.add(self.get().pending());
              done.add(i);
            });
    self.set(q);
    q.add(1);
    q.add(2);
    q.add(3);
    assertEquals(3, q.pending());
    q.drain();
    assertEquals(List.of(1, 2, 3), done);
    assertEquals(List.of(3, 2, 1), pendingSeen, "an item counts until its work has run");
    assertEquals(0, q.pending());
  }

  @Test
  void aThreadThatFindsTheQueueDrained_leavesItsItemsToTheDrainer() throws Exception {
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    List<String> done = new ArrayList<>();
    List<String> threads = new ArrayList<>();
    SerialQueue<Integer> q =
        new SerialQueue<>(
            i -> {
              synchronized (done) {
                done.add("item " + i);
                threads.add(Thread.currentThread().getName());
              }
              if (i == 1) {
                inFirst.countDown();
                try {
                  assertTrue(goOn.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
    q.add(1);
    Thread drainer = new Thread(q::drain, "drainer");
    drainer.start();
    assertTrue(inFirst.await(30, TimeUnit.SECONDS));
    q.add(2);
    q.drain(); // returns at once: the drainer is busy and takes item 2 after item 1
    synchronized (done) {
      assertEquals(List.of("item 1"), done);
    }
    goOn.countDown();
    drainer.join(30_000);
    assertEquals(List.of("item 1", "item 2"), done);
    assertEquals(List.of("drainer", "drainer"), threads);
    assertEquals(0, q.pending());
  }

  @Test
  void aFailingItem_doesNotStopTheOnesBehindIt() throws Exception {
    List<Integer> done = new ArrayList<>();
    List<Throwable> reported = new ArrayList<>();
    SerialQueue<Integer> q =
        new SerialQueue<>(
            i -> {
              if (i == 2) {
                throw new IllegalStateException("item 2 fails");
              }
              done.add(i);
            });
    Thread t =
        new Thread(
            () -> {
              q.add(1);
              q.add(2);
              q.add(3);
              q.drain();
            });
    t.setUncaughtExceptionHandler((thread, e) -> reported.add(e));
    t.start();
    t.join(30_000);
    assertEquals(List.of(1, 3), done);
    assertEquals(1, reported.size());
    assertEquals("item 2 fails", reported.get(0).getMessage());
    assertEquals(0, q.pending());
  }
}
