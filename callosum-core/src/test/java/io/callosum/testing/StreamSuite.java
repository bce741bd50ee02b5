package io.callosum.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.CallCancelledException;
import io.callosum.CallTimeoutException;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.ErrorCode;
import io.callosum.Futures;
import io.callosum.InternalEntries;
import io.callosum.Limits;
import io.callosum.MessageTooLargeException;
import io.callosum.OrderKey;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.StreamCall;
import io.callosum.StreamSource;
import io.callosum.UnsupportedByRemoteException;
import io.callosum.internal.Header;
import io.callosum.internal.MessageCodec;
import io.callosum.internal.MessageType;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Transport;
import io.callosum.pipe.PipeDescriptor;
import io.callosum.pipe.PipeDescriptor.Mode;
import io.callosum.pipe.Pipes;
import io.callosum.upper.MsgpackCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streams inside calls, over the lower under test: the three shapes, order, completion and failure
 * in the one error family, cancellation from either side, credit-based flow control (a slow reader
 * bounds what is in flight), the Flow and byte-stream views, refusal towards a remote without
 * streams, and bad stream messages.
 *
 * <p>A lower's test subclasses this with {@link #transport()} and a fresh {@link #bindAddress()}.
 */
public abstract class StreamSuite {
  protected abstract Transport transport();

  protected abstract String bindAddress();

  @RegisterExtension protected final Closer closer = new Closer();

  protected Peer.Builder base() {
    return Peer.builder().transport(transport()).defaultTimeout(Await.LIMIT);
  }

  protected BoundPeer server(UnaryOperator<BoundPeer.Builder> config) {
    BoundPeer p = closer.later(config.apply(base().bind(bindAddress()).name("server")).build());
    // Sends {n} numbers, then returns "sent n".
    p.handleStream(
        "count",
        (ctx, body, up, down) -> {
          int n = ((Number) body.value()).intValue();
          for (int i = 0; i < n; i++) {
            down.send(i);
          }
          return "sent " + n;
        });
    // Adds what comes upstream.
    p.handleStream(
        "sum",
        (ctx, body, up, down) -> {
          long sum = 0;
          Body b;
          while ((b = up.take()) != null) {
            sum += ((Number) b.value()).longValue();
          }
          return sum;
        });
    // Sends back every upstream item doubled; returns how many.
    p.handleStream(
        "double",
        (ctx, body, up, down) -> {
          int n = 0;
          Body b;
          while ((b = up.take()) != null) {
            down.send(((Number) b.value()).longValue() * 2);
            n++;
          }
          return n;
        });
    return p.start();
  }

  protected BoundPeer server() {
    return server(b -> b);
  }

  protected ConnectedPeer client(Peer server, UnaryOperator<ConnectedPeer.Builder> config) {
    return closer
        .later(config.apply(base().connect(server.address()).name("client")).build())
        .start();
  }

  protected ConnectedPeer client(Peer server) {
    return client(server, b -> b);
  }

  private static List<Long> drain(StreamSource s) throws InterruptedException {
    List<Long> out = new ArrayList<>();
    Body b;
    while ((b = s.take()) != null) {
      out.add(((Number) b.value()).longValue());
      assertTrue(out.size() <= 1_000_000, "the stream never ends");
    }
    return out;
  }

  private static List<Long> range(long n) {
    List<Long> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  // ------------------------------------------------------------------ the three shapes

  @Test
  public void serverStreamDeliversItemsInOrderThenTheResult() throws Exception {
    ConnectedPeer client = client(server());
    StreamCall call = client.call("count").serverStream(1000);
    assertEquals(range(1000), drain(call.downstream()));
    assertEquals("sent 1000", Await.result(call.result()));
    assertTrue(call.downstream().isEnded());
    assertThrows(
        IllegalStateException.class,
        () -> call.upstream().offer(1),
        "a server stream has no upstream");
  }

  @Test
  public void clientStreamReachesTheHandler() throws Exception {
    ConnectedPeer client = client(server());
    StreamCall call = client.call("sum").clientStream(null);
    for (int i = 1; i <= 1000; i++) {
      call.upstream().send(i);
    }
    call.upstream().complete();
    assertEquals(500_500L, ((Number) Await.result(call.result())).longValue());
    assertNull(call.downstream().take(), "a client stream has an empty downstream");
  }

  @Test
  public void bidiStreamsRunBothWaysAtOnce() throws Exception {
    ConnectedPeer client = client(server());
    StreamCall call = client.call("double").bidiStream(null);
    CompletableFuture<List<Long>> read =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return drain(call.downstream());
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            },
            closer.executor("stream-reader"));
    for (long i = 0; i < 2000; i++) {
      call.upstream().send(i);
    }
    call.upstream().complete();
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 2000; i++) {
      expected.add(2 * i);
    }
    assertEquals(expected, Await.result(read));
    assertEquals(2000, ((Number) Await.result(call.result())).intValue());
  }

  @Test
  public void manyStreamCallsRunSideBySide() throws Exception {
    ConnectedPeer client = client(server());
    List<StreamCall> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(client.call("count").serverStream(100 + i));
    }
    for (int i = 0; i < 20; i++) {
      assertEquals(range(100 + i), drain(calls.get(i).downstream()));
      assertEquals("sent " + (100 + i), Await.result(calls.get(i).result()));
    }
  }

  // ------------------------------------------------------------------ ends and failures

  @Test
  public void aFailingHandlerEndsTheDownstreamWithItsError() throws Exception {
    Peer server = server();
    server.handleStream(
        "threeThenFail",
        (ctx, body, up, down) -> {
          for (int i = 0; i < 3; i++) {
            down.send(i);
          }
          throw new IllegalStateException("failing on purpose after 3 items");
        });
    StreamCall call = client(server).call("threeThenFail").serverStream(null);
    for (long i = 0; i < 3; i++) {
      assertEquals(i, ((Number) call.downstream().take().value()).longValue());
    }
    RemoteUserException e = assertThrows(RemoteUserException.class, () -> call.downstream().take());
    assertTrue(e.getMessage().contains("failing on purpose"), e.getMessage());
    assertInstanceOf(RemoteUserException.class, Await.failure(call.result()));
  }

  @Test
  public void aSenderMayFailItsStreamAndTheReaderSeesIt() throws Exception {
    Peer server = server();
    server.handleStream(
        "readAll",
        (ctx, body, up, down) -> {
          int n = 0;
          try {
            while (up.take() != null) {
              n++;
            }
            return "completed after " + n;
          } catch (RemoteUserException e) {
            return "failed after " + n + ": " + e.remoteName();
          }
        });
    StreamCall call = client(server).call("readAll").clientStream(null);
    call.upstream().send("a");
    call.upstream().send("b");
    call.upstream().fail(new IllegalArgumentException("bad input"));
    assertEquals("failed after 2: java.lang.IllegalArgumentException", Await.result(call.result()));
    call.upstream().fail(new IllegalArgumentException("ignored once ended"));
    assertThrows(
        IllegalStateException.class, () -> call.upstream().offer("c"), "nothing after the end");
  }

  @Test
  public void aHandlerThatReturnsEarlyStopsItsUpstream() throws Exception {
    Peer server = server();
    server.handleStream("firstOnly", (ctx, body, up, down) -> up.take().value());
    StreamCall call = client(server, b -> b).call("firstOnly").clientStream(null);
    call.upstream().send("first");
    assertEquals("first", Await.result(call.result()));
    Await.until("the upstream is stopped", () -> call.upstream().isCancelled());
    assertThrows(CallCancelledException.class, () -> call.upstream().send("more"));
  }

  @Test
  public void sendingDownstreamWithoutOneFailsClearly() throws Exception {
    Peer server = server();
    server.handleStream(
        "tryDown",
        (ctx, body, up, down) -> {
          try {
            down.offer(1);
            return "sent";
          } catch (IllegalStateException e) {
            return "refused: " + e.getMessage();
          }
        });
    ConnectedPeer client = client(server);
    String r = (String) Await.result(client.call("tryDown").clientStream(null).result());
    assertTrue(r.startsWith("refused: the caller opened no downstream"), r);
    r = (String) client.call("tryDown").invokeAndWait(null);
    assertTrue(
        r.startsWith("refused: the caller opened no downstream"),
        "a unary call to a stream handler: " + r);
  }

  // ------------------------------------------------------------------ cancellation

  @Test
  public void cancellingTheDownstreamStopsTheSenderButNotTheCall() throws Exception {
    Peer server = server();
    server.handleStream(
        "endless",
        (ctx, body, up, down) -> {
          long n = 0;
          try {
            while (n < 10_000_000) {
              down.send(n++);
            }
            return "never cancelled";
          } catch (CallCancelledException e) {
            return "stopped";
          }
        });
    StreamCall call = client(server).call("endless").serverStream(null);
    for (int i = 0; i < 10; i++) {
      assertEquals(i, ((Number) call.downstream().take().value()).intValue());
    }
    call.downstream().cancel();
    assertNull(call.downstream().take(), "a cancelled stream reads as ended");
    assertEquals("stopped", Await.result(call.result()));
  }

  @Test
  public void cancellingTheCallEndsBothStreamsAndTheHandler() throws Exception {
    Peer server = server();
    CountDownLatch running = new CountDownLatch(1);
    AtomicReference<Throwable> handlerSaw = new AtomicReference<>();
    CountDownLatch handlerDone = new CountDownLatch(1);
    server.handleStream(
        "wait",
        (ctx, body, up, down) -> {
          running.countDown();
          try {
            return up.take();
          } catch (Throwable t) {
            handlerSaw.set(t);
            throw t;
          } finally {
            handlerDone.countDown();
          }
        });
    StreamCall call = client(server).call("wait").bidiStream(null);
    assertTrue(running.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(call.cancel());
    assertThrows(CallCancelledException.class, () -> call.downstream().take());
    assertThrows(CallCancelledException.class, () -> call.upstream().send(1));
    assertTrue(
        handlerDone.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS),
        "the handler was not stopped");
    assertTrue(
        handlerSaw.get() instanceof InterruptedException
            || handlerSaw.get() instanceof CallCancelledException,
        String.valueOf(handlerSaw.get()));
  }

  @Test
  public void aTimeoutEndsTheStreams() throws Exception {
    Peer server = server();
    server.handleStream(
        "hang",
        (ctx, body, up, down) -> {
          down.send("first");
          return up.take(); // the caller never sends
        });
    ManualTimer timer = new ManualTimer();
    StreamCall call =
        client(server, b -> b.timer(timer))
            .call("hang")
            .timeout(Duration.ofMillis(200))
            .bidiStream(null);
    assertEquals("first", call.downstream().take().value());
    Await.until("the call's timeout is scheduled", () -> timer.scheduled() > 0);
    timer.advance(Duration.ofMillis(200));
    assertThrows(CallTimeoutException.class, () -> call.downstream().take());
    assertInstanceOf(CallTimeoutException.class, Await.failure(call.result()));
  }

  @Test
  public void losingTheConnectionEndsTheStreams() throws Exception {
    Peer server = server();
    CountDownLatch running = new CountDownLatch(1);
    server.handleStream(
        "hold",
        (ctx, body, up, down) -> {
          running.countDown();
          return up.take();
        });
    StreamCall call = client(server).call("hold").bidiStream(null);
    assertTrue(running.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    server.close();
    CallosumException e = assertThrows(CallosumException.class, () -> call.downstream().take());
    assertTrue(
        e.code() == ErrorCode.CONNECTION_LOST || e.code() == ErrorCode.CANCELLED, e.toString());
    assertThrows(CallosumException.class, () -> Futures_await(call.result()));
  }

  private static Object Futures_await(CompletableFuture<Object> f) {
    return Futures.await(f);
  }

  // ------------------------------------------------------------------ flow control

  /** A reader that does not read holds the sender at the window: nothing piles up. */
  @Test
  public void aReaderThatStopsReadingStopsTheSender() throws Exception {
    Peer server = server();
    AtomicLong sent = new AtomicLong();
    server.handleStream(
        "flood",
        (ctx, body, up, down) -> {
          for (int i = 0; i < 1000; i++) {
            down.send(i);
            sent.incrementAndGet();
          }
          return "done";
        });
    ConnectedPeer client = client(server, b -> b.streamWindow(8, 1 << 20));
    StreamCall call = client.call("flood").serverStream(null);
    Await.until("the sender used its credit", () -> sent.get() == 8, () -> sent.get() + " sent");
    Await.holds(
        "the sender stays at the reader's window of 8",
        () -> sent.get() == 8 && call.downstream().buffered() <= 8,
        Duration.ofMillis(200));
    assertEquals(range(1000), drain(call.downstream()));
    assertEquals("done", Await.result(call.result()));
  }

  /** Byte credit bounds big items too: one item may overdraw it, then the sender waits. */
  @Test
  public void byteCreditBoundsBigItems() throws Exception {
    Peer server = server();
    AtomicLong sent = new AtomicLong();
    server.handleStream(
        "big",
        (ctx, body, up, down) -> {
          for (int i = 0; i < 50; i++) {
            down.send(Payload.wrap(new byte[10_000]));
            sent.incrementAndGet();
          }
          return "done";
        });
    ConnectedPeer client = client(server, b -> b.streamWindow(1000, 25_000));
    StreamCall call = client.call("big").serverStream(null);
    Await.until(
        "the sender used its byte credit", () -> sent.get() == 3, () -> sent.get() + " sent");
    Await.holds(
        "25,000 bytes of credit let 3 items of 10,000 go (the third overdraws), no more",
        () -> sent.get() == 3,
        Duration.ofMillis(100));
    int n = 0;
    while (call.downstream().take() != null) {
      n++;
    }
    assertEquals(50, n);
  }

  /** offer() refuses without credit instead of waiting; send with a timeout gives up. */
  @Test
  public void offerRefusesWithoutCredit() throws Exception {
    Peer server = server();
    CompletableFuture<String> outcome = new CompletableFuture<>();
    CountDownLatch release = new CountDownLatch(1);
    server.handleStream(
        "offers",
        (ctx, body, up, down) -> {
          int accepted = 0;
          while (down.offer(accepted)) {
            accepted++;
            if (accepted > 100) {
              break;
            }
          }
          boolean late = down.send("late", Duration.ofMillis(50));
          outcome.complete(
              accepted + " accepted, credit " + down.credit() + ", timed send " + late);
          release.await();
          return "ok";
        });
    ConnectedPeer client = client(server, b -> b.streamWindow(4, 1 << 20));
    StreamCall call = client.call("offers").serverStream(null);
    assertEquals("4 accepted, credit 0, timed send false", Await.result(outcome));
    release.countDown();
    assertEquals(range(4), drain(call.downstream()));
    assertEquals("ok", Await.result(call.result()));
  }

  /** A big stream through a slow reader: what is in flight never exceeds the window. */
  @Test
  public void aLargeStreamThroughASlowReaderStaysWithinTheWindow() throws Exception {
    int itemSize = 64 << 10;
    int items = largeStreamItems();
    long window = 1 << 20;
    Peer server = server();
    AtomicLong sentBytes = new AtomicLong();
    server.handleStream(
        "bulk",
        (ctx, body, up, down) -> {
          byte[] chunk = new byte[itemSize];
          for (int i = 0; i < items; i++) {
            ByteBuffer.wrap(chunk).putInt(i);
            down.send(Payload.wrap(chunk));
            sentBytes.addAndGet(itemSize);
          }
          return "done";
        });
    ConnectedPeer client = client(server, b -> b.streamWindow(64, window));
    StreamCall call = client.call("bulk").serverStream(null);
    long taken = 0;
    long maxInFlight = 0;
    Body b;
    int i = 0;
    while ((b = call.downstream().take()) != null) {
      assertEquals(i, ByteBuffer.wrap(b.bytes()).getInt(), "items out of order");
      i++;
      taken += b.bytes().length;
      maxInFlight = Math.max(maxInFlight, sentBytes.get() - taken);
      if (i % 64 == 0) {
        Thread.sleep(1); // a slow reader
      }
    }
    assertEquals(items, i);
    assertTrue(
        maxInFlight <= window + itemSize, "in flight " + maxInFlight + " bytes, window " + window);
    assertEquals("done", Await.result(call.result()));
  }

  /** Items of the large-stream test (64 KiB each). */
  protected int largeStreamItems() {
    return 1024; // 64 MiB
  }

  // ------------------------------------------------------------------ Flow and byte views

  @Test
  public void flowPublisherAndSubscriberViews() throws Exception {
    ConnectedPeer client = client(server());
    // Downstream as a Flow.Publisher, requested one at a time.
    StreamCall call = client.call("count").serverStream(300);
    List<Long> got = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    call.downstream()
        .publisher()
        .subscribe(
            new Flow.Subscriber<Body>() {
              private Flow.Subscription s;

              @Override
              public void onSubscribe(Flow.Subscription s) {
                this.s = s;
                s.request(1);
              }

              @Override
              public void onNext(Body item) {
                got.add(((Number) item.value()).longValue());
                s.request(1);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                done.complete(null);
              }
            });
    Await.result(done);
    assertEquals(range(300), got);
    // Upstream fed by a Flow.Publisher.
    StreamCall sum = client.call("sum").clientStream(null);
    try (SubmissionPublisher<Object> publisher =
        new SubmissionPublisher<>(closer.executor("publisher"), 16)) {
      publisher.subscribe(sum.upstream().subscriber());
      for (int i = 1; i <= 500; i++) {
        publisher.submit(i);
      }
    } // close() completes the stream
    assertEquals(125_250L, ((Number) Await.result(sum.result())).longValue());
  }

  @Test
  public void byteStreamsCarryBytesExactly() throws Exception {
    Peer server = server();
    server.handleStream(
        "sha256",
        (ctx, body, up, down) -> {
          MessageDigest md = MessageDigest.getInstance("SHA-256");
          try (InputStream in = up.inputStream()) {
            byte[] buf = new byte[7919];
            int n;
            while ((n = in.read(buf)) != -1) {
              md.update(buf, 0, n);
            }
          }
          return md.digest();
        });
    server.handleStream(
        "bytes",
        (ctx, body, up, down) -> {
          int n = ((Number) body.value()).intValue();
          byte[] data = new byte[n];
          new Random(n).nextBytes(data);
          try (OutputStream out = down.outputStream(16 << 10)) {
            out.write(data, 0, n / 3);
            out.write(data, n / 3, n - n / 3);
          }
          return "ok";
        });
    ConnectedPeer client = client(server);
    byte[] data = new byte[1 << 20];
    new Random(42).nextBytes(data);
    StreamCall up = client.call("sha256").clientStream(null);
    try (OutputStream out = up.upstream().outputStream(10_000)) {
      for (int off = 0; off < data.length; off += 4096) {
        out.write(data, off, Math.min(4096, data.length - off));
      }
    }
    byte[] digest = ((byte[]) Await.result(up.result()));
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), digest);

    StreamCall down = client.call("bytes").serverStream(300_001);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (InputStream in = down.downstream().inputStream()) {
      in.transferTo(got);
      assertEquals(-1, in.read(), "-1 after the writer closed");
    }
    byte[] expected = new byte[300_001];
    new Random(300_001).nextBytes(expected);
    assertArrayEquals(expected, got.toByteArray());
    assertEquals("ok", Await.result(down.result()));
  }

  @Test
  public void writingAfterTheReaderHasGoneIsABrokenPipe() throws Exception {
    Peer server = server();
    CompletableFuture<String> writer = new CompletableFuture<>();
    server.handleStream(
        "write",
        (ctx, body, up, down) -> {
          try (OutputStream out = down.outputStream(1024)) {
            for (int i = 0; i < 1_000_000; i++) {
              out.write(new byte[1024]);
            }
            writer.complete("wrote everything");
          } catch (IOException e) {
            writer.complete(e.getMessage());
          }
          return "ok";
        });
    StreamCall call = client(server).call("write").serverStream(null);
    InputStream in = call.downstream().inputStream();
    assertEquals(1024, in.readNBytes(1024).length);
    in.close(); // the reader goes away
    String outcome = Await.result(writer);
    assertTrue(outcome.startsWith("broken pipe"), outcome);
  }

  // ------------------------------------------------------------------ refusal and bad input

  /** A remote that announced nothing (Python Callosum) is never sent a stream call. */
  @Test
  public void streamsToALegacyRemoteAreRefusedLocally() throws Exception {
    RawLink python = closer.later(RawLink.bind(transport(), bindAddress(), Capabilities.LEGACY));
    ConnectedPeer client = closer.later(base().connect(python.address()).build()).start();
    StreamCall call = client.call("count").serverStream(3);
    assertInstanceOf(UnsupportedByRemoteException.class, Await.failure(call.result()));
    assertThrows(UnsupportedByRemoteException.class, () -> call.downstream().take());
    assertThrows(CallCancelledException.class, () -> call.upstream().send(1));
    assertEquals(ErrorCode.UNSUPPORTED, ((CallosumException) Await.failure(call.result())).code());
    client.call("echo").invoke("unary still works");
    assertEquals(
        "FUNCTION",
        String.valueOf(python.nextHeader().type()),
        "only the unary call reached the legacy remote");
    assertEquals(0, python.backlog());
  }

  private static final Capabilities JAVA =
      new Capabilities(Capabilities.VERSION, 77, Set.of(Capabilities.CHAIN, Capabilities.STREAM));

  /** A Java peer that announces chunks too: chunked messages are refused from any other. */
  private static final Capabilities JAVA_CHUNKS =
      new Capabilities(
          Capabilities.VERSION,
          78,
          Set.of(Capabilities.CHAIN, Capabilities.STREAM, Capabilities.CHUNK));

  private static Header streamCall(String method, long seq, int streams) {
    return new Header(
        MessageType.FUNCTION, method, OrderKey.NONE, seq, false, List.of(), streams, 0, 0);
  }

  private static void sendItem(RawLink raw, Header call, byte[] body) throws Exception {
    raw.send(
        MessageCodec.encodeHeader(call.stream(MessageType.STREAM_ITEM, Header.UPSTREAM, 0, 0)),
        MessageCodec.encodeBody(MessageCodec.NO_META, body, false));
  }

  /**
   * A remote that sends beyond the credit it was granted is cut off: its stream fails with "bad
   * message", it is told to stop (STREAM_CANCEL), and the handler sees the failure; nothing beyond
   * the window was buffered.
   */
  @Test
  public void aSenderThatIgnoresCreditIsCutOff() throws Exception {
    Peer server = server(b -> b.streamWindow(4, 1 << 20));
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger bufferedAtMost = new AtomicInteger();
    server.handleStream(
        "collect",
        (ctx, body, up, down) -> {
          go.await();
          bufferedAtMost.set(up.buffered());
          int n = 0;
          try {
            while (up.take() != null) {
              n++;
            }
            return "completed after " + n;
          } catch (CallosumException e) {
            return "cut off after " + n + ": " + e.code();
          }
        });
    RawLink raw = closer.later(RawLink.connect(transport(), server.address(), JAVA));
    Header call = streamCall("collect", 1, Header.UPSTREAM);
    raw.send(
        MessageCodec.encodeHeader(call),
        MessageCodec.encodeBody(MessageCodec.NO_META, new MsgpackCodec().encode(null), false));
    Header credit = raw.nextHeader();
    assertEquals(MessageType.STREAM_CREDIT, credit.type());
    assertEquals(4, credit.creditItems());
    byte[] item = new MsgpackCodec().encode("x");
    for (int i = 0; i < 6; i++) {
      sendItem(raw, call, item); // two more than granted
    }
    Header stop = raw.nextHeader();
    assertEquals(MessageType.STREAM_CANCEL, stop.type());
    assertEquals(Header.UPSTREAM, stop.streams());
    go.countDown();
    Header reply = raw.nextHeader();
    assertEquals(MessageType.RESULT, reply.type());
    assertEquals(0, bufferedAtMost.get(), "the items of a stream cut off are dropped");
  }

  /** Stream messages for calls that are not in progress, or malformed ones, hurt nobody. */
  @Test
  public void strayAndMalformedStreamMessagesAreDropped() throws Exception {
    Peer server = server();
    server.handle("echo", (ctx, body) -> body.value());
    RawLink raw = closer.later(RawLink.connect(transport(), server.address(), JAVA));
    Header stray = streamCall("collect", 999, Header.UPSTREAM);
    sendItem(raw, stray, new MsgpackCodec().encode("x"));
    raw.send(
        MessageCodec.encodeHeader(stray.stream(MessageType.STREAM_CREDIT, Header.DOWNSTREAM, 5, 5)),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false));
    raw.send(
        MessageCodec.encodeHeader(stray.stream(MessageType.STREAM_END, Header.UPSTREAM, 0, 0)),
        new byte[] {1, 2, 3}); // not a body frame at all
    // A stream in progress whose item has a nil body fails, and only that stream.
    Header call = streamCall("sum", 2, Header.UPSTREAM);
    raw.send(
        MessageCodec.encodeHeader(call),
        MessageCodec.encodeBody(MessageCodec.NO_META, new MsgpackCodec().encode(null), false));
    assertEquals(MessageType.STREAM_CREDIT, raw.nextHeader().type());
    raw.send(
        MessageCodec.encodeHeader(call.stream(MessageType.STREAM_ITEM, Header.UPSTREAM, 0, 0)),
        MessageCodec.encodeBody(MessageCodec.NO_META, null, false));
    Header reply = raw.nextHeader();
    assertEquals(MessageType.FAILURE, reply.type(), "the handler saw its stream fail");
    raw.sendCall("echo", OrderKey.NONE, 3, new MsgpackCodec().encode("still here"));
    assertEquals(MessageType.RESULT, raw.nextHeader().type());
  }

  // ------------------------------------------------------------------ big messages in chunks

  /** Bytes of the big call in {@link #smallCallsPassABigOne}. */
  protected int bigMessageBytes() {
    return 100 << 20;
  }

  private BoundPeer echoServer(UnaryOperator<BoundPeer.Builder> config) {
    BoundPeer p = closer.later(config.apply(base().bind(bindAddress()).name("server")).build());
    p.handle("echo", (ctx, body) -> Payload.wrap(body.bytes()));
    p.handle("length", (ctx, body) -> body.bytes().length);
    return p.start();
  }

  @Test
  public void bigCallsAndResultsGoInChunksAndArriveWhole() throws Exception {
    Peer server = echoServer(b -> b.chunkSize(64 << 10));
    ConnectedPeer client = client(server, b -> b.chunkSize(64 << 10));
    byte[] big = new byte[(5 << 20) + 12345];
    new Random(5).nextBytes(big);
    Payload back = Await.result(client.call("echo").invokeRaw(Payload.wrap(big)));
    assertArrayEquals(big, back.bytes());
    // Compressed ones too (the compressed frame is what is chunked).
    Payload zipped = Await.result(client.call("echo").compress(true).invokeRaw(Payload.wrap(big)));
    assertArrayEquals(big, zipped.bytes());
    Await.until(
        "no transfer is left",
        () -> InternalEntries.of(client) == 0 && InternalEntries.of(server) == 0,
        () -> InternalEntries.of(client) + " / " + InternalEntries.of(server));
  }

  /**
   * A big call in flight does not hold up small calls on the same connection: when each small call
   * is sent, at most a few chunks of the big one are queued in the lower ahead of it (a whole
   * message would put all of it ahead). Measured in bytes, so the bound holds on any machine; the
   * times are printed.
   */
  /**
   * Either side of {@link #smallCallsPassABigOne}: over {@code metered}, room for the big message.
   */
  private <B extends Peer.Options<B>> B bigMessagesOver(B b, MeteredTransport metered) {
    return b.transport(metered)
        .limits(Limits.builder().maxMessageSize(bigMessageBytes() + (1 << 20)).build());
  }

  @Test
  public void smallCallsPassABigOne() throws Exception {
    int chunkSize = Peer.DEFAULT_CHUNK_SIZE;
    MeteredTransport metered = new MeteredTransport(transport(), env -> env.body().length > 4096);
    Peer server = echoServer(b -> bigMessagesOver(b, metered));
    ConnectedPeer client = client(server, b -> bigMessagesOver(b, metered));
    assertEquals("warm", client.call("echo").invokeAndWait("warm"));
    CompletableFuture<Object> big =
        client.call("length").invoke(Payload.wrap(new byte[bigMessageBytes()]));
    long t0 = System.nanoTime();
    List<CompletableFuture<Object>> smalls = new ArrayList<>();
    long aheadMost = 0;
    int duringTransfer = 0;
    for (int i = 0; i < 1000; i++) {
      aheadMost = Math.max(aheadMost, metered.inFlight());
      if (metered.sent() < bigMessageBytes()) {
        duringTransfer++;
      }
      smalls.add(client.call("echo").invoke(i));
      if (i % 10 == 0) {
        Await.result(smalls.get(i)); // spread the small calls over the big one's transfer
      }
    }
    for (int i = 0; i < 1000; i++) {
      assertEquals((long) i, ((Number) Await.result(smalls.get(i))).longValue());
    }
    long smallMillis = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(bigMessageBytes(), ((Number) Await.result(big)).intValue());
    long bigMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "chunks: 1,000 small calls done in %d ms beside a %d MiB call that took %d ms; %d of them"
            + " sent while it was being sent, with at most %d KiB of it queued ahead%n",
        smallMillis, bigMessageBytes() >> 20, bigMillis, duringTransfer, aheadMost >> 10);
    assertTrue(metered.sent() >= bigMessageBytes(), "the big call went through the metered lower");
    assertTrue(
        duringTransfer > 0,
        "no small call was sent while the big one was being sent: the test proves nothing");
    assertTrue(
        aheadMost <= (long) (4 + 1) * (chunkSize + 1024),
        "a small call had " + aheadMost + " bytes of the big one ahead of it");
  }

  @Test
  public void aChunkedMessageOverTheReceiversLimitIsRefused() throws Exception {
    Peer server = echoServer(b -> b.limits(Limits.builder().maxMessageSize(1 << 20).build()));
    ConnectedPeer client =
        client(
            server,
            b -> b.chunkSize(64 << 10).limits(Limits.builder().maxMessageSize(8 << 20).build()));
    Throwable e = Await.failure(client.call("length").invokeRaw(Payload.wrap(new byte[2 << 20])));
    assertInstanceOf(MessageTooLargeException.class, e);
    assertEquals("ok", client.call("echo").invokeAndWait("ok"));
    Await.until(
        "no transfer is left",
        () -> InternalEntries.of(client) == 0 && InternalEntries.of(server) == 0,
        () -> InternalEntries.of(client) + " / " + InternalEntries.of(server));
  }

  /**
   * Transfers cut short leave nothing behind on either side: a chunked reply to a call that has
   * timed out (the caller tells the sender to stop), and a chunked call cancelled while its chunks
   * travel.
   */
  @Test
  public void transfersCutShortLeaveNothingBehind() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Peer server =
        echoServer(
            b -> b.chunkSize(64 << 10).limits(Limits.builder().maxMessageSize(64 << 20).build()));
    server.handle(
        "bigReply",
        (ctx, body) -> {
          release.await();
          return Payload.wrap(new byte[8 << 20]);
        });
    ConnectedPeer client =
        client(
            server,
            b -> b.chunkSize(64 << 10).limits(Limits.builder().maxMessageSize(64 << 20).build()));
    CompletableFuture<Payload> f =
        client
            .call("bigReply")
            .timeout(Duration.ofMillis(200))
            .invokeRaw(Payload.wrap(new byte[10]));
    assertInstanceOf(CallTimeoutException.class, Await.failure(f));
    release.countDown(); // the reply now goes to a call that is over
    Await.until(
        "no transfer is left",
        () -> InternalEntries.of(client) == 0 && InternalEntries.of(server) == 0,
        () -> InternalEntries.of(client) + " / " + InternalEntries.of(server));

    CompletableFuture<Object> g = client.call("length").invoke(Payload.wrap(new byte[32 << 20]));
    g.cancel(true);
    Await.until(
        "no transfer is left",
        () -> InternalEntries.of(client) == 0 && InternalEntries.of(server) == 0,
        () -> InternalEntries.of(client) + " / " + InternalEntries.of(server));
    assertEquals("ok", client.call("echo").invokeAndWait("ok"));
  }

  /** A remote without the chunk capability (Python) gets big messages whole. */
  @Test
  public void aLegacyRemoteGetsBigMessagesWhole() throws Exception {
    RawLink python = closer.later(RawLink.bind(transport(), bindAddress(), Capabilities.LEGACY));
    ConnectedPeer client =
        closer.later(base().connect(python.address()).chunkSize(64 << 10).build()).start();
    client.call("echo").invokeRaw(Payload.wrap(new byte[1 << 20]));
    Envelope env = python.next();
    assertEquals(0, MessageCodec.decodeHeader(env.header(), 1024, 32).chunkTotal());
    assertTrue(env.body().length > 1 << 20, "the body came whole");
    assertEquals(0, python.backlog());
  }

  /** Sends bytes {@code from} to {@code to} of a request's body {@code frame} as a CHUNK of it. */
  private static void sendChunk(RawLink raw, Header call, byte[] frame, int from, int to)
      throws Exception {
    raw.send(
        MessageCodec.encodeHeader(call.stream(MessageType.CHUNK, Header.UPSTREAM, 0, 0)),
        Arrays.copyOfRange(frame, from, to));
  }

  /** Bad chunks from a remote: an overflow, a chunk for nothing, a non-empty body with chk. */
  @Test
  public void badChunksAreRefusedAndHurtNobody() throws Exception {
    Peer server = echoServer(b -> b);
    RawLink raw = closer.later(RawLink.connect(transport(), server.address(), JAVA_CHUNKS));
    MsgpackCodec mp = new MsgpackCodec();
    byte[] frame =
        MessageCodec.encodeBody(MessageCodec.NO_META, mp.encode("hello".repeat(500)), false);
    Header echo = new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 1, false, List.of());
    // 1. A chunked call whose chunks overflow what it announced.
    raw.send(MessageCodec.encodeHeader(echo.chunked(2000)), new byte[0]);
    Header credit = raw.nextHeader();
    assertEquals(MessageType.CHUNK_CREDIT, credit.type());
    assertEquals(4, credit.creditItems());
    raw.send(MessageCodec.encodeHeader(echo.stream(MessageType.CHUNK, 1, 0, 0)), new byte[2001]);
    assertEquals(
        MessageType.ERROR, raw.nextHeader().type(), "an overflow is answered with an error");
    assertEquals(
        MessageType.CHUNK_CREDIT, raw.nextHeader().type(), "and the sender is told to stop");
    // 2. A chunk for no transfer, and an announcement with a body: dropped / refused.
    raw.send(MessageCodec.encodeHeader(echo.stream(MessageType.CHUNK, 1, 0, 0)), new byte[5]);
    raw.send(MessageCodec.encodeHeader(echo.chunked(frame.length)), frame);
    assertEquals(MessageType.ERROR, raw.nextHeader().type());
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    // 3. A good chunked call in two pieces.
    Header good = new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 2, false, List.of());
    raw.send(MessageCodec.encodeHeader(good.chunked(frame.length)), new byte[0]);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    int half = frame.length / 2;
    sendChunk(raw, good, frame, 0, half);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    sendChunk(raw, good, frame, half, frame.length);
    Envelope reply = raw.next();
    Header rh = MessageCodec.decodeHeader(reply.header(), 1024, 32);
    assertEquals(MessageType.RESULT, rh.type());
    assertEquals(2, rh.seq());
    Await.until(
        "nothing is held",
        () -> InternalEntries.of(server) == 0,
        () -> String.valueOf(InternalEntries.of(server)));
  }

  // ------------------------------------------------------------------ named pipes

  private Peer pipeHost() {
    Peer host = closer.later(base().bind(bindAddress()).name("pipe-host").build());
    Pipes.host(host);
    return host.start();
  }

  private ConnectedPeer pipeClient(Peer host) {
    return closer.later(base().connect(host.address()).defaultTimeout(null).build()).start();
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * A write blocks until a reader is attached; then the bytes arrive in order and the reader reads
   * -1 at the end.
   */
  @Test
  public void aPipeWriteBlocksUntilAReaderIsAttached() throws Exception {
    Peer host = pipeHost();
    byte[] data = randomBytes(1 << 20, 1);
    CountDownLatch firstWriteDone = new CountDownLatch(1);
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try (OutputStream out = Pipes.openOutput(pipeClient(host), "p1")) {
                out.write(data, 0, Pipes.CHUNK_SIZE); // a whole chunk: it must go out
                firstWriteDone.countDown();
                out.write(data, Pipes.CHUNK_SIZE, data.length - Pipes.CHUNK_SIZE);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            closer.executor("pipe-writer"));
    assertFalse(
        firstWriteDone.await(300, TimeUnit.MILLISECONDS),
        "a write returned with no reader attached");
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (InputStream in = Pipes.openInput(pipeClient(host), "p1")) {
      in.transferTo(got);
      assertEquals(-1, in.read());
    }
    Await.result(writer);
    assertArrayEquals(data, got.toByteArray());
  }

  /** A read blocks until data arrives. */
  @Test
  public void aPipeReadBlocksUntilDataArrives() throws Exception {
    Peer host = pipeHost();
    InputStream in = closer.later(Pipes.openInput(pipeClient(host), "p2"));
    CompletableFuture<Integer> first =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return in.read();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            closer.executor("pipe-reader"));
    Await.holds(
        "a read waits while nothing was written", () -> !first.isDone(), Duration.ofMillis(200));
    try (OutputStream out = Pipes.openOutput(pipeClient(host), "p2")) {
      out.write(new byte[] {42, 43});
    }
    assertEquals(42, Await.result(first));
    assertEquals(43, in.read());
    assertEquals(-1, in.read(), "-1 after the writer closed");
  }

  /** A write after the reader has gone fails with "broken pipe"; a second writer is refused. */
  @Test
  public void aPipeWithoutItsReaderIsBrokenAndABusyPipeIsRefused() throws Exception {
    Peer host = pipeHost();
    ConnectedPeer writerPeer = pipeClient(host);
    OutputStream out = Pipes.openOutput(writerPeer, "p3");
    InputStream in = Pipes.openInput(pipeClient(host), "p3");
    out.write(new byte[10]);
    out.flush();
    assertEquals(10, in.readNBytes(10).length);
    IOException busy =
        assertThrows(
            IOException.class,
            () -> {
              try (OutputStream second = Pipes.openOutput(pipeClient(host), "p3")) {
                second.write(1);
              }
            });
    assertTrue(busy.getMessage().contains("busy"), busy.getMessage());
    in.close(); // the reader goes away
    IOException broken =
        assertThrows(
            IOException.class,
            () -> {
              for (int i = 0; i < 1000; i++) {
                out.write(new byte[Pipes.CHUNK_SIZE]);
              }
            });
    assertTrue(
        broken.getMessage().contains("broken pipe"),
        broken.getMessage()); // the remote may say it first
  }

  /** Ends opened by descriptor, each through a peer of its own. */
  @Test
  public void pipesOpenByDescriptor() throws Exception {
    Peer host = pipeHost();
    PipeDescriptor w = new PipeDescriptor(host.address(), "by name/with spaces", Mode.WRITE);
    PipeDescriptor r = PipeDescriptor.parse(w.other().toString());
    assertEquals(w.other(), r);
    assertThrows(IllegalArgumentException.class, () -> Pipes.openInput(w));
    assertThrows(
        IllegalArgumentException.class,
        () -> PipeDescriptor.parse("zmq+tcp://h:1#pipe=x;sideways"));
    byte[] data = randomBytes(300_000, 3);
    CompletableFuture<byte[]> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = Pipes.openInput(r, transport())) {
                return in.readAllBytes();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            closer.executor("pipe-reader"));
    try (OutputStream out = Pipes.openOutput(w, transport())) {
      out.write(data);
    }
    assertArrayEquals(data, Await.result(reader));
  }

  // ------------------------------------------------------------------ graceful shutdown

  /**
   * Streams and big messages of calls in flight complete after their server's shutdown() began: a
   * bidirectional stream the client goes on feeding, and a reply sent in chunks; then the server
   * terminates.
   */
  @Test
  public void streamsAndChunkedRepliesInFlightCompleteDuringShutdown() throws Exception {
    BoundPeer server = server(b -> b.chunkSize(64 << 10));
    byte[] big = new byte[(1 << 20) + 17];
    new Random(3).nextBytes(big);
    CountDownLatch bigEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.handle(
        "bigReply",
        (ctx, body) -> {
          bigEntered.countDown();
          assertTrue(release.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
          return Payload.wrap(big);
        });
    ConnectedPeer client = client(server, b -> b.chunkSize(64 << 10));
    StreamCall stream = client.call("double").bidiStream(null);
    for (long i = 0; i < 100; i++) {
      stream.upstream().send(i);
    }
    CompletableFuture<Payload> bigCall =
        client.call("bigReply").invokeRaw(Payload.wrap(new MsgpackCodec().encode(null)));
    assertTrue(bigEntered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    server.shutdown();
    for (long i = 100; i < 200; i++) {
      stream.upstream().send(i);
    }
    stream.upstream().complete();
    List<Long> doubled = new ArrayList<>();
    for (long i = 0; i < 200; i++) {
      doubled.add(2 * i);
    }
    assertEquals(doubled, drain(stream.downstream()));
    assertEquals(200, ((Number) Await.result(stream.result())).intValue());
    release.countDown();
    assertArrayEquals(big, Await.result(bigCall).bytes());
    assertTrue(server.awaitTermination(Await.LIMIT));
    assertEquals(0, InternalEntries.of(server));
  }

  /**
   * A call whose chunks are still arriving when shutdown() begins is served; one announced after is
   * refused at once ({@code callosum.ShuttingDown}) and its sender told to stop.
   */
  @Test
  public void aChunkedCallArrivingAtShutdownIsServed_andOneAnnouncedAfterIsRefused()
      throws Exception {
    BoundPeer server = echoServer(b -> b);
    RawLink raw = closer.later(RawLink.connect(transport(), server.address(), JAVA_CHUNKS));
    MsgpackCodec mp = new MsgpackCodec();
    byte[] frame =
        MessageCodec.encodeBody(MessageCodec.NO_META, mp.encode("hello".repeat(500)), false);
    Header arriving = new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 1, false, List.of());
    raw.send(MessageCodec.encodeHeader(arriving.chunked(frame.length)), new byte[0]);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    int half = frame.length / 2;
    sendChunk(raw, arriving, frame, 0, half);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    server.shutdown();
    Header late = new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 2, false, List.of());
    raw.send(MessageCodec.encodeHeader(late.chunked(frame.length)), new byte[0]);
    Envelope refusal = raw.next();
    Header rh = MessageCodec.decodeHeader(refusal.header(), 1024, 32);
    assertEquals(MessageType.ERROR, rh.type());
    assertEquals(2, rh.seq());
    assertEquals("callosum.ShuttingDown", RawLink.errorMeta(refusal)[0]);
    Header stop = raw.nextHeader();
    assertEquals(MessageType.CHUNK_CREDIT, stop.type());
    assertEquals(0, stop.creditItems(), "the sender of the refused call is told to stop");
    sendChunk(raw, arriving, frame, half, frame.length);
    Header reply = raw.nextHeader();
    assertEquals(MessageType.RESULT, reply.type());
    assertEquals(1, reply.seq());
    assertTrue(server.awaitTermination(Await.LIMIT));
  }
}
