package io.callosum.upper.protobuf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CodecException;
import io.callosum.ConnectedPeer;
import io.callosum.Ordering;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.protobuf.test.Num;
import io.callosum.upper.protobuf.test.Pair;
import io.callosum.upper.protobuf.test.Text;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Protobuf as the peer's codec: the one line that replaces msgpack. */
class ProtobufCodecTest {
  @RegisterExtension final Closer closer = new Closer();

  private final ProtobufCodec codec = new ProtobufCodec();

  @Test
  void encodesMessagesAndDecodesIntoTheirClasses() {
    Pair p = Pair.newBuilder().setA(1).setB(2).build();
    byte[] bytes = codec.encode(p);
    assertArrayEquals(p.toByteArray(), bytes);
    assertEquals(p, codec.decode(bytes, Pair.class));
    assertEquals(Payload.wrap(bytes), codec.decode(bytes, Object.class));
    assertArrayEquals(new byte[0], codec.encode(null));
    assertThrows(CodecException.class, () -> codec.encode("a string"));
    assertThrows(CodecException.class, () -> codec.decode(bytes, String.class));
    CodecException e =
        assertThrows(
            CodecException.class, () -> codec.decode(new byte[] {0x0A, 0x05, 'a'}, Text.class));
    assertTrue(e.getMessage().contains("callosum.test.Text"), e.getMessage());
  }

  @Test
  void plainHandlersAndCallsWorkWithMessages() throws Exception {
    Peer server =
        closer.later(
            Peer.builder()
                .bind("inproc://codec-test")
                .codec(new ProtobufCodec())
                .ordering(Ordering.NONE)
                .build());
    server.handle(
        "sum",
        Pair.class,
        (ctx, pair) -> Num.newBuilder().setValue(pair.getA() + pair.getB()).build());
    server.start();
    ConnectedPeer client =
        closer
            .later(Peer.builder().connect(server.address()).codec(new ProtobufCodec()).build())
            .start();
    assertEquals(
        5,
        Await.result(client.invoke("sum", Pair.newBuilder().setA(2).setB(3).build(), Num.class))
            .getValue());
  }
}
