package io.callosum.upper.protobuf;

import com.google.protobuf.Message;
import java.util.concurrent.CompletableFuture;

/**
 * A call of a streaming rpc, returned by a client stub's method for an rpc with {@code stream} in
 * the {@code .proto}:
 *
 * <ul>
 *   <li>server streaming {@code rpc M(Req) returns (stream Resp)}: stub method {@code
 *       MessageStreamCall<Req, Resp> m(Req)}; read {@link #responses()};
 *   <li>client streaming {@code rpc M(stream Req) returns (Resp)}: {@code MessageStreamCall<Req,
 *       Resp> m()}; write {@link #requests()}, {@code complete()} it, then {@link #response()};
 *   <li>bidirectional: {@code MessageStreamCall<Req, Resp> m()}; both.
 * </ul>
 *
 * Thread-safe.
 */
public interface MessageStreamCall<Req extends Message, Resp extends Message> {
  /** The requests to the handler; already completed for server streaming. */
  MessageSink<Req> requests();

  /** The handler's responses; for client streaming use {@link #response()} instead. */
  MessageSource<Resp> responses();

  /**
   * Client streaming: the one response. Other shapes: null once the handler has returned. Fails
   * with the call's error (e.g. {@link ProtobufServiceException}, {@code CallTimeoutException}).
   */
  CompletableFuture<Resp> response();

  /** Cancels the call: the handler is cancelled and both streams end. */
  boolean cancel();
}
