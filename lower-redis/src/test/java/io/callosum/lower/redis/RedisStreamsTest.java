package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How this lower uses Redis: a reply stream per connecting Java peer (so clients in one group do
 * not take each other's replies), streams trimmed to their bound, AUTH, and every client, thread
 * and key of an endpoint released on close.
 */
class RedisStreamsTest {
  @RegisterExtension final Closer closer = new Closer();
  private static RedisServer redis;

  @BeforeAll
  static void redis() {
    redis = RedisTests.redis();
  }

  @Test
  public void clientsInOneGroupGetOnlyTheirOwnReplies() throws Exception {
    RedisTransport transport = new RedisTransport(RedisTests.options());
    BoundPeer server =
        closer.later(Peer.builder().transport(transport).bind(redis.freshAddress("many")).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    List<ConnectedPeer> clients = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      clients.add(
          closer.later(
              Peer.builder()
                  .transport(transport)
                  .connect(server.address() + "?group=same&consumer=same")
                  .build()
                  .start()));
    }
    List<List<CompletableFuture<Object>>> calls = new ArrayList<>();
    for (int c = 0; c < clients.size(); c++) {
      List<CompletableFuture<Object>> mine = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        mine.add(clients.get(c).invoke("echo", c * 1000 + i)); // the same seqs in every client
      }
      calls.add(mine);
    }
    for (int c = 0; c < clients.size(); c++) {
      for (int i = 0; i < 100; i++) {
        assertEquals(c * 1000 + i, ((Number) Await.result(calls.get(c).get(i))).intValue());
      }
    }
  }

  @Test
  public void streamsAreTrimmedToAboutTheirBound() throws Exception {
    RedisTransport transport =
        new RedisTransport(RedisTests.options().toBuilder().maxStreamLength(200).build());
    BoundPeer server =
        closer.later(Peer.builder().transport(transport).bind(redis.freshAddress("trim")).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer client =
        closer.later(Peer.builder().transport(transport).connect(server.address()).build().start());
    for (int i = 0; i < 2000; i++) {
      client.invokeAndWait("echo", i);
    }
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = RedisTests.keyOf(server.address());
    long bind = raw.redis().xlen(key + ".bind");
    long own = raw.redis().xlen(raw.redis().keys(key + ".conn.*").get(0));
    // MAXLEN ~ trims whole nodes of 100 entries: a little more than the bound may stay.
    assertTrue(bind <= 200 + 100, "KEY.bind holds " + bind);
    assertTrue(own <= 200 + 100, "the reply stream holds " + own);
  }

  @Test
  public void authWithThePasswordOfTheOptionsOrTheAddress() throws Exception {
    RedisServer secured = closer.later(RedisTests.ownRedis("--requirepass", "s3cret"));
    String address = secured.freshAddress("auth");
    RedisTransport withPassword =
        new RedisTransport(
            RedisTests.options().toBuilder().password("s3cret".toCharArray()).build());
    BoundPeer server = closer.later(Peer.builder().transport(withPassword).bind(address).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    assertFalse(server.address().contains("s3cret"), server.address());
    String inAddress = address.replace("redis://", "redis://:s3cret@");
    RedisTransport plain = new RedisTransport(RedisTests.options());
    ConnectedPeer client =
        closer.later(Peer.builder().transport(plain).connect(inAddress).build().start());
    assertEquals("in", client.invokeAndWait("echo", "in"));
    ConnectedPeer refused = closer.later(Peer.builder().transport(plain).connect(address).build());
    ConnectionLostException e = assertThrows(ConnectionLostException.class, refused::start);
    // Lettuce names the refusal (NOAUTH) unless Redis closed the connection before its handshake
    // handler was in place, which a loaded machine shows now and then: then it says only that.
    assertTrue(
        e.getMessage().contains("AUTH") || e.getMessage().contains("RedisHandshakeHandler"),
        e.getMessage());
  }

  /**
   * A reply or a bye for a Java client whose stream is gone (it closed, or Redis let the stream
   * expire after the client died) does not make the stream again: nobody would ever delete it.
   */
  @Test
  public void aGoneClientsStreamIsNotMadeAgain() throws Exception {
    RedisTransport transport = new RedisTransport(RedisTests.options());
    CountDownLatch answered = new CountDownLatch(1);
    BoundPeer server =
        closer.later(
            Peer.builder()
                .transport(transport)
                .interceptor(
                    new CallInterceptor() {
                      @Override
                      public void finished(CallInfo call, CallOutcome outcome) {
                        answered.countDown();
                      }
                    })
                .bind(redis.freshAddress("gone"))
                .build());
    CountDownLatch entered = new CountDownLatch(1);
    CompletableFuture<Object> release = new CompletableFuture<>();
    server.handle(
        "slow",
        (ctx, body) -> {
          entered.countDown();
          return release;
        });
    server.start();
    ConnectedPeer client =
        closer.later(Peer.builder().transport(transport).connect(server.address()).build().start());
    CompletableFuture<Object> call = client.invoke("slow", null);
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String own = raw.redis().keys(RedisTests.keyOf(server.address()) + ".conn.*").get(0);
    raw.redis().del(own);
    release.complete("late");
    assertTrue(answered.await(10, TimeUnit.SECONDS), "the server answered");
    server.close(); // returns once its bye is appended, after the reply on the same connection
    assertEquals(0, raw.redis().exists(own), "the reply or the bye made the stream again");
    assertFalse(call.isDone() && !call.isCompletedExceptionally(), "no reply could reach it");
  }

  /**
   * A worker that closes while it holds items it read but could not hand on (its queue was full)
   * leaves them, unacknowledged, under its name: another worker claims them after {@code
   * claimIdle}. Nothing read is lost by an orderly close.
   */
  @Test
  public void aClosingWorkerLeavesWhatItCouldNotHandOnToAnother() throws Exception {
    RedisTransport transport =
        new RedisTransport(
            RedisTests.options().toBuilder().claimIdle(Duration.ofMillis(300)).build());
    String address = redis.freshAddress("held");
    PipelineSender s =
        closer.later(PipelineSender.builder().transport(transport).bind(address).build());
    for (int i = 0; i < 3; i++) {
      assertTrue(s.offer(i));
    }
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = RedisTests.keyOf(address);
    Await.until("the items are in the stream", () -> raw.redis().xlen(key) >= 4);
    PipelineReceiver first =
        PipelineReceiver.builder()
            .transport(transport)
            .connect(address + "?consumer=first")
            .queueCapacity(1)
            .build();
    Await.until("the first worker took one item", () -> first.queued() == 1);
    first.close(); // the item in its queue is the core's; the two it held stay in Redis
    assertEquals(List.of("first"), raw.consumers(key, "callosum"), "it keeps its name");
    PipelineReceiver second =
        closer.later(
            PipelineReceiver.builder()
                .transport(transport)
                .connect(address + "?consumer=second")
                .build());
    assertEquals(1, ((Number) second.poll(Await.LIMIT).value()).intValue());
    assertEquals(2, ((Number) second.poll(Await.LIMIT).value()).intValue());
    Await.until(
        "the first worker is forgotten once its items are taken",
        () -> raw.consumers(key, "callosum").equals(List.of("second")));
  }

  /** Threads of Redis clients (ours are named callosum-redis-..., Lettuce's own lettuce-...). */
  private static Set<Thread> redisThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("callosum-redis") || t.getName().startsWith("lettuce"))
        .collect(Collectors.toSet());
  }

  @Test
  public void closeReleasesClientsThreadsAndKeys() throws Exception {
    RedisTransport transport =
        new RedisTransport(RedisTests.options().toBuilder().idleTimeout(Duration.ZERO).build());
    String rpc = redis.freshAddress("release");
    String fan = redis.freshAddress("release-fan");
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    Set<Thread> before = redisThreads();
    for (int round = 0; round < 3; round++) {
      try (BoundPeer server = Peer.builder().transport(transport).bind(rpc).build().start();
          ConnectedPeer client =
              Peer.builder().transport(transport).connect(server.address()).build().start();
          Broadcaster b = Broadcaster.builder().transport(transport).bind(fan).build();
          BroadcastReceiver r =
              BroadcastReceiver.builder().transport(transport).connect(fan).build();
          PipelineSender s =
              PipelineSender.builder().transport(transport).bind(fan + "-p").build();
          PipelineReceiver w =
              PipelineReceiver.builder().transport(transport).connect(fan + "-p").build()) {
        assertEquals(6, transport.openEndpoints());
        assertFalse(before.containsAll(redisThreads()), "the transport has threads of its own");
        b.publish("t", round);
        assertEquals(round, r.poll(Await.LIMIT).value());
        s.offer(round);
        assertEquals(round, w.poll(Await.LIMIT).value(), "taken (and acknowledged) before close");
        assertTrue(raw.redis().keys(RedisTests.keyOf(rpc) + ".conn.*").size() == 1);
      }
      assertEquals(0, transport.openEndpoints());
      Await.until(
          "the client threads end",
          () -> before.containsAll(redisThreads()),
          () -> redisThreads().toString());
      assertEquals(
          List.of(),
          raw.redis().keys(RedisTests.keyOf(rpc) + ".conn.*"),
          "the reply stream is gone");
      assertEquals(
          List.of(), raw.groups(RedisTests.keyOf(fan)), "the subscriber's own group is gone");
      assertEquals(
          List.of(), raw.consumers(RedisTests.keyOf(fan) + "-p", "callosum"), "the worker left");
      assertEquals(List.of(), raw.consumers(RedisTests.keyOf(rpc) + ".bind", "callosum"));
    }
  }
}
