package io.callosum.upper.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.RpcCallback;
import com.google.protobuf.RpcController;
import com.google.protobuf.ServiceException;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.OrderKey;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.protobuf.legacy.Arith;
import io.callosum.upper.protobuf.legacy.Operands;
import io.callosum.upper.protobuf.legacy.Result;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** protoc's generic-service stubs and services over Callosum, interoperating with typed calls. */
class GenericServicesTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @RegisterExtension final Closer closer = new Closer();

  private final Queue<CallInfo> served = new ConcurrentLinkedQueue<>();

  /** The same service through a typed interface. */
  interface TypedArith {
    CompletableFuture<Result> multiply(Operands o);
  }

  private static final class Blocking implements Arith.BlockingInterface {
    @Override
    public Result multiply(RpcController controller, Operands o) {
      return Result.newBuilder().setValue(o.getA() * o.getB()).build();
    }

    @Override
    public Result divide(RpcController controller, Operands o) throws ServiceException {
      if (o.getB() == 0) {
        throw new ServiceException("division by zero");
      }
      if (o.getB() < 0) {
        controller.setFailed("negative divisor");
        return null;
      }
      if (o.getA() < 0) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Result.newBuilder().setValue(o.getA() / o.getB()).build();
    }
  }

  private static final class Async implements Arith.Interface {
    @Override
    public void multiply(RpcController controller, Operands o, RpcCallback<Result> done) {
      new Thread(() -> done.run(Result.newBuilder().setValue(o.getA() * o.getB()).build())).start();
    }

    @Override
    public void divide(RpcController controller, Operands o, RpcCallback<Result> done) {
      controller.setFailed("not here");
      done.run(null);
    }
  }

  private ConnectedPeer start(String lower, boolean blocking) {
    String address =
        lower.equals("inproc")
            ? "inproc://generic-" + NAMES.incrementAndGet()
            : "zmq+tcp://127.0.0.1:0";
    Peer server =
        closer.later(
            Peer.builder()
                .bind(address)
                .defaultTimeout(Await.LIMIT)
                .interceptor(
                    new CallInterceptor() {
                      @Override
                      public void started(CallInfo call) {
                        served.add(call);
                      }
                    })
                .build());
    assertEquals(
        List.of("callosum.legacy.Arith/Multiply", "callosum.legacy.Arith/Divide"),
        blocking
            ? ProtobufServices.bind(server, Arith.newReflectiveBlockingService(new Blocking()))
            : ProtobufServices.bind(server, Arith.newReflectiveService(new Async())));
    server.start();
    return closer
        .later(
            Peer.builder()
                .connect(server.address())
                .defaultTimeout(Await.LIMIT.multipliedBy(3))
                .build())
        .start();
  }

  private static Operands ops(long a, long b) {
    return Operands.newBuilder().setA(a).setB(b).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void generatedBlockingStubsCallAGeneratedBlockingService(String lower) throws Exception {
    ConnectedPeer peer = start(lower, true);
    Arith.BlockingInterface arith =
        Arith.newBlockingStub(ProtobufServices.blockingRpcChannel(peer));
    assertEquals(42, arith.multiply(null, ops(6, 7)).getValue());
    ProtobufController controller = new ProtobufController().orderKey(OrderKey.of("k"));
    assertEquals(3, arith.divide(controller, ops(9, 3)).getValue());
    assertTrue(
        served.stream().anyMatch(c -> c.orderKey().equals(OrderKey.of("k"))),
        "the order key travelled");

    ServiceException e = assertThrows(ServiceException.class, () -> arith.divide(null, ops(1, 0)));
    RemoteUserException remote = assertInstanceOf(RemoteUserException.class, e.getCause());
    assertEquals(ServiceException.class.getName(), remote.remoteName());
    assertTrue(remote.remoteRepr().contains("division by zero"), remote.remoteRepr());
    ProtobufController failing = new ProtobufController();
    assertThrows(ServiceException.class, () -> arith.divide(failing, ops(1, -1)));
    assertTrue(failing.failed());
    assertTrue(((RemoteUserException) failing.failure()).remoteRepr().contains("negative divisor"));

    ProtobufController timed = new ProtobufController().timeout(Duration.ofMillis(200));
    assertThrows(ServiceException.class, () -> arith.divide(timed, ops(-1, 1)));
    assertInstanceOf(CallTimeoutException.class, timed.failure());

    TypedArith typed =
        ProtobufServices.client(peer, Arith.getDescriptor(), TypedArith.class).stub();
    assertEquals(
        12, Await.result(typed.multiply(ops(3, 4))).getValue(), "the same wire as typed calls");
  }

  @ParameterizedTest
  @ValueSource(strings = {"inproc", "zmq+tcp"})
  void generatedStubsCallAGeneratedServiceWithCallbacks(String lower) throws Exception {
    ConnectedPeer peer = start(lower, false);
    Arith.Interface arith = Arith.newStub(ProtobufServices.rpcChannel(peer));
    CompletableFuture<Result> product = new CompletableFuture<>();
    arith.multiply(new ProtobufController(), ops(5, 5), product::complete);
    assertEquals(25, Await.result(product).getValue());

    ProtobufController controller = new ProtobufController();
    CompletableFuture<Result> quotient = new CompletableFuture<>();
    arith.divide(controller, ops(4, 2), quotient::complete);
    assertNull(Await.result(quotient), "a failed call answers null");
    assertTrue(controller.failed());
    assertTrue(((RemoteUserException) controller.failure()).remoteRepr().contains("not here"));
  }

  @Test
  void aCallbackThatThrowsIsLoggedNotLost() throws Exception {
    Arith.Interface arith = Arith.newStub(ProtobufServices.rpcChannel(start("inproc", false)));
    // slf4j-simple logs to System.err; tests run one at a time in this module.
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      arith.multiply(
          new ProtobufController(),
          ops(6, 7),
          r -> {
            throw new IllegalStateException("callback bug at " + r.getValue());
          });
      Await.until(
          "the callback's failure is logged",
          () -> err.toString(StandardCharsets.UTF_8).contains("callback bug at 42"));
    } finally {
      System.setErr(original);
    }
    String log = err.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("WARN"), log);
    assertTrue(log.contains("the callback of callosum.legacy.Arith.Multiply failed"), log);
  }
}
