package io.callosum.upper.protobuf;

import com.google.protobuf.Message;
import java.time.Duration;

/**
 * The sending end of a streaming rpc's messages: a caller's {@link MessageStreamCall#requests()} or
 * the responses a server-streaming or bidirectional handler writes. Sending waits for the
 * receiver's credit (see the core's STREAMS.md), so a slow receiver slows the sender. Thread-safe.
 */
public interface MessageSink<T extends Message> {
  /**
   * Sends {@code message}, waiting for credit; throws {@code CallCancelledException} once the
   * receiver has gone.
   */
  void send(T message) throws InterruptedException;

  /** Sends {@code message}, waiting up to {@code timeout} for credit; false if none came. */
  boolean send(T message, Duration timeout) throws InterruptedException;

  /** Ends the stream normally. */
  void complete();

  /** Ends the stream with {@code error}; the receiver's next read throws it as a remote error. */
  void fail(Throwable error);

  /** Whether the receiver has gone (cancelled, or the call ended). */
  boolean isCancelled();
}
