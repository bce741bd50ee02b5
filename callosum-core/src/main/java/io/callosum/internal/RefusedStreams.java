package io.callosum.internal;

import io.callosum.CallosumException;
import io.callosum.OrderKey;
import io.callosum.StreamCall;
import io.callosum.upper.Codec;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The {@link StreamCall} of a call refused before it was made: its result fails, its upstream takes
 * nothing and its downstream has ended, all with the refusal. Nothing of it reaches a remote.
 */
public final class RefusedStreams {
  private RefusedStreams() {}

  /**
   * For a call refused before any connection was chosen (a balanced peer with no endpoint ready);
   * its streams' callbacks run on the thread that reads them.
   */
  public static StreamCall of(String method, OrderKey key, CallosumException failure, Codec codec) {
    return of(null, method, key, failure, codec, Integer.MAX_VALUE, Runnable::run, false);
  }

  /** For a call refused on its way to {@code target} (null: to no remote). */
  static StreamCall of(
      RemoteLink target,
      String method,
      OrderKey key,
      CallosumException failure,
      Codec codec,
      int maxMessageSize,
      Executor callbacks,
      boolean stackTraces) {
    Header call =
        new Header(
            MessageType.FUNCTION, method, key != null ? key : OrderKey.NONE, 0, false, List.of());
    StreamOut up =
        new StreamOut(
            new StreamWire(target, call, Header.UPSTREAM),
            codec,
            maxMessageSize,
            callbacks,
            true,
            stackTraces);
    up.stop(failure);
    StreamIn down =
        StreamIn.ended(new StreamWire(target, call, Header.DOWNSTREAM), codec, callbacks, failure);
    return new StreamCallImpl(up, down, CompletableFuture.failedFuture(failure));
  }
}
