package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.Body;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.InternalEntries;
import io.callosum.Limits;
import io.callosum.OrderKey;
import io.callosum.Peer;
import io.callosum.RemotePeer;
import io.callosum.StreamCall;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.testing.ErrorLog;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ManualTimer;
import io.callosum.testing.ThreadAllocation;
import io.callosum.upper.MsgpackCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of everything a remote reaches in the core (docs/FUZZING.md): a bound peer on a
 * lower that hands it the input's envelopes one by one, on the test's thread (handlers and
 * callbacks run there too, and time is a manual clock). The input picks what the remote announced,
 * the calls the peer makes to it first (unary, streams both ways, a big call in chunks), then a
 * sequence of envelopes (raw bytes, or headers and bodies that encode: calls to the peer's
 * handlers, replies, stream and chunk messages, cancels), steps of the clock and reads of the
 * peer's streams. Invariants: nothing is logged at ERROR (the core's catch of an unexpected
 * failure), what each step allocates is bounded by its bytes and the limits, everything the peer
 * sends decodes, and once the remote is gone every table is empty.
 */
class PeerFuzzTest {
  static final String[] METHODS = {"echo", "typed", "fail", "callback", "stream", "big", "m", "s"};
  private static final Limits LIMITS =
      Limits.builder()
          .maxMessageSize(64 << 10)
          .maxHeaderSize(1024)
          .maxOrderKeySize(64)
          .maxCallChain(4)
          .maxConcurrentCalls(4)
          .maxQueuedCalls(4)
          .maxPendingCalls(8)
          .maxBufferedBytes(256 << 10)
          .maxNesting(16)
          .build();
  private static final int CHUNK = 1024;

  /** One codec for every peer: its Jackson mapper is costly to make. */
  private static final MsgpackCodec CODEC = new MsgpackCodec(16);

  /**
   * What one step may allocate beyond its linear bound: Jackson's error messages, a clock step that
   * times out every call, a credit that releases a window of stream items. A size taken from the
   * input (up to 2^31) is far above it; classes loaded on a step's path do not count (see {@link
   * ThreadAllocation}), and the seeds are run first, unmeasured, to build Jackson's deserializers.
   */
  private static final long SLACK = 2 << 20;

  static {
    ErrorLog.install();
    try {
      for (byte[] seed : seedInputs().values()) {
        run(seed, false);
      }
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A record a handler decodes the body into. */
  record Sample(
      String name,
      long n,
      List<String> tags,
      byte[] blob,
      Map<String, Integer> attrs,
      Instant at) {}

  @FuzzTest
  void messages(byte[] data) throws Exception {
    run(data, true);
  }

  private static void run(byte[] data, boolean measure) throws Exception {
    long errors = ErrorLog.count();
    FuzzInput in = new FuzzInput(data);
    ManualTimer timer = new ManualTimer();
    OneLinkLower<RecordingLink> lower =
        new OneLinkLower<>("fuzz", new RecordingLink(capabilities(in.u8())));
    try (Peer peer =
        Peer.builder()
            .transport(lower)
            .bind("fuzz://peer")
            .codec(CODEC)
            .directExecutor()
            .timer(timer)
            .limits(LIMITS)
            .chunkSize(CHUNK)
            .streamWindow(4, 4096)
            .defaultTimeout(Duration.ofSeconds(5))
            .build()) {
      serve(peer);
      peer.start();
      lower.listener.connected(lower.link);
      RemotePeer remote = peer.remotes().get(0);
      List<StreamCall> streams = new ArrayList<>();
      for (int i = in.below(4); i > 0; i--) {
        call(remote, in.u8(), streams);
      }
      while (in.more()) {
        int left = in.remaining();
        ThreadAllocation.Mark mark = ThreadAllocation.mark();
        step(in, lower, timer, streams);
        // Per step (one envelope, a clock step, a read): garbage of drops and logs does not add up.
        if (measure) {
          mark.check(
              SLACK + 64L * (left - in.remaining()),
              "a step of " + (left - in.remaining()) + " input bytes");
        }
      }
      timer.advance(Duration.ofSeconds(60));
      lower.listener.disconnected(lower.link, new ConnectionLostException("the fuzz input ended"));
      timer.advance(Duration.ofSeconds(60));
      assertEquals(0, InternalEntries.of(peer), "tables hold nothing once the remote is gone");
      for (Envelope e : lower.link.sent) {
        sentDecodes(e);
      }
    }
    ErrorLog.assertNoneSince(errors);
  }

  private static Capabilities capabilities(int bits) {
    if ((bits & 0x80) != 0) {
      return Capabilities.LEGACY;
    }
    Set<String> features = new HashSet<>();
    String[] all = {
      Capabilities.CHAIN, Capabilities.STREAM, Capabilities.CHUNK, Capabilities.ORDERED
    };
    for (int i = 0; i < all.length; i++) {
      if ((bits & 1 << i) != 0) {
        features.add(all[i]);
      }
    }
    return new Capabilities(Capabilities.VERSION, 99, features);
  }

  private static void serve(Peer peer) {
    peer.handle("echo", (ctx, body) -> body.value());
    peer.handle("typed", Sample.class, (ctx, s) -> s);
    peer.handle(
        "fail",
        (ctx, body) -> {
          throw new IllegalStateException("failing as asked");
        });
    peer.handle("callback", (ctx, body) -> ctx.caller().invoke("m", body.value()));
    peer.handle("big", (ctx, body) -> new byte[3 * CHUNK]);
    peer.handleStream(
        "stream",
        (ctx, arg, upstream, downstream) -> {
          CompletableFuture<Object> done = new CompletableFuture<>();
          upstream
              .publisher()
              .subscribe(
                  new Flow.Subscriber<>() {
                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                      s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(Body item) {
                      downstream.offer(item.bytes());
                    }

                    @Override
                    public void onError(Throwable t) {
                      done.completeExceptionally(t);
                    }

                    @Override
                    public void onComplete() {
                      done.complete("done");
                    }
                  });
          return done;
        });
  }

  /** A call the peer makes to the remote before the remote's messages arrive. */
  private static void call(RemotePeer remote, int kind, List<StreamCall> streams) {
    switch (kind % 5) {
      case 0 -> remote.call("m").orderKey("k").invoke(List.of(1, "two"));
      case 1 -> streams.add(remote.call("s").bidiStream("both"));
      case 2 -> streams.add(remote.call("s").serverStream("down"));
      case 3 -> remote.call("big").compress((kind & 8) != 0).invoke(new byte[3 * CHUNK]);
      default -> {
        StreamCall c = remote.call("s").clientStream("up");
        try {
          c.upstream().offer("item");
        } catch (CallosumException e) {
          // documented: the call could not be made (a remote without streams)
        }
        streams.add(c);
      }
    }
  }

  private static void step(
      FuzzInput in, OneLinkLower<RecordingLink> lower, ManualTimer timer, List<StreamCall> streams)
      throws Exception {
    int op = in.u8();
    switch (op % 6) {
      case 0 -> lower.deliver(in.chunk(), in.chunk());
      case 1, 2 -> {
        Header h = header(in);
        byte[] meta = in.chunk();
        byte[] body = in.bool() ? null : in.chunk();
        lower.deliver(MessageCodec.encodeHeader(h), MessageCodec.encodeBody(meta, body, h.zip()));
      }
      case 3 -> timer.advance(Duration.ofMillis(100L * in.u16()));
      case 4 -> {
        if (!streams.isEmpty()) {
          StreamCall c = streams.get(in.below(streams.size()));
          try {
            switch (in.below(4)) {
              case 0 -> c.downstream().poll(Duration.ZERO);
              case 1 -> c.downstream().cancel();
              case 2 -> c.upstream().offer(in.chunk());
              default -> c.cancel();
            }
          } catch (CallosumException | IllegalStateException e) {
            // documented: a failed stream's read throws its failure; a send after the end throws
          }
        }
      }
      default -> lower.deliver(MessageCodec.encodeHeader(header(in)), in.chunk());
    }
  }

  /** A header that encodes, with a method of the peer's (mostly) and a small seq. */
  static Header header(FuzzInput in) {
    Header h = MessageCodecFuzzTest.header(in);
    int m = in.below(METHODS.length + 1);
    String method = m < METHODS.length ? METHODS[m] : h.method();
    long seq = in.bool() ? h.seq() : h.seq() & 7;
    return new Header(
        h.type(),
        method,
        h.orderKey(),
        seq,
        h.zip(),
        h.chain(),
        h.streams(),
        h.creditItems(),
        h.creditBytes(),
        h.chunkTotal() & 0xffff);
  }

  private static void sentDecodes(Envelope e) throws BadMessageException {
    Header h = MessageCodec.decodeHeader(e.header(), 1 << 20, 1024);
    if (h.type() == MessageType.CHUNK) {
      return; // a slice of a body frame
    }
    if (h.chunkTotal() > 0) {
      assertEquals(0, e.body().length, "a chunked message's own body is empty");
      return;
    }
    MessageCodec.decodeBody(e.body(), h.zip(), 1 << 30);
  }

  @Test
  void seeds() {
    FuzzSeeds.check(getClass(), Map.of("messages", seedInputs()));
  }

  static Map<String, byte[]> seedInputs() {
    MsgpackCodec codec = new MsgpackCodec();
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    // A Java remote calls echo, then cancels it; the peer's stream call gets an item, credit and an
    // end.
    byte[] echo =
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 1, false, List.of()));
    byte[] cancel =
        MessageCodec.encodeHeader(
            new Header(MessageType.CANCEL, "echo", OrderKey.NONE, 1, false, List.of()));
    Header streamCall =
        new Header(MessageType.FUNCTION, "s", OrderKey.NONE, 0, false, List.of(), 3, 4, 4096);
    seeds.put(
        "call-and-stream",
        new FuzzInput.Writer()
            .u8(0x07)
            .u8(1)
            .u8(1)
            .u8(0)
            .chunk(echo)
            .chunk(
                MessageCodec.encodeBody(MessageCodec.NO_META, codec.encode(Map.of("a", 1)), false))
            .u8(0)
            .chunk(cancel)
            .chunk(MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false))
            .u8(0)
            .chunk(
                MessageCodec.encodeHeader(
                    streamCall.stream(MessageType.STREAM_ITEM, Header.DOWNSTREAM, 0, 0)))
            .chunk(MessageCodec.encodeBody(MessageCodec.NO_META, codec.encode("tick"), false))
            .u8(0)
            .chunk(
                MessageCodec.encodeHeader(
                    streamCall.stream(MessageType.STREAM_CREDIT, Header.UPSTREAM, 2, 1024)))
            .chunk(MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false))
            .u8(0)
            .chunk(
                MessageCodec.encodeHeader(
                    streamCall.stream(MessageType.STREAM_END, Header.DOWNSTREAM, 0, 0)))
            .chunk(MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false))
            .u8(4)
            .u8(0)
            .u8(0)
            .toByteArray());
    // A big call announced in chunks, then its three chunks.
    Header big = new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 2, false, List.of());
    byte[] frame =
        MessageCodec.encodeBody(MessageCodec.NO_META, codec.encode(new byte[2500]), false);
    FuzzInput.Writer chunked =
        new FuzzInput.Writer()
            .u8(0x07)
            .u8(0)
            .u8(0)
            .chunk(MessageCodec.encodeHeader(big.chunked(frame.length)))
            .chunk(new byte[0]);
    for (int at = 0; at < frame.length; at += CHUNK) {
      chunked
          .u8(0)
          .chunk(MessageCodec.encodeHeader(big.stream(MessageType.CHUNK, Header.UPSTREAM, 0, 0)))
          .chunk(java.util.Arrays.copyOfRange(frame, at, Math.min(frame.length, at + CHUNK)));
    }
    seeds.put("chunked-call", chunked.toByteArray());
    // Python Callosum (no capabilities) calls typed and gets the peer's big result whole.
    Map<String, Object> sample = new LinkedHashMap<>();
    sample.put("name", "x");
    sample.put("n", 5);
    sample.put("tags", List.of("a"));
    byte[] typed =
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, "typed", OrderKey.of("k"), 3, false, List.of()));
    seeds.put(
        "legacy-typed",
        new FuzzInput.Writer()
            .u8(0x80)
            .u8(0)
            .u8(0)
            .chunk(typed)
            .chunk(MessageCodec.encodeBody(MessageCodec.NO_META, codec.encode(sample), false))
            .toByteArray());
    seeds.put("text", "FUNCTION echo".getBytes(StandardCharsets.US_ASCII));
    return seeds;
  }
}
