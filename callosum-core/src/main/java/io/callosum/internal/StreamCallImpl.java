package io.callosum.internal;

import io.callosum.StreamCall;
import io.callosum.StreamSink;
import io.callosum.StreamSource;
import java.util.concurrent.CompletableFuture;

/** A call with streams, as {@link OutgoingCalls#openStream} made it. */
record StreamCallImpl(
    StreamSink upstream, StreamSource downstream, CompletableFuture<Object> result)
    implements StreamCall {
  @Override
  public String toString() {
    return "StreamCall(" + (result.isDone() ? "done" : "in progress") + ")";
  }
}
