package io.callosum.upper.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.ErrorCode;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.RemoteInternalException;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.thrift.testgen.Calc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.thrift.TBase;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TList;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed Thrift bodies sent with {@code invokeRaw} at a real server: each is answered with a
 * CODEC_ERROR, nothing claims more memory than the input holds, and the server serves on.
 */
class BadInputTest {
  @RegisterExtension final Closer closer = new Closer();

  private Peer server;

  static Stream<Arguments> servers() {
    List<Arguments> out = new ArrayList<>();
    for (String lower : Lowers.all()) {
      out.add(Arguments.of(lower, "Iface"));
      out.add(Arguments.of(lower, "processor"));
    }
    return out.stream();
  }

  private static ThriftService service(String kind) {
    CalcService calc = new CalcService();
    return kind.equals("Iface")
        ? ThriftService.of(Calc.Iface.class, calc)
        : ThriftService.ofProcessor(Calc.Iface.class, new CalcProcessor(calc));
  }

  /** A message as a generated client writes it. */
  interface Body {
    void write(TProtocol p) throws TException;
  }

  static byte[] message(String name, byte type, Body body) throws TException {
    TMemoryBuffer buffer = new TMemoryBuffer(64);
    TProtocol p = ThriftClients.protocol(buffer);
    p.writeMessageBegin(new TMessage(name, type, 1));
    body.write(p);
    p.writeMessageEnd();
    return Arrays.copyOf(buffer.getArray(), buffer.length());
  }

  static byte[] call(String name, TBase<?, ?> args) throws TException {
    return message(name, TMessageType.CALL, args::write);
  }

  private static CompletableFuture<Payload> send(ConnectedPeer peer, String method, byte[] bytes) {
    return peer.call(method).invokeRaw(Payload.wrap(bytes));
  }

  private static void assertCodecError(ConnectedPeer peer, String method, byte[] bytes)
      throws InterruptedException {
    Throwable t = Await.failure(send(peer, method, bytes));
    assertInstanceOf(RemoteInternalException.class, t, () -> "for " + Arrays.toString(bytes));
    assertEquals(ErrorCode.CODEC_ERROR, ((CallosumException) t).code());
    assertTrue(t.getMessage().contains("Thrift"), t.getMessage());
  }

  /** Starts a server of {@code service} and returns a client peer of it. */
  private ConnectedPeer serve(String lower, ThriftService service) {
    server = Lowers.server(closer, lower, service);
    return Lowers.client(closer, server);
  }

  private void assertStillServing(ConnectedPeer peer) throws Exception {
    ThriftClients<Calc.Client> clients = ThriftClients.of(peer, Calc.Client::new);
    assertEquals("still serving", clients.call(c -> c.echo("still serving")));
    assertEquals(1, server.remotes().size());
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("servers")
  void truncatedCallsAreCodecErrors(String lower, String kind) throws Exception {
    ConnectedPeer peer = serve(lower, service(kind));
    byte[] whole = call("echo", new Calc.echo_args("a text to cut short"));
    assertTrue(
        Await.result(send(peer, "Calc.echo", whole)).size() > whole.length - 2,
        "the whole call is answered");
    for (int length = 0; length < whole.length; length++) {
      assertCodecError(peer, "Calc.echo", Arrays.copyOf(whole, length));
    }
    assertStillServing(peer);
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("servers")
  void theWrongMessageTypeOrNameIsACodecError(String lower, String kind) throws Exception {
    ConnectedPeer peer = serve(lower, service(kind));
    Calc.echo_args args = new Calc.echo_args("x");

    assertCodecError(peer, "Calc.echo", message("echo", TMessageType.REPLY, args::write));
    assertCodecError(peer, "Calc.echo", message("echo", TMessageType.EXCEPTION, args::write));
    assertCodecError(peer, "Calc.echo", message("echo", TMessageType.ONEWAY, args::write));
    assertCodecError(peer, "Calc.echo", message("echo", (byte) 9, args::write));
    assertCodecError(peer, "Calc.echo", call("divide", new Calc.divide_args(1, 2)));
    assertCodecError(
        peer, "Calc.record", call("record", new Calc.record_args("a oneway method sent as CALL")));
    // Another method's arguments under the right name decode (field 1 of echo is a string, of
    // add an i64, which is skipped): echo runs without its text, and the reply carries no result,
    // which the generated client reports as Thrift's MISSING_RESULT.
    byte[] reply =
        Await.result(send(peer, "Calc.echo", call("echo", new Calc.add_args(1, 2)))).bytes();
    TProtocol in = ThriftClients.protocol(new TMemoryInputTransport(reply));
    assertEquals(TMessageType.REPLY, in.readMessageBegin().type);
    Calc.echo_result result = new Calc.echo_result();
    result.read(in);
    assertFalse(result.isSetSuccess());
    assertStillServing(peer);
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("servers")
  void anUnknownMethodOrServiceIsNoSuchMethod(String lower, String kind) throws Exception {
    ConnectedPeer peer = serve(lower, service(kind));
    byte[] echo = call("echo", new Calc.echo_args("x"));

    for (String method : List.of("Calc.nothing", "Other.echo", "echo")) {
      Throwable t = Await.failure(send(peer, method, echo));
      assertInstanceOf(RemoteInternalException.class, t, method);
      assertEquals(ErrorCode.NO_SUCH_METHOD, ((CallosumException) t).code(), method);
    }
    Throwable wrongService =
        assertThrows(
            RemoteInternalException.class,
            () -> ThriftClients.of(peer, Calc.Client::new).service("Other").call(c -> c.echo("x")));
    assertEquals(ErrorCode.NO_SUCH_METHOD, ((CallosumException) wrongService).code());
    assertStillServing(peer);
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("servers")
  void fuzzedBytesAreAnsweredAndNeverKillThePeer(String lower, String kind) throws Exception {
    ConnectedPeer peer = serve(lower, service(kind));
    Random random = new Random(6);
    for (int i = 0; i < 150; i++) {
      byte[] noise = new byte[random.nextInt(64)];
      random.nextBytes(noise);
      assertCodecError(
          peer, "Calc.echo", noise); // strict reads: random bytes lack the version word
    }
    // echo never fails, so a mutated call either decodes (and is answered) or is a codec error.
    byte[] valid = call("echo", new Calc.echo_args("some text to mutate"));
    int replies = 0;
    for (int i = 0; i < 300; i++) {
      byte[] mutated = valid.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
      }
      try {
        Await.result(send(peer, "Calc.echo", mutated));
        replies++;
      } catch (ExecutionException e) {
        assertInstanceOf(RemoteInternalException.class, e.getCause());
        assertEquals(
            ErrorCode.CODEC_ERROR,
            ((CallosumException) e.getCause()).code(),
            e.getCause().toString());
      }
    }
    assertTrue(replies < 300, "some mutations must be refused");
    assertStillServing(peer);
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("servers")
  void hugeLengthClaimsAreRefusedBeforeAllocating(String lower, String kind) throws Exception {
    ConnectedPeer peer = serve(lower, service(kind));
    // A 2 GiB string in 20-odd bytes: with -Xmx1g, allocating it would be an OutOfMemoryError.
    assertCodecError(
        peer,
        "Calc.echo",
        message(
            "echo",
            TMessageType.CALL,
            p -> {
              p.writeStructBegin(new TStruct("echo_args"));
              p.writeFieldBegin(new TField("text", TType.STRING, (short) 1));
              p.writeI32(Integer.MAX_VALUE);
            }));
    // A list of 2^31-1 structs in a few bytes.
    assertCodecError(
        peer,
        "Calc.echo",
        message(
            "echo",
            TMessageType.CALL,
            p -> {
              p.writeStructBegin(new TStruct("echo_args"));
              p.writeFieldBegin(new TField("text", TType.STRING, (short) 1));
              p.writeString("ok");
              p.writeFieldBegin(new TField("unknown", TType.LIST, (short) 7));
              p.writeListBegin(new TList(TType.STRUCT, Integer.MAX_VALUE));
            }));
    assertStillServing(peer);
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("servers")
  void deepNestingStopsAtTheRecursionLimit(String lower, String kind) throws Exception {
    ConnectedPeer peer = serve(lower, service(kind));
    int depth = 5_000;
    assertCodecError(
        peer,
        "Calc.echo",
        message(
            "echo",
            TMessageType.CALL,
            p -> {
              p.writeStructBegin(new TStruct("echo_args"));
              for (int i = 0; i < depth; i++) {
                p.writeFieldBegin(new TField("nested", TType.STRUCT, (short) 9));
              }
              for (int i = 0; i < depth; i++) {
                p.writeFieldStop();
              }
              p.writeFieldStop();
            }));
    assertStillServing(peer);
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("servers")
  void theConfiguredMessageSizeBoundsRequests(String lower, String kind) throws Exception {
    TConfiguration small = new TConfiguration(1024, 1024, 16);
    ConnectedPeer peer = serve(lower, service(kind).configuration(small));
    ThriftClients<Calc.Client> clients = ThriftClients.of(peer, Calc.Client::new);

    assertEquals("x".repeat(900), clients.call(c -> c.echo("x".repeat(900))));
    assertCodecError(peer, "Calc.echo", call("echo", new Calc.echo_args("x".repeat(2000))));
    TTransportException local =
        assertThrows(
            TTransportException.class,
            () -> clients.configuration(small).call(c -> c.echo("x".repeat(2000))));
    assertEquals(TTransportException.MESSAGE_SIZE_LIMIT, local.getType());
    assertStillServing(peer);
  }
}
