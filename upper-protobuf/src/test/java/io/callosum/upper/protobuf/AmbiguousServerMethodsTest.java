package io.callosum.upper.protobuf;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.callosum.CallContext;
import io.callosum.Peer;
import io.callosum.upper.protobuf.test.Num;
import io.callosum.upper.protobuf.test.Pair;
import org.junit.jupiter.api.Test;

/**
 * Two server methods for one rpc (an overload with a CallContext, or add and Add): the peer keeps
 * only the handler registered last, so one of them would silently never run. Refuse at bind time.
 */
class AmbiguousServerMethodsTest {
  interface TwoForAdd {
    Num add(Pair p);

    Num add(Pair p, CallContext ctx);
  }

  @Test
  void twoMethodsForOneRpcAreRefused() {
    try (Peer p = Peer.builder().bind("inproc://ambiguous-test").build()) {
      TwoForAdd impl =
          new TwoForAdd() {
            @Override
            public Num add(Pair pair) {
              return Num.newBuilder().setValue(1).build();
            }

            @Override
            public Num add(Pair pair, CallContext ctx) {
              return Num.newBuilder().setValue(2).build();
            }
          };
      assertThrows(
          IllegalArgumentException.class,
          () -> ProtobufServices.bind(p, Calc.SERVICE, TwoForAdd.class, impl));
    }
  }
}
