package io.callosum.examples.guide;

import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.ConnectedPeer;
import io.callosum.Handler;
import io.callosum.Metadata;
import io.callosum.Peer;
import io.callosum.Reply;
import java.time.Duration;
import java.util.List;

/**
 * The snippets of the user guide's section "Metadata and deadlines" (docs/GUIDE.md): metadata on a
 * call and on its reply, a deadline that nested calls inherit, and an interceptor that adds
 * metadata to every call and checks it on the handler's thread.
 */
final class MetadataGuide {
  private MetadataGuide() {}

  /** A server at {@code address} whose {@code balance} reads and answers with metadata. */
  static BoundPeer server(String address) {
    BoundPeer server = Peer.builder().bind(address).build();
    // guide:metadata-handler
    server.handle(
        "balance",
        (ctx, body) -> {
          String tenant = ctx.metadata().get("tenant"); // null if the caller sent none
          ctx.setReplyMetadata(Metadata.of("served-by", "eu-1"));
          return tenant + ": 100";
        });
    // end guide:metadata-handler
    return server.start();
  }

  /** The call of {@code balance} with metadata: the result and what came with the reply. */
  static List<String> call(ConnectedPeer client) {
    // guide:metadata-call
    Metadata md =
        Metadata.builder()
            .put("tenant", "acme")
            .put("token", new byte[] {0x0a, 0x0b}) // binary values travel as msgpack bin
            .build();
    Reply<String> reply =
        client.call("balance").metadata(md).invokeForReply(null, String.class).join();
    String value = reply.value(); // "acme: 100"
    String servedBy = reply.metadata().get("served-by"); // "eu-1"
    // end guide:metadata-call
    return List.of(value, servedBy);
  }

  /**
   * A server whose {@code quote} asks its caller for a price: what time each handler had left, in
   * milliseconds, when the client allows 2 s.
   */
  static List<Long> deadlines(BoundPeer server, ConnectedPeer client) {
    // guide:deadlines
    server.handle(
        "quote",
        (ctx, body) -> {
          long left = ctx.timeRemaining().orElseThrow().toMillis(); // at most 2,000
          // A call made here times out no later than this call: it inherits the deadline.
          long callerLeft = ctx.caller().invoke("price", null, Long.class).join();
          return List.of(left, callerLeft);
        });
    client.handle("price", (ctx, body) -> ctx.timeRemaining().orElseThrow().toMillis());
    List<?> left =
        client.call("quote").timeout(Duration.ofSeconds(2)).invoke(null, List.class).join();
    // end guide:deadlines
    return left.stream().map(n -> ((Number) n).longValue()).toList();
  }

  /** An interceptor that signs every call it sends and refuses unsigned ones it serves. */
  static CallInterceptor signer(String secret) {
    // guide:interceptor
    CallInterceptor signer =
        new CallInterceptor() {
          @Override
          public Listener sending(CallInfo call, Metadata.Builder metadata) {
            metadata.put("signed-by", secret); // on the caller's thread, before the call leaves
            return null; // no need to hear how the call ends
          }

          @Override
          public Object intercept(CallContext call, Body body, Handler next) throws Exception {
            // On the handler's thread, with the call current: calls made here are its callbacks.
            if (!secret.equals(call.metadata().get("signed-by"))) {
              throw new SecurityException("unsigned call of " + call.method());
            }
            return next.handle(call, body);
          }
        };
    // end guide:interceptor
    return signer;
  }
}
