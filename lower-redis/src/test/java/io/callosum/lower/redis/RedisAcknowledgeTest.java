package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.Peer;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.WireFrames;
import io.callosum.upper.MsgpackCodec;
import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How a reader acknowledges what it read: one {@code XACK} per read batch, not one per entry (one
 * per entry made a 16-receiver fan-out of 100,000 items queue 1.6 million commands, which fell
 * behind Lettuce's command timeout and left every later round stalled), and on through its own
 * pending entries that the stream was trimmed past, also when the core has no room meanwhile: those
 * are acknowledged and logged as lost to the trim, not counted as malformed (nobody sent anything
 * bad). Each test has a Redis server of its own, for its command counts.
 */
class RedisAcknowledgeTest {
  private static final int READ_COUNT = 64; // RedisOptions' default readCount
  private static final Pattern XACK_CALLS = Pattern.compile("cmdstat_xack:calls=(\\d+)");

  @RegisterExtension final Closer closer = new Closer();
  private final RedisTransport transport = new RedisTransport(RedisTests.options());
  private final MsgpackCodec msgpack = new MsgpackCodec();

  @BeforeAll
  static void logs() {
    LogLines.install();
  }

  @Test
  public void aReadBatchIsAcknowledgedWithOneXack() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = "acks";
    int items = 10 * READ_COUNT;
    RedisTests.group(raw, key, "g");
    for (int i = 0; i < items; i++) {
      RedisTests.item(raw, key, i);
    }
    redis.command("CONFIG", "RESETSTAT");

    CountingListener listener = new CountingListener(Integer.MAX_VALUE);
    closer.later(RedisTests.receiver(transport, redis.address(key) + "?group=g", listener));

    Await.until("every item delivered", () -> listener.items.get() == items);
    Await.until(
        "every entry acknowledged",
        () -> pending(raw, key, "g") == 0,
        () -> pending(raw, key, "g") + " pending");
    // 10 full batches and the receiver's own create-or-join marker: one XACK each, not 641
    long calls = xackCalls(redis);
    assertTrue(calls <= items / READ_COUNT + 1, calls + " XACKs for " + items + " items");
  }

  @Test
  public void ownPendingEntriesTrimmedAwayAreAcknowledgedAndLoggedAsLostNotMalformed()
      throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = "trimmed";
    RedisTests.group(raw, key, "g");
    for (int i = 0; i < 100; i++) {
      RedisTests.item(raw, key, i);
    }
    // consumer c read 100 items and died before acknowledging; the stream is trimmed past 60
    raw.redis()
        .xreadgroup(
            Consumer.from("g", "c"), XReadArgs.Builder.count(100), StreamOffset.lastConsumed(key));
    raw.redis().xtrim(key, 40);
    for (int i = 100; i < 300; i++) {
      RedisTests.item(raw, key, i);
    }
    long mark = LogLines.mark();

    // c comes back; the core has no room after the first item it is handed, until resumed
    CountingListener listener = new CountingListener(1);
    FanoutReceiver r =
        closer.later(
            RedisTests.receiver(transport, redis.address(key) + "?group=g&consumer=c", listener));
    Await.until("the first item", () -> listener.items.get() == 1);
    r.resume();

    Await.until(
        "the 40 pending items left and the 200 new ones",
        () -> listener.items.get() == 240,
        () -> listener.items.get() + " items, " + listener.malformed.get() + " malformed");
    Await.until(
        "every entry acknowledged",
        () -> pending(raw, key, "g") == 0,
        () -> pending(raw, key, "g") + " pending");
    // nobody sent anything malformed: the 60 entries were lost to the trim, and the log says so
    assertEquals(0, listener.malformed.get(), "malformed");
    RedisTests.assertLostToTrimming(transport, mark, 60, key);

    for (int i = 300; i < 310; i++) {
      RedisTests.item(raw, key, i);
    }
    Await.until("every later item", () -> listener.items.get() == 250);
    Await.until("and acknowledged", () -> pending(raw, key, "g") == 0);
  }

  /**
   * The same on the RPC path: a bound peer's calls it read and never acknowledged, three of them
   * trimmed away before it comes back under its consumer name, which serves the other two.
   */
  @Test
  public void aBoundPeersOwnPendingCallsTrimmedAwayAreAcknowledgedAndLoggedAsLost()
      throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = "calls";
    RedisTests.group(raw, key + ".bind", "callosum");
    raw.pythonOpen(key + ".conn", "py");
    for (int seq = 1; seq <= 5; seq++) {
      raw.add(
          key + ".bind",
          "hdr",
          WireFrames.callHeader("echo", seq),
          "msg",
          WireFrames.requestBody(msgpack.encode("call " + seq)));
    }
    int read =
        raw.redis()
            .xreadgroup(
                Consumer.from("callosum", "server"),
                XReadArgs.Builder.count(5),
                StreamOffset.lastConsumed(key + ".bind"))
            .size();
    assertEquals(5, read, "the server read the five calls and died before acknowledging them");
    raw.redis().xtrim(key + ".bind", 2);
    long mark = LogLines.mark();

    BoundPeer server =
        closer.later(
            Peer.builder()
                .transport(transport)
                .bind(redis.address(key) + "?consumer=server")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();

    Set<Long> answered = new TreeSet<>();
    for (int i = 0; i < 2; i++) {
      answered.add(WireFrames.seq(raw.nextMessage(key + ".conn", "py", "c").getBody().get("hdr")));
    }
    assertEquals(Set.of(4L, 5L), answered, "the calls left (in any order)");
    Await.until(
        "every entry acknowledged",
        () -> pending(raw, key + ".bind", "callosum") == 0,
        () -> pending(raw, key + ".bind", "callosum") + " pending");
    RedisTests.assertLostToTrimming(transport, mark, 3, key + ".bind");
  }

  private static long pending(RawRedis raw, String key, String group) {
    return raw.redis().xpending(key, group).getCount();
  }

  private static long xackCalls(RedisServer redis) throws Exception {
    Matcher m = XACK_CALLS.matcher(redis.command("INFO", "commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
