package io.callosum.upper.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.callosum.BoundPeer;
import io.callosum.CallCancelledException;
import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.ErrorCode;
import io.callosum.OrderKey;
import io.callosum.Ordering;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.RemoteInternalException;
import io.callosum.RemoteUserException;
import io.callosum.StreamCall;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.protobuf.test.Num;
import io.callosum.upper.protobuf.test.Pair;
import io.callosum.upper.protobuf.test.Problem;
import io.callosum.upper.protobuf.test.Sleep;
import io.callosum.upper.protobuf.test.Text;
import io.callosum.upper.protobuf.test.Tree;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Calc service through the typed client and binding, over the in-process and ZeroMQ lowers. */
class ProtobufServicesTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @RegisterExtension final Closer closer = new Closer();

  private final Calc.Impl impl = new Calc.Impl();
  private final Queue<CallInfo> served = new ConcurrentLinkedQueue<>();
  private Peer server;
  private ConnectedPeer peer;

  private ProtobufClient<Calc.Client> connect(String lower) {
    return connect(lower, true);
  }

  private ProtobufClient<Calc.Client> connect(String lower, boolean protobufCodec) {
    String address =
        lower.equals("inproc")
            ? "inproc://protobuf-" + NAMES.incrementAndGet()
            : "zmq+tcp://127.0.0.1:0";
    BoundPeer.Builder s =
        Peer.builder()
            .bind(address)
            .ordering(Ordering.KEY_SERIALIZED)
            .defaultTimeout(Await.LIMIT)
            .interceptor(
                new CallInterceptor() {
                  @Override
                  public void started(CallInfo call) {
                    served.add(call);
                  }
                });
    server = closer.later((protobufCodec ? s.codec(new ProtobufCodec()) : s).build());
    List<String> names = ProtobufServices.bind(server, Calc.SERVICE, Calc.Server.class, impl);
    assertTrue(names.contains("callosum.test.Calc/Add"), names.toString());
    server.start();
    // Longer than any wait of a test: only an explicit timeout or cancel may end a slow call.
    ConnectedPeer.Builder c =
        Peer.builder().connect(server.address()).defaultTimeout(Await.LIMIT.multipliedBy(3));
    peer = closer.later((protobufCodec ? c.codec(new ProtobufCodec()) : c).build()).start();
    return ProtobufServices.client(peer, Calc.SERVICE, Calc.Client.class);
  }

  private static Pair pair(long a, long b) {
    return Pair.newBuilder().setA(a).setB(b).build();
  }

  private static Text text(String s) {
    return Text.newBuilder().setText(s).build();
  }

  private static Num num(long n) {
    return Num.newBuilder().setValue(n).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void unaryCallsAreTypedAsynchronousAndBlocking(String lower) throws Exception {
    Calc.Client calc = connect(lower).stub();
    assertEquals(42, Await.result(calc.add(pair(40, 2))).getValue());
    assertEquals("hi", Await.result(calc.echo(text("hi"))).getText());
    Calc.Blocking blocking =
        ProtobufServices.client(peer, Calc.SERVICE, Calc.Blocking.class).stub();
    assertEquals(-1, blocking.add(pair(1, -2)).getValue());
    assertEquals(
        "callosum.test.Calc/Add",
        served.peek().method(),
        "the wire name is package.Service/Method");
    assertEquals(7L, Await.result(calc.plus(3, 4)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void bodiesAreProtobufWhateverThePeersCodec(String lower) throws Exception {
    Calc.Client calc = connect(lower, false).stub();
    assertEquals(42, Await.result(calc.add(pair(40, 2))).getValue());
    Payload raw =
        Await.result(
            peer.call("callosum.test.Calc/Add").invokeRaw(Payload.wrap(pair(1, 2).toByteArray())));
    assertEquals(num(3), Num.parseFrom(raw.bytes()));
    MessageStreamCall<Num, Num> sum = calc.sum();
    sum.requests().send(num(5));
    sum.requests().complete();
    assertEquals(5, Await.result(sum.response()).getValue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void theDeclaredErrorArrivesAsItselfWithItsStatus(String lower) throws Exception {
    ProtobufClient<Calc.Client> client = connect(lower);
    Throwable f = Await.failure(client.stub().fail(text("no such account")));
    ProtobufServiceException e = assertInstanceOf(ProtobufServiceException.class, f);
    assertTrue(e.isRemote());
    assertEquals(ErrorCode.REMOTE_USER_ERROR, e.code());
    assertEquals("refused: no such account", e.getMessage());
    assertEquals("callosum.test.Problem", e.statusType());
    assertEquals(
        Problem.newBuilder().setReason("no such account").setCode(7).build(),
        e.status(Problem.getDefaultInstance()));
    assertThrows(IllegalArgumentException.class, () -> e.status(Num.getDefaultInstance()));
    assertInstanceOf(RemoteUserException.class, e.getCause(), "the remote trace stays available");

    Calc.Blocking blocking =
        ProtobufServices.client(peer, Calc.SERVICE, Calc.Blocking.class).stub();
    ProtobufServiceException b =
        assertThrows(ProtobufServiceException.class, () -> blocking.fail(text("again")));
    assertEquals("again", b.status(Problem.getDefaultInstance()).getReason());

    RemoteUserException plain =
        assertInstanceOf(
            RemoteUserException.class, Await.failure(client.stub().fail(text("plain"))));
    assertEquals(IllegalStateException.class.getName(), plain.remoteName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void serverStreamingDeliversEveryMessageInOrder(String lower) throws Exception {
    Calc.Client calc = connect(lower).stub();
    MessageStreamCall<Num, Num> call = calc.count(num(500)); // beyond one stream window
    for (long i = 1; i <= 500; i++) {
      assertEquals(i, call.responses().poll(Await.LIMIT).getValue());
    }
    assertNull(call.responses().poll(Await.LIMIT));
    assertTrue(call.responses().isEnded());
    assertNull(Await.result(call.response()));
    assertThrows(IllegalStateException.class, () -> call.requests().send(num(1)));

    MessageStreamCall<Num, Num> refused = calc.count(num(-1));
    ProtobufServiceException e =
        assertInstanceOf(ProtobufServiceException.class, Await.failure(refused.response()));
    assertEquals("negative", e.status(Problem.getDefaultInstance()).getReason());
    assertThrows(ProtobufServiceException.class, () -> refused.responses().poll(Await.LIMIT));
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void clientStreamingAndBidirectionalStreaming(String lower) throws Exception {
    Calc.Client calc = connect(lower).stub();
    MessageStreamCall<Num, Num> sum = calc.sum();
    for (int i = 1; i <= 300; i++) {
      sum.requests().send(num(i));
    }
    sum.requests().complete();
    assertEquals(300 * 301 / 2, Await.result(sum.response()).getValue());
    assertThrows(IllegalStateException.class, sum::responses);

    MessageStreamCall<Num, Num> running = calc.running();
    long expected = 0;
    for (int i = 1; i <= 50; i++) {
      running.requests().send(num(i));
      expected += i;
      assertEquals(
          expected, running.responses().poll(Await.LIMIT).getValue(), "answer to item " + i);
    }
    running.requests().complete();
    assertNull(running.responses().poll(Await.LIMIT));
    assertNull(Await.result(running.response()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void orderKeysTravelWithTypedCalls(String lower) throws Exception {
    ProtobufClient<Calc.Client> client = connect(lower);
    Calc.Client a = client.withOrderKey("a").stub();
    Calc.Client b = client.withOrderKey(OrderKey.ofBytes(new byte[] {1, 2})).stub();
    List<CompletableFuture<Num>> as = new ArrayList<>();
    List<CompletableFuture<Num>> bs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      as.add(a.next(text("a")));
      bs.add(b.next(text("b")));
    }
    for (int i = 0; i < 30; i++) {
      assertEquals(i + 1, Await.result(as.get(i)).getValue(), "key a, call " + i);
      assertEquals(i + 1, Await.result(bs.get(i)).getValue(), "key b, call " + i);
    }
    long withA = served.stream().filter(c -> c.orderKey().equals(OrderKey.of("a"))).count();
    long withB =
        served.stream()
            .filter(c -> c.orderKey().equals(OrderKey.ofBytes(new byte[] {1, 2})))
            .count();
    assertEquals(30, withA);
    assertEquals(30, withB);
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void aTimeoutFailsTheCallAndCancelsTheHandler(String lower) throws Exception {
    ProtobufClient<Calc.Client> client = connect(lower);
    CompletableFuture<Num> slow =
        client
            .withTimeout(Duration.ofMillis(200))
            .stub()
            .slow(Sleep.newBuilder().setMillis(60_000).build());
    assertInstanceOf(CallTimeoutException.class, Await.failure(slow));
    assertTrue(
        impl.slowInterrupted.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS),
        "the handler was not interrupted");
    assertEquals(3, Await.result(client.stub().add(pair(1, 2))).getValue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void cancellingTheFutureCancelsTheRemoteHandler(String lower) throws Exception {
    Calc.Client calc = connect(lower).stub();
    CompletableFuture<Num> slow = calc.slow(Sleep.newBuilder().setMillis(60_000).build());
    assertTrue(impl.slowStarted.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(slow.cancel(true));
    assertTrue(
        impl.slowInterrupted.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS),
        "CANCEL did not reach the handler");

    MessageStreamCall<Num, Num> running = calc.running();
    running.requests().send(num(1));
    assertEquals(1, running.responses().poll(Await.LIMIT).getValue());
    assertTrue(running.cancel());
    assertInstanceOf(CancellationException.class, Await.failure(running.response()));
    assertThrows(CallCancelledException.class, () -> running.requests().send(num(2)));
    assertEquals(3, Await.result(calc.add(pair(1, 2))).getValue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void concurrentCallsFromManyThreads(String lower) throws Exception {
    Calc.Client calc = connect(lower).stub();
    int threads = 8;
    int calls = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    closer.later(pool::shutdownNow);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * 1_000_000;
      done.add(
          pool.submit(
              () -> {
                go.await();
                List<CompletableFuture<Num>> fs = new ArrayList<>();
                for (int i = 0; i < calls; i++) {
                  fs.add(calc.add(pair(base, i)));
                }
                for (int i = 0; i < calls; i++) {
                  assertEquals(base + i, Await.result(fs.get(i)).getValue());
                }
                return calls;
              }));
    }
    go.countDown();
    int total = 0;
    for (Future<Integer> f : done) {
      total += f.get(Await.LIMIT.toMillis() * 3, TimeUnit.MILLISECONDS);
    }
    assertEquals(threads * calls, total);
    assertEquals(threads * calls, impl.calls.get());
  }

  /** A server side that calls its caller back through the context (bidirectional RPC). */
  interface EchoViaCaller {
    CompletableFuture<Text> echo(Text t, CallContext context);
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void serverMethodsMayTakeTheCallContextAndCallTheCallerBack(String lower) throws Exception {
    String address =
        lower.equals("inproc")
            ? "inproc://protobuf-" + NAMES.incrementAndGet()
            : "zmq+tcp://127.0.0.1:0";
    Peer back = closer.later(Peer.builder().bind(address).defaultTimeout(Await.LIMIT).build());
    ProtobufServices.bind(
        back,
        Calc.SERVICE,
        EchoViaCaller.class,
        (t, ctx) -> {
          if (t.getText().equals("refuse")) {
            return CompletableFuture.failedFuture(
                new ProtobufServiceException(Problem.newBuilder().setReason("async").build()));
          }
          Calc.Client caller =
              ProtobufServices.client(ctx.caller(), Calc.SERVICE, Calc.Client.class).stub();
          return caller
              .add(pair(t.getText().length(), 100))
              .thenApply(n -> text(t.getText() + " " + n.getValue() + " " + ctx.method()));
        });
    back.start();
    ConnectedPeer client =
        closer.later(Peer.builder().connect(back.address()).defaultTimeout(Await.LIMIT).build());
    ProtobufServices.bind(client, Calc.SERVICE, Calc.Server.class, impl);
    client.start();
    Calc.Client stub = ProtobufServices.client(client, Calc.SERVICE, Calc.Client.class).stub();
    assertEquals("abc 103 callosum.test.Calc/Echo", Await.result(stub.echo(text("abc"))).getText());
    assertEquals(1, impl.calls.get(), "the server called the client's Add");
    ProtobufServiceException e =
        assertInstanceOf(ProtobufServiceException.class, Await.failure(stub.echo(text("refuse"))));
    assertEquals("async", e.status(Problem.getDefaultInstance()).getReason());
  }

  // ---- bad input, sent as raw bytes at a real server ----

  private RemoteInternalException refused(String method, byte[] body) throws Exception {
    Throwable f = Await.failure(peer.call(method).invokeRaw(Payload.wrap(body)));
    RemoteInternalException e = assertInstanceOf(RemoteInternalException.class, f);
    assertEquals(ErrorCode.CODEC_ERROR, e.code(), e.remoteRepr());
    return e;
  }

  private void stillServing() throws Exception {
    Payload p =
        Await.result(
            peer.call("callosum.test.Calc/Add").invokeRaw(Payload.wrap(pair(2, 3).toByteArray())));
    assertEquals(5, Num.parseFrom(p.bytes()).getValue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void aWrongMessageTypeIsAnsweredWithAnErrorNamingTheType(String lower) throws Exception {
    connect(lower);
    RemoteInternalException e = refused("callosum.test.Calc/Echo", pair(40, 2).toByteArray());
    assertTrue(
        e.remoteRepr().contains("callosum.test.Text") && e.remoteRepr().contains("wrong wire type"),
        e.remoteRepr());
    e = refused("callosum.test.Calc/Add", text("forty-two").toByteArray());
    assertTrue(e.remoteRepr().contains("callosum.test.Pair"), e.remoteRepr());
    // a nested message of the wrong type is found too
    Tree wrong =
        Tree.newBuilder()
            .setLabel("root")
            .addChildren(
                Tree.newBuilder()
                    .setUnknownFields(
                        UnknownFieldSet.newBuilder()
                            .addField(1, UnknownFieldSet.Field.newBuilder().addVarint(5).build())
                            .build()))
            .build();
    e = refused("callosum.test.Calc/Depth", wrong.toByteArray());
    assertTrue(e.remoteRepr().contains("children.label"), e.remoteRepr());
    stillServing();
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void truncatedAndMalformedMessagesAreAnswered(String lower) throws Exception {
    connect(lower);
    byte[] whole = text("hello, world").toByteArray();
    for (int cut = 1; cut < whole.length; cut++) {
      RemoteInternalException e =
          refused("callosum.test.Calc/Echo", Arrays.copyOf(whole, whole.length - cut));
      assertTrue(e.remoteRepr().contains("callosum.test.Text"), e.remoteRepr());
    }
    // a tiny body claiming a 2 GiB string, and one with a negative length
    refused(
        "callosum.test.Calc/Echo",
        new byte[] {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 'x'});
    refused(
        "callosum.test.Calc/Echo",
        new byte[] {
          0x0A,
          (byte) 0xFF,
          (byte) 0xFF,
          (byte) 0xFF,
          (byte) 0xFF,
          (byte) 0xFF,
          (byte) 0xFF,
          (byte) 0xFF,
          (byte) 0xFF,
          (byte) 0xFF,
          0x01
        });
    // a string that is not UTF-8; an end-group tag before the end; field number 0
    refused("callosum.test.Calc/Echo", new byte[] {0x0A, 0x02, (byte) 0xFF, (byte) 0xFE});
    refused("callosum.test.Calc/Add", new byte[] {0x08, 0x01, 0x0C, 0x08, 0x02});
    refused("callosum.test.Calc/Add", new byte[] {0x00, 0x01});
    // nesting beyond the recursion limit
    RemoteInternalException deep = refused("callosum.test.Calc/Depth", tree(200).toByteArray());
    assertTrue(
        deep.remoteRepr().toLowerCase(Locale.ROOT).contains("nest")
            || deep.remoteRepr().toLowerCase(Locale.ROOT).contains("recursion"),
        deep.remoteRepr());
    assertEquals(
        50,
        Await.result(
                ProtobufServices.client(peer, Calc.SERVICE, Calc.Client.class)
                    .stub()
                    .depth(tree(50)))
            .getValue());
    stillServing();
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void badRequestsAndItemsOfStreamingCallsAreAnswered(String lower) throws Exception {
    connect(lower);
    StreamCall count =
        peer.call("callosum.test.Calc/Count").serverStream(Payload.wrap(text("x").toByteArray()));
    RemoteInternalException e =
        assertInstanceOf(RemoteInternalException.class, Await.failure(count.result()));
    assertEquals(ErrorCode.CODEC_ERROR, e.code());
    assertTrue(e.remoteRepr().contains("callosum.test.Num"), e.remoteRepr());

    StreamCall sum = peer.call("callosum.test.Calc/Sum").bidiStream(Payload.wrap(new byte[0]));
    sum.upstream().send(Payload.wrap(num(1).toByteArray()));
    sum.upstream().send(Payload.wrap(new byte[] {0x08})); // a varint cut short
    sum.upstream().complete();
    e = assertInstanceOf(RemoteInternalException.class, Await.failure(sum.result()));
    assertEquals(ErrorCode.CODEC_ERROR, e.code());
    assertTrue(e.remoteRepr().contains("callosum.test.Num"), e.remoteRepr());
    stillServing();
  }

  private static Tree tree(int depth) {
    Tree t = Tree.newBuilder().setLabel("leaf").build();
    for (int i = 1; i < depth; i++) {
      t = Tree.newBuilder().setLabel("n" + i).addChildren(t).build();
    }
    return t;
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void fuzzedBodiesAreAnsweredAndServingGoesOn(String lower) throws Exception {
    connect(lower);
    Random random = new Random(20261122);
    String[] methods = {
      "callosum.test.Calc/Add", "callosum.test.Calc/Echo", "callosum.test.Calc/Depth"
    };
    int errors = 0;
    for (int i = 0; i < 300; i++) {
      byte[] body = new byte[random.nextInt(48)];
      random.nextBytes(body);
      CompletableFuture<Payload> f =
          peer.call(methods[i % methods.length]).invokeRaw(Payload.wrap(body));
      try {
        Await.result(f);
      } catch (ExecutionException e) {
        RemoteInternalException r = assertInstanceOf(RemoteInternalException.class, e.getCause());
        assertEquals(ErrorCode.CODEC_ERROR, r.code());
        assertTrue(r.remoteRepr().contains("cannot parse"), r.remoteRepr());
        errors++;
      }
    }
    assertTrue(errors > 100, "only " + errors + " of 300 random bodies were refused");
    stillServing();
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void unknownFieldNumbersAreAcceptedForCompatibility(String lower) throws Exception {
    connect(lower);
    byte[] newer =
        pair(40, 2).toBuilder()
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(
                        15,
                        UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(ByteString.copyFromUtf8("v2"))
                            .build())
                    .build())
            .build()
            .toByteArray();
    Payload p = Await.result(peer.call("callosum.test.Calc/Add").invokeRaw(Payload.wrap(newer)));
    assertEquals(42, Num.parseFrom(p.bytes()).getValue());
    assertFalse(impl.calls.get() == 0);
  }
}
