package io.callosum;

import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.Flow;

/**
 * The sending end of a stream of a call: a caller's {@link StreamCall#upstream()} or a stream
 * handler's {@code downstream}. Items are encoded by the peer's codec (a {@link Payload} is sent as
 * it is) and leave at once, in order, as far as the receiver's credit allows: the receiver grants
 * items and bytes as it consumes them, so a slow receiver makes this end wait ({@link #send}) or
 * refuse ({@link #offer}) and never makes memory grow.
 *
 * <p>A stream ends once: {@link #complete()} or {@link #fail(Throwable)} by this end, or when the
 * receiver cancels it or the call ends (then {@link #isCancelled()} and sending throws {@link
 * CallCancelledException}). Thread-safe; items sent from several threads at once leave in some
 * order.
 */
public interface StreamSink extends AutoCloseable {
  /**
   * Sends {@code item} if the receiver's credit allows it now; false otherwise (nothing was sent).
   *
   * @throws CallCancelledException if the stream was cancelled or its call ended
   * @throws IllegalStateException if this end already completed or failed the stream
   */
  boolean offer(Object item);

  /**
   * Sends {@code item}, waiting up to {@code timeout} for credit; false if none came (nothing was
   * sent). Exceptions as for {@link #offer}.
   */
  boolean send(Object item, Duration timeout) throws InterruptedException;

  /**
   * Sends {@code item}, waiting for credit as long as the stream lives. Exceptions as for {@link
   * #offer}.
   */
  void send(Object item) throws InterruptedException;

  /**
   * Ends the stream normally; the receiver sees the end after every item sent before. Idempotent.
   */
  void complete();

  /**
   * Ends the stream with {@code error}: the receiver's next read throws it as a {@link
   * RemoteUserException} (class name, message and stack trace text). Ignored once ended.
   */
  void fail(Throwable error);

  /** Whether the receiver cancelled the stream or its call ended: nothing more can be sent. */
  boolean isCancelled();

  /** Items the receiver lets this end send now, 0 if none. */
  long credit();

  /**
   * A subscriber that forwards what a {@link Flow.Publisher} emits into this stream: it requests
   * items only as credit allows, completes or fails the stream with the publisher, and cancels its
   * subscription when the stream is cancelled. Subscribe it to one publisher only.
   */
  Flow.Subscriber<Object> subscriber();

  /**
   * The stream as bytes: writes are gathered into items of up to {@code chunkSize} bytes, each sent
   * as a {@link Payload} ({@code flush()} sends what is gathered); {@code close()} completes the
   * stream. A write after the receiver has gone throws {@link java.io.IOException} ("broken pipe").
   * Not thread-safe, like any OutputStream.
   */
  OutputStream outputStream(int chunkSize);

  /** {@link #complete()}. */
  @Override
  default void close() {
    complete();
  }
}
