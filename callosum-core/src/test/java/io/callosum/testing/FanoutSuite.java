package io.callosum.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.MessageTooLargeException;
import io.callosum.OverloadedException;
import io.callosum.Payload;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.ItemReceiver;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.internal.FanoutHeader;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.Transport;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The behaviour every lower that offers broadcast and pipelines must give: delivery to every
 * subscriber with topic-prefix filtering, exactly-once spreading over workers, the bounded-queue
 * policy (a slow subscriber loses items and counts them, the publisher never waits; a full pipeline
 * makes its sender wait), either side binding, malformed items dropped without harm, and everything
 * released on close.
 *
 * <p>A lower's test subclasses this with {@link #transport()} and a fresh {@link #bindAddress()}.
 */
public abstract class FanoutSuite {
  /** The lower under test. */
  protected abstract Transport transport();

  /** A fresh address to bind on (e.g. {@code inproc://unique}, {@code zmq+tcp://127.0.0.1:0}). */
  protected abstract String bindAddress();

  /**
   * Bytes of each item in the slow-subscriber test: enough items of it must overflow every buffer
   * between the two ends (socket buffers included).
   */
  protected int slowSubscriberItemSize() {
    return 16 << 10;
  }

  /** Items in the slow-subscriber test. */
  protected int slowSubscriberItems() {
    return 1000;
  }

  @RegisterExtension protected final Closer closer = new Closer();

  private static final Duration SHORT = Duration.ofMillis(20);

  /** A valid item header, for tests that send items with a raw socket. */
  protected static byte[] itemHeader(long senderId, long sequence) {
    return new FanoutHeader(senderId, sequence).encode();
  }

  protected Broadcaster.Builder broadcaster() {
    return Broadcaster.builder().transport(transport());
  }

  protected BroadcastReceiver.Builder subscriber() {
    return BroadcastReceiver.builder().transport(transport());
  }

  protected PipelineSender.Builder pipeline() {
    return PipelineSender.builder().transport(transport());
  }

  protected PipelineReceiver.Builder worker() {
    return PipelineReceiver.builder().transport(transport());
  }

  /**
   * Publishes on {@code topic} until every receiver has had an item of it, so that later items
   * reach them all (a subscription takes a moment to reach a publisher); then drops those items.
   */
  protected static void join(Broadcaster b, String topic, BroadcastReceiver... receivers)
      throws InterruptedException {
    Set<BroadcastReceiver> waiting = new HashSet<>(List.of(receivers));
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (!waiting.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "subscribers did not join in time");
      b.publish(topic, "sync");
      for (BroadcastReceiver r : List.copyOf(waiting)) {
        Delivery d = r.poll(Duration.ofMillis(5));
        if (d != null && d.topic().equals(topic)) {
          waiting.remove(r);
        }
      }
    }
  }

  /** The next {@code n} items of {@code r} whose topic does not end in "sync". */
  protected static List<Delivery> take(ItemReceiver r, int n) throws InterruptedException {
    List<Delivery> out = new ArrayList<>();
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (out.size() < n) {
      assertTrue(System.nanoTime() < deadline, "got " + out.size() + " of " + n + " items in time");
      Delivery d = r.poll(Duration.ofMillis(10));
      if (d != null && !d.topic().endsWith("sync")) {
        out.add(d);
      }
    }
    return out;
  }

  /** Receives until nothing but "sync" items arrive for {@code quiet}. */
  private static List<Delivery> drain(ItemReceiver r, Duration quiet) throws InterruptedException {
    List<Delivery> out = new ArrayList<>();
    for (int i = 0; i < 1_000_000; i++) {
      Delivery d = r.poll(quiet);
      if (d == null) {
        return out;
      }
      if (!d.topic().endsWith("sync")) {
        out.add(d);
      }
    }
    throw new AssertionError("items kept coming");
  }

  private static List<Long> values(List<Delivery> ds) {
    List<Long> out = new ArrayList<>();
    for (Delivery d : ds) {
      out.add(((Number) d.value()).longValue());
    }
    return out;
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  // ------------------------------------------------------------------ broadcast

  @Test
  public void broadcastReachesEverySubscriberInOrder() throws Exception {
    // Room for every item at each stage: a broadcast drops what a full queue cannot take.
    Broadcaster b = closer.later(broadcaster().bind(bindAddress()).queueCapacity(1000).build());
    List<BroadcastReceiver> rs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rs.add(closer.later(subscriber().connect(b.address()).queueCapacity(1000).build()));
    }
    join(b, "sync", rs.toArray(new BroadcastReceiver[0]));
    for (int i = 0; i < 200; i++) {
      assertTrue(b.publish("t", i));
    }
    for (BroadcastReceiver r : rs) {
      List<Delivery> got = take(r, 200);
      assertEquals(range(0, 200), values(got));
      assertEquals("t", got.get(0).topic());
      assertEquals(0, r.missed());
      assertEquals(0, r.malformed());
    }
  }

  @Test
  public void subscribersGetOnlyTheirTopicPrefixes() throws Exception {
    Broadcaster b = closer.later(broadcaster().bind(bindAddress()).build());
    BroadcastReceiver a = closer.later(subscriber().connect(b.address()).topics("a.").build());
    BroadcastReceiver bc =
        closer.later(subscriber().connect(b.address()).topics("b.", "c.").build());
    BroadcastReceiver all = closer.later(subscriber().connect(b.address()).build());
    BroadcastReceiver unicode = closer.later(subscriber().connect(b.address()).topics("é").build());
    join(b, "a.sync", a, all);
    join(b, "b.sync", bc);
    join(b, "é.sync", unicode);
    for (String topic : List.of("a.x", "b.y", "c.z", "d.w", "ab", "éclair", "a.y")) {
      b.publish(topic, topic);
    }
    b.publish("a.end", "end"); // the last item every prefix-a receiver sees
    b.publish("b.end", "end");
    b.publish("é.end", "end");
    assertEquals(List.of("a.x", "a.y", "a.end"), topics(take(a, 3)));
    assertEquals(List.of("b.y", "c.z", "b.end"), topics(take(bc, 3)));
    assertEquals(
        List.of("a.x", "b.y", "c.z", "d.w", "ab", "éclair", "a.y", "a.end", "b.end", "é.end"),
        topics(take(all, 10)));
    assertEquals(List.of("éclair", "é.end"), topics(take(unicode, 2)));
    for (BroadcastReceiver r : List.of(a, bc, unicode)) {
      assertNull(pollNonSync(r, SHORT), "an item outside the prefixes arrived");
    }
  }

  private static Delivery pollNonSync(ItemReceiver r, Duration wait) throws InterruptedException {
    Delivery d;
    while ((d = r.poll(wait)) != null) {
      if (!d.topic().endsWith("sync")) {
        return d;
      }
    }
    return null;
  }

  private static List<String> topics(List<Delivery> ds) {
    return ds.stream().map(Delivery::topic).toList();
  }

  /**
   * The policy for slow subscribers: one that takes nothing holds at most its queue, the publisher
   * never waits for it, a subscriber that keeps up gets everything, and once the slow one reads
   * again it learns how many items it missed.
   */
  @Test
  public void aSlowSubscriberLosesItemsAndCountsThemWhileOthersGetAll() throws Exception {
    int capacity = 8;
    Broadcaster b = closer.later(broadcaster().bind(bindAddress()).queueCapacity(capacity).build());
    // The fast one has room for every item: on a lower with credits, a receiver also loses items
    // while its credit is on its way back (the publisher never waits), and a loaded machine can
    // delay that by many items.
    BroadcastReceiver fast =
        closer.later(
            subscriber().connect(b.address()).queueCapacity(slowSubscriberItems() + 64).build());
    BroadcastReceiver slow =
        closer.later(subscriber().connect(b.address()).queueCapacity(capacity).build());
    join(b, "sync", fast, slow);
    drain(fast, SHORT);
    byte[] filler = new byte[slowSubscriberItemSize()];
    int n = slowSubscriberItems();
    for (int i = 0; i < n; i++) {
      // In step with the fast subscriber, so that it never falls behind itself.
      assertTrue(b.publish("t", Payload.wrap(numbered(i, filler))));
      Delivery d;
      try {
        d = take(fast, 1).get(0);
      } catch (AssertionError e) {
        throw new AssertionError(
            "item "
                + i
                + " did not reach the fast subscriber (received "
                + fast.received()
                + ", missed "
                + fast.missed()
                + ", queued "
                + fast.queued()
                + "; slow received "
                + slow.received()
                + ", queued "
                + slow.queued()
                + ")",
            e);
      }
      assertEquals(i, number(d), "the fast subscriber lost or reordered an item");
      assertTrue(
          slow.queued() <= capacity, "the slow subscriber holds " + slow.queued() + " items");
    }
    assertEquals(0, fast.missed());
    List<Delivery> backlog = drain(slow, Duration.ofMillis(200));
    assertTrue(
        b.publish("t", Payload.wrap(numbered(n, filler)))); // one more, so that the gap shows
    Delivery last;
    while (number(last = take(slow, 1).get(0)) != n) {
      backlog.add(last); // an item still on its way when the quiet period ended
    }
    assertTrue(
        backlog.size() < n,
        "the slow subscriber got all "
            + n
            + " items: the buffers between them are bigger than the test thinks");
    assertEquals(
        n - backlog.size(), slow.missed(), "missed = items published minus items received");
    for (int i = 1; i < backlog.size(); i++) {
      assertTrue(number(backlog.get(i)) > number(backlog.get(i - 1)), "items out of order");
    }
  }

  private static byte[] numbered(int i, byte[] filler) {
    byte[] out = filler.clone();
    ByteBuffer.wrap(out).putInt(i);
    return out;
  }

  private static int number(Delivery d) {
    return ByteBuffer.wrap(d.body().bytes()).getInt();
  }

  @Test
  public void aSubscriberMayBindAndHearSeveralPublishers() throws Exception {
    BroadcastReceiver r =
        closer.later(subscriber().bind(bindAddress()).queueCapacity(1000).build());
    Broadcaster p1 = closer.later(broadcaster().connect(r.address()).queueCapacity(1000).build());
    Broadcaster p2 = closer.later(broadcaster().connect(r.address()).queueCapacity(1000).build());
    join(p1, "sync", r);
    join(p2, "sync", r);
    for (int i = 0; i < 50; i++) {
      p1.publish("one", i);
      p2.publish("two", i);
    }
    List<Delivery> got = take(r, 100);
    assertEquals(range(0, 50), values(got.stream().filter(d -> d.topic().equals("one")).toList()));
    assertEquals(range(0, 50), values(got.stream().filter(d -> d.topic().equals("two")).toList()));
    assertEquals(0, r.missed());
  }

  // ------------------------------------------------------------------ pipelines

  @Test
  public void pipelineItemsReachExactlyOneWorkerEach() throws Exception {
    PipelineSender s = closer.later(pipeline().bind(bindAddress()).build());
    Map<String, List<Long>> byWorker = new ConcurrentHashMap<>();
    CountDownLatch all = new CountDownLatch(300);
    for (int w = 0; w < 3; w++) {
      String name = "w" + w;
      byWorker.put(name, new CopyOnWriteArrayList<>());
      closer.later(
          worker()
              .connect(s.address())
              .queueCapacity(4)
              .handler(
                  d -> {
                    byWorker.get(name).add(((Number) d.value()).longValue());
                    all.countDown();
                  })
              .build());
    }
    for (long i = 0; i < 300; i++) {
      s.send(i, Await.LIMIT);
    }
    assertTrue(
        all.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "items lost: " + all.getCount());
    List<Long> union = new ArrayList<>();
    byWorker.values().forEach(union::addAll);
    Collections.sort(union);
    assertEquals(range(0, 300), union, "every item exactly once");
    for (List<Long> mine : byWorker.values()) {
      List<Long> sorted = new ArrayList<>(mine);
      Collections.sort(sorted);
      assertEquals(sorted, mine, "a worker gets its share in order");
    }
  }

  @Test
  public void pipelineSpreadsOverConnectedWorkers() throws Exception {
    PipelineSender s = closer.later(pipeline().bind(bindAddress()).build());
    List<PipelineReceiver> ws = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      ws.add(closer.later(worker().connect(s.address()).build()));
    }
    // Until each worker has had one item, all three are connected.
    Set<PipelineReceiver> waiting = new HashSet<>(ws);
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (!waiting.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "workers did not connect in time");
      s.send("sync", "", Await.LIMIT);
      for (PipelineReceiver w : ws) {
        if (w.poll(Duration.ofMillis(5)) != null) {
          waiting.remove(w);
        }
      }
    }
    for (PipelineReceiver w : ws) {
      drain(w, SHORT);
    }
    for (long i = 0; i < 30; i++) {
      s.send(i, Await.LIMIT);
    }
    Map<PipelineReceiver, Integer> mine = new HashMap<>();
    int total = 0;
    deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (total < 30) { // no quiet period: items may take a while on a busy machine
      assertTrue(System.nanoTime() < deadline, "got " + total + " of 30 items in time");
      for (PipelineReceiver w : ws) {
        Delivery d = w.poll(Duration.ofMillis(5));
        if (d != null && !d.topic().endsWith("sync")) {
          mine.merge(w, 1, Integer::sum);
          total++;
        }
      }
    }
    assertEquals(3, mine.size(), "a connected worker got nothing: " + mine.values());
    for (PipelineReceiver w : ws) {
      assertNull(pollNonSync(w, SHORT), "more than 30 items");
    }
  }

  /**
   * A full pipeline refuses offers, makes send wait (and time out), and takes items again once a
   * worker reads.
   */
  @Test
  public void aFullPipelineMakesItsSenderWait() throws Exception {
    PipelineSender s = closer.later(pipeline().bind(bindAddress()).queueCapacity(4).build());
    PipelineReceiver w = closer.later(worker().connect(s.address()).queueCapacity(4).build());
    s.send("first", Await.LIMIT);
    assertNotNull(w.poll(Await.LIMIT), "the worker is connected");
    byte[] item = new byte[4096];
    int accepted = 0;
    while (true) { // full when even a send that waits 100 ms finds no room
      assertTrue(accepted < 100_000, "the pipeline never filled up");
      if (s.offer(Payload.wrap(item))) {
        accepted++;
        continue;
      }
      try {
        s.send(Payload.wrap(item), Duration.ofMillis(100));
        accepted++;
      } catch (OverloadedException full) {
        break;
      }
    }
    assertTrue(w.queued() <= 4);
    // (the loop above ended on a send that timed out; a second one need not: over TCP, room can
    // come back after any pause, e.g. when the lower's I/O thread was not scheduled for 100 ms)
    Future<?> blocked =
        closer
            .executor("blocked-sender")
            .submit(
                () -> {
                  s.send("last", Payload.wrap(item), Await.LIMIT);
                  return null;
                });
    List<Delivery> got = new ArrayList<>();
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (got.isEmpty() || !got.get(got.size() - 1).topic().equals("last")) {
      assertTrue(
          System.nanoTime() < deadline,
          "the waiting send never got through (" + got.size() + " items read)");
      Delivery d = w.poll(Duration.ofMillis(10));
      if (d != null) {
        got.add(d);
      }
    }
    blocked.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(
        accepted + 1, got.size(), "every accepted item arrives once, then the waiting one");
  }

  @Test
  public void pipelineItemsWaitForAWorker() throws Exception {
    PipelineSender s = closer.later(pipeline().bind(bindAddress()).build());
    for (long i = 0; i < 5; i++) {
      assertTrue(s.offer(i));
    }
    PipelineReceiver w = closer.later(worker().connect(s.address()).build());
    assertEquals(range(0, 5), values(take(w, 5)));
  }

  @Test
  public void aWorkerMayBindAndServeSeveralSenders() throws Exception {
    PipelineReceiver w = closer.later(worker().bind(bindAddress()).build());
    PipelineSender s1 = closer.later(pipeline().connect(w.address()).build());
    PipelineSender s2 = closer.later(pipeline().connect(w.address()).build());
    for (long i = 0; i < 20; i++) {
      s1.send("one", i, Await.LIMIT);
      s2.send("two", i, Await.LIMIT);
    }
    List<Delivery> got = take(w, 40);
    assertEquals(range(0, 20), values(got.stream().filter(d -> d.topic().equals("one")).toList()));
    assertEquals(range(0, 20), values(got.stream().filter(d -> d.topic().equals("two")).toList()));
  }

  // ------------------------------------------------------------------ API, limits, bad input

  @Test
  public void aHandlerGetsItemsInOrderAndPollIsRefused() throws Exception {
    PipelineSender s = closer.later(pipeline().bind(bindAddress()).build());
    List<Long> got = new CopyOnWriteArrayList<>();
    PipelineReceiver w =
        closer.later(
            worker()
                .connect(s.address())
                .handler(
                    d -> {
                      if (((Number) d.value()).longValue() == 3) {
                        throw new IllegalStateException(
                            "a failing handler does not stop the others (on purpose)");
                      }
                      got.add(((Number) d.value()).longValue());
                    })
                .build());
    for (long i = 0; i < 100; i++) {
      s.send(i, Await.LIMIT);
    }
    Await.until("the handler got 99 items", () -> got.size() == 99, got::toString);
    List<Long> expected = range(0, 100);
    expected.remove(3L);
    assertEquals(expected, got);
    assertThrows(IllegalStateException.class, () -> w.poll(SHORT));
    assertThrows(IllegalStateException.class, w::take);
  }

  @Test
  public void oversizeItemsAndTopicsAreRefusedAtTheSender() throws Exception {
    Broadcaster b = closer.later(broadcaster().bind(bindAddress()).maxMessageSize(1024).build());
    assertThrows(
        MessageTooLargeException.class, () -> b.publish("t", Payload.wrap(new byte[1024])));
    assertThrows(IllegalArgumentException.class, () -> b.publish("x".repeat(1025), 1));
    assertTrue(b.publish("t", Payload.wrap(new byte[1000])));
    b.close();
    assertThrows(IllegalStateException.class, () -> b.publish("t", 1));
  }

  /**
   * A receiver with a small limit drops a bigger item from a sender with a larger one, and goes on.
   */
  @Test
  public void aReceiverDropsItemsOverItsLimit() throws Exception {
    PipelineReceiver w = closer.later(worker().bind(bindAddress()).maxMessageSize(1024).build());
    PipelineSender s = closer.later(pipeline().connect(w.address()).build());
    s.send("small", 1, Await.LIMIT);
    assertEquals("small", take(w, 1).get(0).topic());
    s.send("big", Payload.wrap(new byte[4096]), Await.LIMIT);
    // ZeroMQ drops the connection of a sender that exceeds the limit, and the sender reconnects:
    // items sent meanwhile may be lost, so send until one arrives.
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    Delivery d = null;
    while (d == null) {
      assertTrue(System.nanoTime() < deadline, "no item arrived after the oversize one");
      s.offer("small", 2);
      d = w.poll(Duration.ofMillis(20));
      assertTrue(d == null || d.topic().equals("small"), "the oversize item arrived");
    }
  }

  /**
   * Items that are not ours (bad header, wrong version) are counted and dropped; good ones still
   * arrive.
   */
  @Test
  public void malformedItemsAreDroppedAndCounted() throws Exception {
    PipelineReceiver w = closer.later(worker().bind(bindAddress()).build());
    FanoutSender raw =
        closer.later(
            transport()
                .openSender(
                    URI.create(w.address()),
                    new FanoutConfig(FanoutPattern.PIPELINE, false, 100, 1 << 20),
                    () -> {}));
    byte[] good = new FanoutHeader(7, 1).encode();
    byte[] badVersion = good.clone();
    badVersion[0] = 9;
    byte[] zeroSequence = new FanoutHeader(7, 1).encode();
    Arrays.fill(zeroSequence, 9, 17, (byte) 0);
    byte[] body = new MsgpackCodec().encode("ok");
    for (byte[] header :
        List.of(new byte[0], new byte[16], badVersion, zeroSequence, new byte[100])) {
      assertTrue(raw.offer(new FanoutItem("bad".getBytes(StandardCharsets.UTF_8), header, body)));
    }
    assertTrue(raw.offer(new FanoutItem("good".getBytes(StandardCharsets.UTF_8), good, body)));
    Delivery d = take(w, 1).get(0);
    assertEquals("good", d.topic());
    assertEquals("ok", d.value());
    assertEquals(5, w.malformed());
  }

  @Test
  public void openCloseCyclesReleaseEverything() throws Exception {
    Set<Thread> before = ConformanceSuite.callosumThreads();
    for (int i = 0; i < 100; i++) {
      try (Broadcaster b = broadcaster().bind(bindAddress()).build();
          BroadcastReceiver r = subscriber().connect(b.address()).handler(d -> {}).build();
          PipelineReceiver w = worker().bind(bindAddress()).build();
          PipelineSender s = pipeline().connect(w.address()).build()) {
        b.publish("t", i);
        s.offer(i);
      }
    }
    Await.until(
        "threads end",
        () -> before.containsAll(ConformanceSuite.callosumThreads()),
        () -> ConformanceSuite.callosumThreads().toString());
  }
}
