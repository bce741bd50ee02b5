package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.MemoryBudget;
import io.callosum.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link SendQueue} on its loop: sends made while a socket reads a batch wait, and go out every
 * {@link SendQueue#EARLY_DRAIN} handled messages and at the batch's end, in order; while a remote
 * has a backlog, or for what other threads sent, only at the batch's end.
 */
class SendQueueTest {
  private static final ZmqLink LINK =
      new ZmqLink("test-link", Capabilities.LEGACY, null, null, MemoryBudget.NONE, 1000, 1);

  @Test
  void sendsDuringABatchGoOutEverySoManyHandledMessagesAndAtItsEnd() throws Exception {
    int messages = 2 * SendQueue.EARLY_DRAIN + 5;
    Batch batch = Batch.run(messages, true, false);
    for (int i = 1; i <= messages; i++) {
      int expected = i - i % SendQueue.EARLY_DRAIN;
      assertEquals(expected, batch.sentAfterEach.get(i - 1), "sent after message " + i);
    }
    List<Integer> inOrder = new ArrayList<>();
    for (int i = 1; i <= messages; i++) {
      inOrder.add(i);
    }
    assertEquals(inOrder, batch.sentAtEnd, "all of them, in order, once the batch ended");
  }

  @Test
  void whileARemoteHasABacklogSendsWaitForTheBatchsEnd() throws Exception {
    assertSentOnlyAtTheEnd(false, false);
  }

  @Test
  void sendsOfOtherThreadsDuringABatchDoNotMakeItSendEarly() throws Exception {
    assertSentOnlyAtTheEnd(true, true);
  }

  /**
   * An envelope another thread hands over while the loop is busy waits for its link (what a
   * broadcast sender reads in {@link ZmqLink#backlogFull}) until the loop has sent it.
   */
  @Test
  void anEnvelopeQueuedByAnotherThreadWaitsForItsLinkUntilSent() throws Exception {
    ZmqLink link =
        new ZmqLink(
            "waiting", Capabilities.LEGACY, null, null, MemoryBudget.NONE, 2, Long.MAX_VALUE);
    IoLoop loop = new IoLoop("send-queue-waiting-test");
    loop.start();
    try {
      SendQueue queue = new SendQueue(loop, (l, envelope) -> {});
      CompletableFuture<Boolean> duringBatch = new CompletableFuture<>();
      loop.post(
          () ->
              queue.holding(
                  () -> {
                    Thread other =
                        new Thread(() -> queue.add(link, new Envelope(new byte[1], new byte[0])));
                    other.start();
                    Batch.join(other);
                    duringBatch.complete(link.backlogFull(1));
                    return true;
                  }));
      assertEquals(
          true, duringBatch.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "while queued");
      Await.until("sent once the batch ended", () -> !link.backlogFull(1));
    } finally {
      loop.stop();
    }
  }

  /** Two early drains' worth of sends: none goes out during the batch, all at its end. */
  private static void assertSentOnlyAtTheEnd(boolean calm, boolean fromOtherThread)
      throws Exception {
    int messages = 2 * SendQueue.EARLY_DRAIN;
    Batch batch = Batch.run(messages, calm, fromOtherThread);
    assertEquals(0, batch.sentAfterEach.get(messages - 1), "none sent during the batch");
    assertEquals(messages, batch.sentAtEnd.size(), "all of them once the batch ended");
  }

  /**
   * One batch read on a loop of its own: {@code messages} sends, from the loop thread each before
   * its message's {@link SendQueue#handled} (with {@code calm}), or all from another thread before
   * the first ({@code fromOtherThread}); how many had gone out after each message, and which by the
   * end.
   */
  private record Batch(List<Integer> sentAfterEach, List<Integer> sentAtEnd) {
    static Batch run(int messages, boolean calm, boolean fromOtherThread) throws Exception {
      IoLoop loop = new IoLoop("send-queue-test");
      loop.start();
      try {
        List<Integer> sent = new ArrayList<>();
        SendQueue queue =
            new SendQueue(loop, (link, envelope) -> sent.add((int) envelope.header()[0]));
        Thread other = new Thread(() -> sendAll(queue, 1, messages));
        List<Integer> sentAfterEach = new ArrayList<>();
        CompletableFuture<List<Integer>> atEnd = new CompletableFuture<>();
        loop.post(
            () -> {
              queue.holding(
                  () -> {
                    if (fromOtherThread) {
                      other.start();
                      join(other);
                    }
                    for (int i = 1; i <= messages; i++) {
                      if (!fromOtherThread) {
                        sendAll(queue, i, i);
                      }
                      queue.handled(calm);
                      sentAfterEach.add(sent.size());
                    }
                    return true;
                  });
              atEnd.complete(List.copyOf(sent));
            });
        List<Integer> all = atEnd.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        return new Batch(sentAfterEach, all);
      } finally {
        loop.stop();
      }
    }

    private static void sendAll(SendQueue queue, int from, int to) {
      for (int i = from; i <= to; i++) {
        queue.add(LINK, new Envelope(new byte[] {(byte) i}, new byte[0]));
      }
    }

    private static void join(Thread t) {
      try {
        t.join(Await.LIMIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
