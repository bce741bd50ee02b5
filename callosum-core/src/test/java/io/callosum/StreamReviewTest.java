package io.callosum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.inproc.InProcessTransport;
import io.callosum.internal.Header;
import io.callosum.internal.MessageCodec;
import io.callosum.internal.MessageType;
import io.callosum.lower.Capabilities;
import io.callosum.pipe.Pipes;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.RawLink;
import io.callosum.upper.MsgpackCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Review of the stream, chunk and pipe commits: each test fails on the code under review. */
class StreamReviewTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final InProcessTransport transport = new InProcessTransport();

  @RegisterExtension final Closer closer = new Closer();

  private BoundPeer server(UnaryOperator<BoundPeer.Builder> config) {
    return closer.later(
        config
            .apply(
                Peer.builder()
                    .transport(transport)
                    .defaultTimeout(Await.LIMIT)
                    .bind("inproc://review-" + NAMES.incrementAndGet())
                    .name("server"))
            .build());
  }

  private ConnectedPeer client(Peer server, UnaryOperator<ConnectedPeer.Builder> config) {
    return closer
        .later(
            config
                .apply(
                    Peer.builder()
                        .transport(transport)
                        .defaultTimeout(Await.LIMIT)
                        .connect(server.address())
                        .name("client"))
                .build())
        .start();
  }

  /**
   * A stream item bigger than the receiver's message size limit is dropped by receive() with a
   * warning, and the stream goes on: the reader sees item 0, then item 2, no error. It must fail.
   */
  @Test
  void aStreamItemOverTheReceiversLimitFailsTheStreamInsteadOfVanishing() throws Exception {
    Peer server = server(b -> b);
    server.handleStream(
        "gap",
        (ctx, body, up, down) -> {
          down.send(Payload.wrap(new byte[] {0}));
          down.send(
              Payload.wrap(new byte[100 << 10])); // within the sender's limit, over the receiver's
          down.send(Payload.wrap(new byte[] {2}));
          return "sent 3";
        });
    server.start();
    ConnectedPeer client =
        client(server, b -> b.limits(Limits.builder().maxMessageSize(64 << 10).build()));
    StreamCall call = client.call("gap").serverStream(null);
    List<Integer> sizes = new ArrayList<>();
    CallosumException failure = null;
    try {
      Body b;
      while ((b = call.downstream().take()) != null) {
        sizes.add(b.bytes().length);
      }
    } catch (CallosumException e) {
      failure = e;
    }
    assertTrue(failure != null, "the stream lost an item silently: item sizes " + sizes);
  }

  /**
   * A stream call to a plain (unary) handler: the handler can never read its upstream, yet the
   * engine grants it a full window (128 items, 4 MiB) that sits in memory until the handler ends.
   */
  @Test
  void aUnaryHandlerGrantsNoUpstreamCredit() throws Exception {
    Peer server = server(b -> b);
    CountDownLatch release = new CountDownLatch(1);
    server.handle(
        "slow",
        (ctx, body) -> {
          release.await();
          return "ok";
        });
    server.start();
    ConnectedPeer client = client(server, b -> b);
    StreamCall call = client.call("slow").clientStream(null);
    int accepted = 0;
    try {
      while (accepted < 1000
          && call.upstream().send(Payload.wrap(new byte[64 << 10]), Duration.ofMillis(300))) {
        accepted++;
      }
    } catch (CallCancelledException expected) {
      // refused: fine
    }
    release.countDown();
    assertEquals(
        0,
        accepted,
        accepted + " items of 64 KiB were buffered for a handler that cannot read them");
  }

  /**
   * Upstream windows are not counted against Limits.maxBufferedBytes: 8 stream calls whose handlers
   * do not read yet make the server hold 8 x 1 MiB with a limit of 1 MiB.
   */
  @Test
  void upstreamWindowsCountAgainstMaxBufferedBytes() throws Exception {
    long limit = 1 << 20;
    Peer server =
        server(
            b ->
                b.streamWindow(128, 1 << 20)
                    .limits(Limits.builder().maxBufferedBytes(limit).build()));
    CountDownLatch release = new CountDownLatch(1);
    server.handleStream(
        "later",
        (ctx, body, up, down) -> {
          release.await();
          while (up.take() != null) {
            // drain
          }
          return "ok";
        });
    server.start();
    ConnectedPeer client = client(server, b -> b);
    long acceptedBytes = 0;
    List<StreamCall> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      StreamCall call = client.call("later").clientStream(null);
      calls.add(call);
      try {
        while (call.upstream().send(Payload.wrap(new byte[64 << 10]), Duration.ofMillis(200))) {
          acceptedBytes += 64 << 10;
        }
      } catch (CallCancelledException refused) {
        // refused (e.g. overloaded): fine
      }
    }
    release.countDown();
    for (StreamCall c : calls) {
      c.upstream().complete();
    }
    assertTrue(
        acceptedBytes <= limit + 8 * (64 << 10),
        "the server buffered "
            + (acceptedBytes >> 10)
            + " KiB of upstream items with maxBufferedBytes "
            + (limit >> 10)
            + " KiB");
  }

  /**
   * A remote that announced nothing (Python) sends a FUNCTION with chk: the engine accepts the
   * extension and answers with a CHUNK_CREDIT (type 12), which a Python peer must never receive.
   */
  @Test
  void aLegacyRemoteIsNeverSentChunkCredit() throws Exception {
    Peer server = server(b -> b);
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    RawLink python =
        closer.later(RawLink.connect(transport, server.address(), Capabilities.LEGACY));
    Header echo = new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 1, false, List.of());
    python.send(MessageCodec.encodeHeader(echo.chunked(1000)), new byte[0]);
    Header reply = python.nextHeader();
    assertTrue(
        reply.type().code <= 6, "a legacy remote was sent a message of type " + reply.type());
  }

  /**
   * Pipes on a host with KEY_SERIALIZED ordering: both ends are called with the same (empty) order
   * key, so the reader's call waits behind the writer's, which waits for the reader: deadlock.
   */
  @Test
  void pipesWorkOnAKeySerializedHost() throws Exception {
    Peer host = server(b -> b.ordering(Ordering.KEY_SERIALIZED));
    Pipes.host(host);
    host.start();
    ConnectedPeer w = client(host, b -> b.defaultTimeout(null));
    ConnectedPeer r = client(host, b -> b.defaultTimeout(null));
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try (OutputStream out = Pipes.openOutput(w, "serialized")) {
                out.write(new byte[] {1, 2, 3});
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            closer.executor("pipe-writer"));
    CompletableFuture<byte[]> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = Pipes.openInput(r, "serialized")) {
                return in.readAllBytes();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            closer.executor("pipe-reader"));
    assertArrayEquals(new byte[] {1, 2, 3}, Await.result(reader));
    Await.result(writer);
  }

  /**
   * Under KEY_RETURN_ORDERED a pipe writer waiting for its reader holds back the replies of every
   * later call on the default order key, from any caller: an unrelated echo waits for the pipe.
   */
  @Test
  void aWaitingPipeWriterDoesNotHoldBackOtherCallsReplies() throws Exception {
    Peer host = server(b -> b.ordering(Ordering.KEY_RETURN_ORDERED));
    Pipes.host(host);
    host.handle("echo", (ctx, body) -> body.value());
    host.start();
    ConnectedPeer w = client(host, b -> b.defaultTimeout(null));
    Pipes.openOutput(w, "nobody-reads"); // never closed: the host only ever sees its writer
    Await.until("the writer's call is being served", () -> InternalEntries.of(host) > 0);
    ConnectedPeer other = client(host, b -> b);
    assertEquals(
        "hello",
        Await.result(other.call("echo").invoke("hello")),
        "an unrelated call waited for the pipe");
  }

  /**
   * The reader has gone, then the writer writes its last bytes and closes: close() returns as if
   * everything had been read (the host answers "reader gone" as a success). A broken pipe must be
   * reported.
   */
  @Test
  void closingAPipeWhoseReaderHasGoneReportsABrokenPipe() throws Exception {
    Peer host = server(b -> b);
    Pipes.host(host);
    host.start();
    ConnectedPeer w = client(host, b -> b.defaultTimeout(null));
    ConnectedPeer r = client(host, b -> b.defaultTimeout(null));
    OutputStream out = Pipes.openOutput(w, "gone");
    InputStream in = Pipes.openInput(r, "gone");
    out.write(new byte[10]);
    out.flush();
    assertEquals(10, in.readNBytes(10).length);
    int bothAttached = InternalEntries.of(host);
    in.close(); // the reader goes away
    Await.until(
        "the host has seen the reader go",
        () -> InternalEntries.of(host) < bothAttached,
        () -> InternalEntries.of(host) + " entries, " + bothAttached + " with both ends");
    out.write(new byte[10]); // never read by anyone
    assertThrows(
        IOException.class, out::close, "the writer was not told that its last bytes went nowhere");
  }

  /**
   * One program writes a pipe again and again, another reads it again and again (each opening its
   * end as soon as it is done with the previous one). The host clears the reader of a pipe only
   * when the reader's handler wakes up, so a new reader is refused "busy" and a new writer may be
   * joined to the finished reader.
   */
  @Test
  void aPipeNameCanBeReusedAtOnce() throws Exception {
    Peer host = server(b -> b);
    Pipes.host(host);
    host.start();
    ConnectedPeer w = client(host, b -> b.defaultTimeout(null));
    ConnectedPeer r = client(host, b -> b.defaultTimeout(null));
    int rounds = 300;
    AtomicInteger wrote = new AtomicInteger();
    AtomicInteger read = new AtomicInteger();
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < rounds; i++) {
                try (OutputStream out = Pipes.openOutput(w, "again")) {
                  out.write(new byte[] {(byte) i});
                } catch (IOException e) {
                  throw new IllegalStateException("writer, round " + i + ": " + e.getMessage(), e);
                }
                wrote.incrementAndGet();
              }
            },
            closer.executor("pipe-writer"));
    CompletableFuture<Void> reader =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < rounds; i++) {
                try (InputStream in = Pipes.openInput(r, "again")) {
                  byte[] got = in.readAllBytes();
                  if (got.length != 1 || got[0] != (byte) i) {
                    throw new IllegalStateException(
                        "reader, round " + i + ": read " + Arrays.toString(got));
                  }
                } catch (IOException e) {
                  throw new IllegalStateException("reader, round " + i + ": " + e.getMessage(), e);
                }
                read.incrementAndGet();
              }
            },
            closer.executor("pipe-reader"));
    try {
      CompletableFuture.allOf(writer, reader).get(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      StringBuilder sb = new StringBuilder();
      Thread.getAllStackTraces()
          .forEach(
              (t, st) -> {
                if (t.getName().contains("handler") || t.getName().startsWith("pipe")) {
                  sb.append(t.getName()).append('\n');
                  for (int k = 0; k < Math.min(8, st.length); k++) {
                    sb.append("    ").append(st[k]).append('\n');
                  }
                }
              });
      String why =
          reader.isCompletedExceptionally()
              ? reader.handle((v, x) -> String.valueOf(x)).join()
              : writer.isCompletedExceptionally()
                  ? writer.handle((v, x) -> String.valueOf(x)).join()
                  : "both blocked";
      throw new AssertionError(
          "stuck: writer finished " + wrote + " rounds, reader " + read + ": " + why + "\n" + sb);
    } catch (ExecutionException e) {
      throw new AssertionError(
          "writer finished " + wrote + " rounds, reader " + read + ": " + e.getCause(),
          e.getCause());
    }
  }

  /**
   * A caller that announces chunks and never grants chunk credit makes the server keep every big
   * result it answers, without bound: 40 calls of 1 MiB results are held with maxBufferedBytes 4
   * MiB.
   */
  @Test
  void chunkedResultsThatGetNoCreditAreBounded() throws Exception {
    Peer server = server(b -> b.limits(Limits.builder().maxBufferedBytes(4 << 20).build()));
    server.handle("big", (ctx, body) -> Payload.wrap(new byte[1 << 20]));
    server.start();
    Capabilities javaCaps =
        new Capabilities(Capabilities.VERSION, 78, Set.of(Capabilities.STREAM, Capabilities.CHUNK));
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), javaCaps));
    for (int i = 0; i < 40; i++) {
      raw.sendCall("big", OrderKey.NONE, i, new MsgpackCodec().encode(null));
    }
    for (int i = 0; i < 40; i++) {
      Header h = raw.nextHeader(); // announcements or refusals; no credit is ever granted
      assertNotEquals(MessageType.CHUNK, h.type());
    }
    // Handlers finish just after their replies leave: wait for that, then only held transfers are
    // left.
    Await.until(
        "the server holds at most 4 MiB of results for a caller that grants no credit (3 transfers"
            + " + the byte count)",
        () -> InternalEntries.of(server) <= 4,
        () -> InternalEntries.of(server) + " entries, each transfer holding 1 MiB");
  }

  /**
   * Under KEY_SERIALIZED (and KEY_RETURN_ORDERED) replies of one key leave in arrival order. A
   * chunked RESULT only announces itself in order; the next call's small RESULT then arrives whole
   * before the big one's chunks, so the caller gets the later reply first.
   */
  @Test
  void aChunkedReplyIsNotOvertakenByALaterReplyOnItsKey() throws Exception {
    Peer server = server(b -> b.ordering(Ordering.KEY_SERIALIZED).chunkSize(64 << 10));
    server.handle("big", (ctx, body) -> Payload.wrap(new byte[1 << 20]));
    server.handle("small", (ctx, body) -> "small");
    server.start();
    Capabilities javaCaps =
        new Capabilities(Capabilities.VERSION, 79, Set.of(Capabilities.STREAM, Capabilities.CHUNK));
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), javaCaps));
    raw.sendCall("big", OrderKey.NONE, 1, new MsgpackCodec().encode(null));
    raw.sendCall("small", OrderKey.NONE, 2, new MsgpackCodec().encode(null));
    Header first = raw.nextHeader();
    assertEquals(1, first.seq(), "the first reply is the first call's");
    if (first.chunkTotal() > 0) {
      // No chunk credit granted yet: the big reply is incomplete, so nothing of call 2 may arrive.
      Await.holds(
          "the second call's reply waits for the first one's chunks",
          () -> raw.backlog() == 0,
          Duration.ofMillis(300));
    }
  }

  /**
   * The same for requests: under KEY_SERIALIZED a big call sent in chunks, then a small call on the
   * same key, run small first (the small one arrives whole while the big one's chunks travel).
   */
  @Test
  void aChunkedCallIsNotOvertakenByALaterCallOnItsKey() throws Exception {
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    Peer server = server(b -> b.ordering(Ordering.KEY_SERIALIZED));
    server.handle(
        "log",
        (ctx, body) -> {
          ran.add(body.bytes().length > 1000 ? "big" : "small");
          return null;
        });
    server.start();
    ConnectedPeer client = client(server, b -> b.chunkSize(64 << 10));
    CompletableFuture<Object> big =
        client.call("log").orderKey("k").invoke(Payload.wrap(new byte[1 << 20]));
    CompletableFuture<Object> small =
        client.call("log").orderKey("k").invoke(Payload.wrap(new byte[1]));
    Await.result(big);
    Await.result(small);
    assertEquals(
        List.of("big", "small"), ran, "calls on one key ran out of the order they were made");
  }

  /**
   * An output stream whose close() could not send its last bytes (here the writer is interrupted)
   * still completes the stream: the reader reads a cut-short stream as a complete one.
   */
  @Test
  void anOutputStreamCutShortIsNotReadAsComplete() throws Exception {
    Peer server = server(b -> b);
    server.handleStream(
        "cut",
        (ctx, body, up, down) -> {
          OutputStream out = down.outputStream(1024);
          out.write(new byte[1024]); // a full piece: sent
          out.write(new byte[10]); // gathered, sent by close()
          Thread.currentThread().interrupt(); // e.g. the writer's executor is shut down
          try {
            out.close();
          } catch (IOException expected) {
            Thread.interrupted();
          }
          return "ok";
        });
    server.start();
    ConnectedPeer client = client(server, b -> b);
    StreamCall call = client.call("cut").serverStream(null);
    InputStream in = call.downstream().inputStream();
    assertThrows(
        IOException.class,
        in::readAllBytes,
        "the last 10 bytes were lost, and the reader saw a clean end");
  }
}
