package io.callosum.upper.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Peer;
import io.callosum.upper.protobuf.test.Num;
import io.callosum.upper.protobuf.test.Pair;
import io.callosum.upper.protobuf.test.Text;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Interfaces that do not fit the service are refused when the client or binding is made. */
class ServiceModelTest {
  interface Misnamed {
    CompletableFuture<Num> plus(Pair p);
  }

  interface WrongRequest {
    CompletableFuture<Num> add(Text t);
  }

  interface WrongResponse {
    Text add(Pair p);
  }

  interface StreamAsUnary {
    CompletableFuture<Num> count(Num n);
  }

  interface ServerStreamWithoutSink {
    void count(Num n);
  }

  interface UpperCaseNames {
    Num Add(Pair p);
  }

  private static String refusedClient(Class<?> api) {
    return assertThrows(
            IllegalArgumentException.class,
            () ->
                ProtobufServices.client(
                    Peer.builder().connect("inproc://nowhere").build(), Calc.SERVICE, api))
        .getMessage();
  }

  @Test
  void misfitsAreRefusedWithAMessageSayingWhy() {
    assertTrue(
        refusedClient(Misnamed.class)
            .contains("matches no rpc of callosum.test.Calc (it has Add, Echo"));
    assertTrue(
        refusedClient(WrongRequest.class)
            .contains("expected callosum.test.Pair where it has callosum.test.Text"));
    assertTrue(
        refusedClient(WrongResponse.class)
            .contains("expected callosum.test.Num where it has callosum.test.Text"));
    assertTrue(refusedClient(StreamAsUnary.class).contains("MessageStreamCall<Num, Num>"));
    assertTrue(refusedClient(String.class).contains("not an interface"));
    try (Peer p = Peer.builder().bind("inproc://model-test").build()) {
      String m =
          assertThrows(
                  IllegalArgumentException.class,
                  () ->
                      ProtobufServices.bind(
                          p, Calc.SERVICE, ServerStreamWithoutSink.class, n -> {}))
              .getMessage();
      assertTrue(m.contains("MessageSink<Num> responses"), m);
    }
  }

  @Test
  void rpcNamesMayKeepTheirProtoCase() {
    try (Peer p = Peer.builder().bind("inproc://model-test-2").build()) {
      assertEquals(
          List.of("callosum.test.Calc/Add"),
          ProtobufServices.bind(
              p,
              Calc.SERVICE,
              UpperCaseNames.class,
              pair -> Num.newBuilder().setValue(pair.getA()).build()));
    }
  }
}
