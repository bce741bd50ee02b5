package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.WireFrames;
import io.callosum.upper.MsgpackCodec;
import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a broker gives: calls wait in the stream while the bound peer is down and are served by the
 * one that comes back; what a consumer that died left unacknowledged is claimed by another; a lost
 * Redis connection is logged once per endpoint, fails the calls in flight at once and the peers
 * find each other again after.
 */
class RedisRestartTest {
  @RegisterExtension final Closer closer = new Closer();
  private final RedisTransport transport = new RedisTransport(RedisTests.options());
  private final MsgpackCodec msgpack = new MsgpackCodec();

  @BeforeAll
  static void logs() {
    LogLines.install();
  }

  /**
   * A bound peer in a JVM of its own, killed (no close, no bye) by {@link Process#destroyForcibly}.
   */
  private Process serve(String address) throws Exception {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                ServeMain.class.getName(),
                address)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    closer.later(p::destroyForcibly);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return out.readLine();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertEquals("READY", ready.get(30, TimeUnit.SECONDS));
    return p;
  }

  @Test
  public void callsWaitInTheStreamWhileTheBoundPeerRestarts() throws Exception {
    RedisServer redis = RedisTests.redis();
    String address = redis.freshAddress("restart") + "?consumer=server-a";
    Process first = serve(address);
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(transport)
                .defaultTimeout(Duration.ofSeconds(60))
                .connect(address)
                .build()
                .start());
    assertEquals("before", client.invokeAndWait("echo", "before"));
    first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    List<CompletableFuture<Object>> waiting =
        List.of(client.invoke("echo", 1), client.invoke("echo", 2), client.invoke("echo", 3));
    Await.holds(
        "the calls wait",
        () -> waiting.stream().noneMatch(CompletableFuture::isDone),
        Duration.ofMillis(500));
    serve(address);
    for (int i = 0; i < 3; i++) {
      assertEquals(i + 1, Await.result(waiting.get(i)));
    }
    assertTrue(client.remote().isConnected(), "the link lived through the restart");
  }

  /**
   * A consumer of the bound peers' group reads a call and dies before acknowledging it: after
   * {@code claimIdle} a bound peer of the group claims it and answers (here a Python client's
   * call).
   */
  @Test
  public void callsADeadConsumerLeftUnacknowledgedAreClaimed() throws Exception {
    RedisServer redis = RedisTests.redis();
    String address = redis.freshAddress("claim");
    String key = address.substring(address.lastIndexOf('/') + 1);
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    raw.pythonOpen(key + ".bind", "callosum");
    raw.pythonOpen(key + ".conn", "py");
    raw.add(
        key + ".bind",
        "hdr",
        WireFrames.callHeader("echo", 5),
        "msg",
        WireFrames.requestBody(msgpack.encode("claimed")));
    var taken =
        raw.redis()
            .xreadgroup(
                Consumer.from("callosum", "dead-one"),
                XReadArgs.Builder.count(10),
                XReadArgs.StreamOffset.lastConsumed(key + ".bind"));
    assertEquals(1, taken.size(), "the dead one read the call and never acknowledged it");
    RedisTransport claiming =
        new RedisTransport(
            RedisTests.options().toBuilder().claimIdle(Duration.ofMillis(300)).build());
    BoundPeer server = closer.later(Peer.builder().transport(claiming).bind(address).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    var reply = raw.nextMessage(key + ".conn", "py", "c");
    assertEquals(5, WireFrames.seq(reply.getBody().get("hdr")));
    assertEquals(
        "claimed", msgpack.decode(WireFrames.appBody(reply.getBody().get("msg")), Object.class));
    Await.until(
        "the dead consumer is forgotten once its entries are taken",
        () -> !raw.consumers(key + ".bind", "callosum").contains("dead-one"));
  }

  @Test
  public void aLostRedisFailsCallsInFlightAtOnceAndThePeersMeetAgain() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    String address = redis.freshAddress("loss");
    BoundPeer server = closer.later(Peer.builder().transport(transport).bind(address).build());
    CountDownLatch entered = new CountDownLatch(1);
    server.handle(
        "block",
        (ctx, body) -> {
          entered.countDown();
          return new CompletableFuture<>();
        });
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(transport)
                .defaultTimeout(Duration.ofSeconds(60))
                .connect(address)
                .build()
                .start());
    CompletableFuture<Object> inFlight = client.invoke("block", null);
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    long mark = LogLines.mark();
    long lost = System.nanoTime();
    redis.stop();
    Throwable t = Await.failure(inFlight);
    assertInstanceOf(ConnectionLostException.class, t);
    assertTrue(System.nanoTime() - lost < TimeUnit.SECONDS.toNanos(5), "failed fast");
    assertInstanceOf(ConnectionLostException.class, Await.failure(client.invoke("echo", "down")));
    String line = "lost the connection to Redis at 127.0.0.1:" + redis.port() + "; reconnecting";
    Await.until(
        "the loss logged by the bound and the connected peer",
        () -> LogLines.warnings(mark, line).size() == 2,
        () -> LogLines.since(mark, l -> l.contains(line)).toString());
    redis.restart();
    Await.until("the client is linked again", () -> !client.remotes().isEmpty());
    assertEquals("again", client.invokeAndWait("echo", "again"));
  }
}
