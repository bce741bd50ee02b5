package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Futures;
import io.callosum.ShuttingDownException;
import java.time.Duration;
import java.util.List;

/**
 * The snippets of the user guide's section "Shutdown" (docs/GUIDE.md): stopping a server gracefully
 * within a grace period, and a caller that moves on to another server when one shuts down.
 */
final class ShutdownGuide {
  private ShutdownGuide() {}

  /**
   * Stops {@code server}, letting calls in flight finish for up to {@code grace}; true if they did.
   */
  static boolean stop(BoundPeer server, Duration grace) throws InterruptedException {
    // guide:shutdown
    server.shutdown(); // new calls are refused, Java clients are told; calls in flight go on
    if (server.awaitTermination(grace)) {
      return true; // every call finished and was answered; the peer has closed
    }
    server.shutdownNow(); // the grace period is over: cancel what still runs, and close
    return false;
    // end guide:shutdown
  }

  // guide:callAny
  /** Calls {@code method} on the first of {@code servers} that is not shutting down. */
  static Object callAny(List<ConnectedPeer> servers, String method, Object argument) {
    for (ConnectedPeer server : servers) {
      try {
        return Futures.await(server.invoke(method, argument));
      } catch (ShuttingDownException e) {
        // Nothing of the call ran there: it is safe to make it on the next server.
      }
    }
    throw new IllegalStateException("every server is shutting down");
  }
  // end guide:callAny
}
