package io.callosum.lower.redis.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.lower.redis.LogLines;
import io.callosum.lower.redis.RedisOptions;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a session reports of its connections. One it closes itself is not lost: closing the reader's
 * connection ({@link Session#closeReader}, as every reader leaving its group does: a bound or
 * connected peer, a pipeline worker) and closing the session log no "lost the connection", tell the
 * endpoint nothing ({@link Session.Events#lost}) and leave the session up. Before, the reader's
 * close reached Lettuce's state listener as a disconnect like any other while the session was not
 * yet closed: a WARN and a lost event for every orderly close. A real loss (Redis stopped) still is
 * reported, and its return, also after the reader's close. A Redis server of its own, to stop.
 */
class SessionLossTest {
  private static final String GROUP = "g";

  @RegisterExtension final Closer closer = new Closer();

  @BeforeAll
  static void logs() {
    LogLines.install();
  }

  @Test
  public void closingTheReaderIsNoLossButRedisStoppingIs() throws Exception {
    Assumptions.assumeTrue(RedisServer.installed(), RedisServer.INSTALL);
    RedisServer redis = closer.later(RedisServer.start());
    CountingEvents events = new CountingEvents();
    Session session = open(redis, events);
    long mark = LogLines.mark();

    String key = "loss";
    Await.result(Groups.create(session.commands(), key, GROUP).toCompletableFuture());
    CompletableFuture<?> blocked =
        session
            .readerCommands()
            .xreadgroup(
                Consumer.from(GROUP, "c"),
                XReadArgs.Builder.block(Duration.ofSeconds(30)),
                StreamOffset.lastConsumed(key))
            .toCompletableFuture();
    Await.result(session.closeReader());
    Await.failure(blocked); // the blocked read ends with its connection
    Await.holds(
        "no lost event after the reader's close, the session up",
        () -> events.lost.get() == 0 && !session.isDown(),
        Duration.ofMillis(500));
    assertEquals(List.of(), lostLines(mark, redis), "WARN lines after the reader's close");
    assertEquals("PONG", Await.result(session.commands().ping().toCompletableFuture()));

    redis.stop();
    Await.until("the loss reported", () -> events.lost.get() == 1 && session.isDown());
    assertEquals(1, lostLines(mark, redis).size(), "WARN lines after Redis stopped");
    redis.restart();
    Await.until(
        "the return reported",
        () -> events.restored.get() == 1 && !session.isDown(),
        () -> events.toString());

    long closing = LogLines.mark();
    session.close();
    Await.holds(
        "no lost event after the close", () -> events.lost.get() == 1, Duration.ofMillis(300));
    assertEquals(List.of(), lostLines(closing, redis), "WARN lines after the session's close");
  }

  /** A session on {@code redis}, its events to {@code events}, closed after the test. */
  private Session open(RedisServer redis, Session.Events events) throws IOException {
    ClientThreads threads = new ClientThreads(1, Duration.ZERO);
    ClientThreads.Lease lease = threads.acquire();
    Session session;
    try {
      session =
          Session.open(
              lease,
              RedisAddress.parse(URI.create(redis.address("loss"))),
              RedisOptions.defaults(),
              Duration.ofSeconds(5));
    } catch (IOException | RuntimeException e) {
      threads.release(lease);
      throw e;
    }
    session.events(events);
    closer.later(
        () -> {
          session.close();
          threads.release(lease);
        });
    return session;
  }

  private static List<String> lostLines(long mark, RedisServer redis) {
    return LogLines.warnings(
        mark, "lost the connection to Redis at 127.0.0.1:" + redis.port() + ";");
  }

  /** Counts the events (on the session's loop). */
  private static final class CountingEvents implements Session.Events {
    final AtomicInteger lost = new AtomicInteger();
    final AtomicInteger restored = new AtomicInteger();

    @Override
    public void lost() {
      lost.incrementAndGet();
    }

    @Override
    public void restored() {
      restored.incrementAndGet();
    }

    @Override
    public String toString() {
      return "lost " + lost + ", restored " + restored;
    }
  }
}
