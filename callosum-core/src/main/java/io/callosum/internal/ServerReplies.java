package io.callosum.internal;

import io.callosum.CallosumException;
import io.callosum.CodecException;
import io.callosum.ErrorCode;
import io.callosum.Limits;
import io.callosum.Metadata;
import io.callosum.Payload;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.upper.Codec;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a handler's outcome into its reply (callee side): a RESULT with the value encoded, a
 * FAILURE with the exception, both with the handler's reply metadata for callers that announce it;
 * or a framework ERROR when the value cannot be encoded, the reply is too large, or the method has
 * no handler. Holds only the peer's settings: any handler or callback thread.
 */
final class ServerReplies {
  private static final Logger LOG = LoggerFactory.getLogger(ServerReplies.class);

  /** What the handler of a method that has none throws: answered "no such method". */
  static final class NoSuchMethod extends CallosumException {
    private static final long serialVersionUID = 1L;

    NoSuchMethod(String method) {
      super(ErrorCode.NO_SUCH_METHOD, "no such method: " + method);
    }
  }

  private final String name;
  private final Codec codec;
  private final Limits limits;
  private final boolean compressReplies;
  private final boolean stackTraces;

  ServerReplies(PeerConfig config, String name) {
    this.name = name;
    this.codec = config.codec();
    this.limits = config.limits();
    this.compressReplies = config.compressReplies();
    this.stackTraces = config.stackTracesInReplies();
  }

  /** The reply for a handler's outcome; notes in the call what a framework error is about. */
  Envelope of(ServerCall c, Object value, Throwable failure) {
    while ((failure instanceof CompletionException || failure instanceof ExecutionException)
        && failure.getCause() != null) {
      failure = failure.getCause();
    }
    if (failure instanceof NoSuchMethod) {
      return frameworkError(c, ErrorCode.NO_SUCH_METHOD, ErrorNames.NO_SUCH_METHOD, failure);
    }
    if (failure instanceof CodecException) {
      return frameworkError(c, ErrorCode.CODEC_ERROR, ErrorNames.CODEC_ERROR, failure);
    }
    Metadata md =
        c.remote.capabilities.has(Capabilities.METADATA) ? c.replyMetadata() : Metadata.EMPTY;
    String over = MessageCodec.metadataOverLimits(md, limits);
    if (over != null) {
      LOG.warn("{}: the reply metadata of {} is refused: {}", name, c, over);
      c.replyCode = ErrorCode.MESSAGE_TOO_LARGE;
      return Replies.frameworkError(
          c.header,
          ErrorNames.MESSAGE_TOO_LARGE,
          "the reply of " + c.header.method() + ": " + over);
    }
    if (failure != null) {
      return Replies.error(
          c.header.reply(MessageType.FAILURE).withExtras(md, 0),
          ErrorNames.describe(failure, stackTraces));
    }
    byte[] bytes;
    try {
      bytes = value instanceof Payload payload ? payload.bytes() : codec.encode(value);
    } catch (CodecException e) {
      LOG.warn(
          "{}: cannot encode the result of {}: {}",
          name,
          DropLog.text(c.header.method()),
          e.getMessage());
      c.replyCode = ErrorCode.CODEC_ERROR;
      return Replies.frameworkError(
          c.header,
          ErrorNames.CODEC_ERROR,
          "cannot encode the result of " + c.header.method() + ": " + e.getMessage());
    }
    Header call = c.header;
    Header result =
        new Header(
            MessageType.RESULT,
            call.method(),
            call.orderKey(),
            call.seq(),
            compressReplies,
            List.of(), // a reply carries no chain (as Header.reply)
            0,
            0,
            0,
            0,
            md,
            0);
    byte[] header = MessageCodec.encodeHeader(result);
    c.resultHeader = result;
    long size = header.length + MessageCodec.bodyFrameSize(1, bytes.length);
    if (size > limits.maxMessageSize()) {
      c.replyCode = ErrorCode.MESSAGE_TOO_LARGE;
      return Replies.frameworkError(
          c.header,
          ErrorNames.MESSAGE_TOO_LARGE,
          "the result of "
              + c.header.method()
              + " is "
              + size
              + " bytes, more than the limit of "
              + limits.maxMessageSize());
    }
    return new Envelope(
        header, MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, bytes, compressReplies));
  }

  private static Envelope frameworkError(
      ServerCall c, ErrorCode code, String errorName, Throwable failure) {
    c.replyCode = code;
    return Replies.frameworkError(c.header, errorName, failure.getMessage());
  }
}
