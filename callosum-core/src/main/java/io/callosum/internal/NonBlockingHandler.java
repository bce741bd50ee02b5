package io.callosum.internal;

import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.Handler;

/**
 * A handler its author declared non-blocking ({@link Handler#nonBlocking}): {@link IncomingCalls}
 * runs it on the thread that starts the call instead of handing it to the handler executor.
 */
public final class NonBlockingHandler implements Handler {
  private final Handler handler;

  public NonBlockingHandler(Handler handler) {
    this.handler = handler;
  }

  @Override
  public Object handle(CallContext context, Body body) throws Exception {
    return handler.handle(context, body);
  }

  @Override
  public String toString() {
    return "nonBlocking(" + handler + ")";
  }
}
