package io.callosum.upper.protobuf;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CodecException;
import io.callosum.ConnectedPeer;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.protobuf.legacy.Arith;
import io.callosum.upper.protobuf.legacy.Operands;
import io.callosum.upper.protobuf.legacy.Result;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * protoc's RpcChannel contract: when {@code done} gets null, {@code controller.failed()} is true. A
 * reply that does not parse as the response type must fail the controller like any other failure.
 */
class GenericChannelBadReplyTest {
  @RegisterExtension final Closer closer = new Closer();

  @Test
  void anUnparsableReplyFailsTheController() throws Exception {
    Peer server =
        closer.later(
            Peer.builder().bind("inproc://generic-bad-reply").defaultTimeout(Await.LIMIT).build());
    // Field 1 of Result is an int64: a length-delimited field 1 is a misfit, refused by the parser.
    server.handle(
        "callosum.legacy.Arith/Multiply",
        (ctx, body) -> Payload.wrap(new byte[] {0x0a, 0x01, 0x00}));
    server.start();
    ConnectedPeer peer =
        closer
            .later(Peer.builder().connect(server.address()).defaultTimeout(Await.LIMIT).build())
            .start();

    Arith.Interface arith = Arith.newStub(ProtobufServices.rpcChannel(peer));
    ProtobufController controller = new ProtobufController();
    CompletableFuture<Result> done = new CompletableFuture<>();
    arith.multiply(controller, Operands.newBuilder().setA(1).setB(2).build(), done::complete);
    assertNull(Await.result(done));
    assertTrue(controller.failed(), "done got null, so the controller must say the call failed");
    assertInstanceOf(CodecException.class, controller.failure());
  }
}
