package io.callosum.upper.protobuf;

import com.google.protobuf.Message;
import java.time.Duration;

/**
 * The receiving end of a streaming rpc's messages: a caller's {@link MessageStreamCall#responses()}
 * or the requests a client-streaming or bidirectional handler reads. Reads block; taking a message
 * grants the sender credit. Thread-safe.
 */
public interface MessageSource<T extends Message> {
  /**
   * The next message, or null once the stream has ended normally. Throws the stream's failure in
   * the core's error family ({@link ProtobufServiceException} for a declared error, {@code
   * CodecException} for an item that does not parse as {@code T}).
   */
  T take() throws InterruptedException;

  /** Like {@link #take()}, but null also when nothing arrived within {@code timeout}. */
  T poll(Duration timeout) throws InterruptedException;

  /** Whether no more messages will arrive (some may still wait to be taken). */
  boolean isEnded();

  /** Tells the sender to stop and drops what is buffered; the call itself goes on. */
  void cancel();
}
