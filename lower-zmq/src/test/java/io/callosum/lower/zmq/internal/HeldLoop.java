package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.testing.Await;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A loop's thread held in a task until closed, at most {@link Await#LIMIT}: meanwhile it serves
 * none of its sockets (they read nothing) and runs none of its tasks, which wait in order.
 */
final class HeldLoop implements AutoCloseable {
  private final CountDownLatch release = new CountDownLatch(1);

  /** Returns once {@code loop} runs the task that holds it. */
  HeldLoop(IoLoop loop) throws InterruptedException {
    CountDownLatch held = new CountDownLatch(1);
    assertTrue(
        loop.post(
            () -> {
              held.countDown();
              try {
                release.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }),
        "the loop runs");
    assertTrue(held.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "the loop is held");
  }

  /** Lets the loop go on (once; later calls do nothing). */
  @Override
  public void close() {
    release.countDown();
  }
}
