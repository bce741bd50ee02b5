package io.callosum.lower.redis.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.lower.redis.RedisOptions;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * How a transport's endpoints share its threads: each endpoint runs its work on one executor and
 * its two connections on one I/O thread, and the endpoints are spread over the executors and the
 * I/O threads in turn (before, every endpoint had the same loop, every writer connection one I/O
 * thread and every reader connection the other: Lettuce also takes executors from the same group,
 * in step with the endpoints).
 */
class ClientThreadsTest {
  private static final int THREADS = 2;
  private static final int ENDPOINTS = 4;

  @Test
  public void endpointsAreSpreadOverTheLoopsAndTheIoThreads() throws Exception {
    Assumptions.assumeTrue(RedisServer.installed(), RedisServer.INSTALL);
    RedisServer redis = RedisServer.shared();
    ClientThreads threads = new ClientThreads(THREADS, Duration.ZERO);
    RedisOptions options = RedisOptions.defaults();
    List<Session> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < ENDPOINTS; i++) {
        var lease = threads.acquire();
        try {
          sessions.add(
              Session.open(
                  lease,
                  RedisAddress.parse(URI.create(redis.address("threads"))),
                  options,
                  Duration.ofSeconds(5)));
        } catch (RuntimeException | IOException e) {
          threads.release(lease);
          throw e;
        }
      }
      Map<String, Integer> loops = new TreeMap<>();
      Map<String, Integer> writers = new TreeMap<>();
      Map<String, Integer> readers = new TreeMap<>();
      List<Boolean> pairs = new ArrayList<>();
      for (Session s : sessions) {
        String loop =
            Await.result(CompletableFuture.supplyAsync(ClientThreadsTest::name, s.loop()));
        assertEquals(
            loop,
            Await.result(CompletableFuture.supplyAsync(ClientThreadsTest::name, s.loop())),
            "an endpoint's work stays on one executor");
        loops.merge(loop, 1, Integer::sum);
        String writer = ioThread(s.commands());
        String reader = ioThread(s.readerCommands());
        writers.merge(writer, 1, Integer::sum);
        readers.merge(reader, 1, Integer::sum);
        pairs.add(writer.equals(reader));
      }
      List<Integer> even = List.of(ENDPOINTS / THREADS, ENDPOINTS / THREADS);
      assertEquals(even, List.copyOf(loops.values()), "endpoints per loop: " + loops);
      assertEquals(even, List.copyOf(writers.values()), "writers per I/O thread: " + writers);
      assertEquals(even, List.copyOf(readers.values()), "readers per I/O thread: " + readers);
      assertEquals(
          List.of(true, true, true, true), pairs, "each endpoint's connections on one I/O thread");
    } finally {
      for (Session s : sessions) {
        s.close();
        threads.release(s.lease());
      }
    }
  }

  private static String name() {
    return Thread.currentThread().getName();
  }

  /**
   * The thread a reply on this connection is read on: Lettuce completes a command on its
   * connection's I/O thread (a reply that came before the callback was added runs it on the caller:
   * asked again).
   */
  private static String ioThread(RedisAsyncCommands<String, byte[]> redis) throws Exception {
    for (int i = 0; i < 100; i++) {
      AtomicReference<String> on = new AtomicReference<>();
      CompletableFuture<String> done =
          redis.ping().toCompletableFuture().whenComplete((v, e) -> on.set(name()));
      Await.result(done);
      if (!on.get().equals(name())) {
        return on.get();
      }
    }
    throw new AssertionError("every reply came before its callback was added");
  }
}
