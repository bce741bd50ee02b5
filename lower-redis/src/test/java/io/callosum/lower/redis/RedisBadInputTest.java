package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Limits;
import io.callosum.Peer;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.WireFrames;
import io.callosum.upper.MsgpackCodec;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Whatever a remote puts into a stream that is not well-formed is dropped, counted and logged; the
 * reader goes on and serves the next well-formed entry. Each case is sent to the bound side, to a
 * connecting side's own stream and to a pipeline worker.
 */
class RedisBadInputTest {
  @RegisterExtension final Closer closer = new Closer();
  private static RedisServer redis;
  private final RedisTransport transport = new RedisTransport(RedisTests.options());
  private final MsgpackCodec msgpack = new MsgpackCodec();

  @BeforeAll
  static void redis() {
    redis = RedisTests.redis();
  }

  /** Junk for an RPC stream: every way an entry can be malformed, in {@code RawRedis.add} form. */
  private static List<Object[]> junk(byte[] validHdr) {
    return List.of(
        new Object[] {"hdr", validHdr},
        new Object[] {"msg", "x"},
        new Object[] {"other", "field"},
        new Object[] {"hdr", validHdr, "msg", "x", "peer", "bad id!", "caps", "x"},
        new Object[] {"hdr", validHdr, "msg", "x", "peer", "p".repeat(65), "caps", "x"},
        new Object[] {"hdr", validHdr, "msg", "x", "peer", "abc"},
        new Object[] {"hdr", validHdr, "msg", "x", "caps", "x"},
        new Object[] {"hdr", validHdr, "msg", "x", "peer", "abc", "caps", new byte[5000]},
        new Object[] {"meta", "no-such-marker"},
        new Object[] {"meta", "m".repeat(100)},
        new Object[] {"meta", "hello"},
        new Object[] {"meta", "hello", "peer", "abc"},
        new Object[] {"hdr", validHdr, "msg", new byte[2 * 10_000 + (64 << 10) + 1]});
  }

  @Test
  public void theBoundSideDropsJunkAndServesOn() throws Exception {
    BoundPeer server =
        closer.later(
            Peer.builder()
                .transport(transport)
                .limits(Limits.builder().maxMessageSize(10_000).build())
                .bind(redis.freshAddress("bad-bound"))
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    String key = RedisTests.keyOf(server.address());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    List<Object[]> junk = junk(WireFrames.callHeader("echo", 1));
    for (Object[] entry : junk) {
      raw.add(key + ".bind", entry);
    }
    raw.add(key + ".hello", "hdr", WireFrames.callHeader("echo", 2), "msg", "x");
    raw.add(key + ".hello", "meta", "hello", "caps", "x");
    Await.until(
        "every junk entry dropped",
        () -> transport.droppedEntries() == junk.size() + 2,
        () -> transport.droppedEntries() + " dropped");
    ConnectedPeer client =
        closer.later(Peer.builder().transport(transport).connect(server.address()).build());
    client.start();
    assertEquals("still serving", client.invokeAndWait("echo", "still serving"));
    // A Python client's call after the junk is served too, on KEY.conn.
    raw.pythonOpen(key + ".conn", "py");
    raw.add(
        key + ".bind",
        "hdr",
        WireFrames.callHeader("echo", 3),
        "msg",
        WireFrames.requestBody(msgpack.encode("python")));
    var reply = raw.nextMessage(key + ".conn", "py", "c");
    assertEquals(
        "python", msgpack.decode(WireFrames.appBody(reply.getBody().get("msg")), Object.class));
  }

  @Test
  public void aConnectingSideDropsJunkOnItsOwnStreamAndCallsOn() throws Exception {
    BoundPeer server =
        closer.later(
            Peer.builder().transport(transport).bind(redis.freshAddress("bad-conn")).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(transport)
                .limits(Limits.builder().maxMessageSize(10_000).build())
                .connect(server.address())
                .build());
    client.start();
    String key = RedisTests.keyOf(server.address());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    List<String> own = raw.redis().keys(key + ".conn.*");
    assertEquals(1, own.size(), "the client's own stream: " + own);
    List<Object[]> junk = junk(WireFrames.callHeader("echo", 1));
    long before = transport.droppedEntries();
    for (Object[] entry : junk) {
      raw.add(own.get(0), entry);
    }
    // A message with a peer id, as only a connecting side sends, is junk on a connecting side.
    raw.add(
        own.get(0), "hdr", WireFrames.callHeader("echo", 1), "msg", "x", "peer", "ab", "caps", "x");
    Await.until(
        "every junk entry dropped",
        () -> transport.droppedEntries() - before == junk.size() + 1,
        () -> (transport.droppedEntries() - before) + " dropped");
    assertEquals("fine", client.invokeAndWait("echo", "fine"));
    assertTrue(client.remote().isConnected());
  }

  @Test
  public void aWorkerDropsItemsWithoutHeaderOrBodyAndTakesTheNext() throws Exception {
    String address = redis.freshAddress("bad-items");
    PipelineReceiver w =
        closer.later(PipelineReceiver.builder().transport(transport).bind(address).build());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = RedisTests.keyOf(address);
    raw.add(key, "hdr", WireFrames.itemHeader(1, 1));
    raw.add(key, "msg", "x");
    raw.add(key, "meta", "m".repeat(100));
    raw.add(key, "hdr", WireFrames.itemHeader(1, 2), "msg", msgpack.encode("good"), "topic", "t");
    assertEquals("good", w.poll(Await.LIMIT).value());
    assertEquals(3, w.malformed());
  }
}
