package io.callosum.internal;

import io.callosum.lower.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the stream messages of one stream of one call (see the stream extension in WIRE.md). A send
 * that fails because the connection has gone is dropped here: losing the connection ends the call,
 * and with it the stream.
 */
final class StreamWire {
  private static final Logger LOG = LoggerFactory.getLogger(StreamWire.class);

  /**
   * Items of at least this many bytes go to a lower that writes body pieces as two pieces, the
   * item's bytes uncopied ({@code Envelope.ofPieces}); smaller ones are copied into one body frame,
   * which costs less than a second piece.
   */
  static final int PIECES_FROM = 16 << 10;

  private final RemoteLink remote;
  private final Header call;
  private final int direction;

  /**
   * The header of every item of this stream, encoded on first use (lowers never change header
   * bytes).
   */
  private byte[] itemHeader;

  /** {@code remote} is null for a stream of a call refused before it had one. */
  StreamWire(RemoteLink remote, Header call, int direction) {
    this.remote = remote;
    this.call = call;
    this.direction = direction;
  }

  int direction() {
    return direction;
  }

  String describe() {
    return (direction == Header.UPSTREAM ? "upstream" : "downstream")
        + " of "
        + call.method()
        + " (seq "
        + call.seq()
        + ")";
  }

  /** The size of an item message carrying {@code bodyLength} bytes. */
  long itemSize(int bodyLength) {
    return itemHeader().length + MessageCodec.bodyFrameSize(0, bodyLength);
  }

  private synchronized byte[] itemHeader() {
    if (itemHeader == null) {
      itemHeader = MessageCodec.encodeHeader(call.stream(MessageType.STREAM_ITEM, direction, 0, 0));
    }
    return itemHeader;
  }

  void item(byte[] body) {
    send(itemHeader(), MessageType.STREAM_ITEM, MessageCodec.NO_META, body);
  }

  void credit(long items, long bytes) {
    send(MessageType.STREAM_CREDIT, items, bytes, MessageCodec.EMPTY_ARRAY_META, null);
  }

  /**
   * Ends the stream: completed ({@code errorMeta} null) or failed with {@code [name, repr,
   * traceback]}.
   */
  void end(String[] errorMeta) {
    byte[] meta =
        errorMeta == null
            ? MessageCodec.EMPTY_ARRAY_META
            : MessageCodec.encodeErrorMeta(errorMeta[0], errorMeta[1], errorMeta[2]);
    send(MessageType.STREAM_END, 0, 0, meta, null);
  }

  void cancel() {
    send(MessageType.STREAM_CANCEL, 0, 0, MessageCodec.EMPTY_ARRAY_META, null);
  }

  private void send(MessageType type, long items, long bytes, byte[] meta, byte[] body) {
    if (remote != null && remote.connected) {
      send(MessageCodec.encodeHeader(call.stream(type, direction, items, bytes)), type, meta, body);
    }
  }

  private void send(byte[] header, MessageType type, byte[] meta, byte[] body) {
    if (remote == null || !remote.connected) {
      return;
    }
    try {
      remote.link.send(
          body != null && body.length >= PIECES_FROM && remote.link.writesBodyPieces()
              ? Envelope.ofPieces(header, MessageCodec.encodeBodyHead(meta, body.length), body)
              : new Envelope(header, MessageCodec.encodeBody(meta, body, false)));
    } catch (RuntimeException e) {
      LOG.debug("{} of {} not sent: {}", type, describe(), e.getMessage());
    }
  }
}
