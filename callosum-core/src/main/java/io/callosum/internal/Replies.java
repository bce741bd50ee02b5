package io.callosum.internal;

import io.callosum.OrderKey;
import io.callosum.lower.Envelope;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The envelopes of replies other than RESULT, and of CANCEL; and the framework ERROR a callee sends
 * at once, outside any ordering. Stateless: any thread.
 */
final class Replies {
  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  private Replies() {}

  /**
   * A FAILURE (the handler threw) or ERROR (the framework refused) reply with {@code [name, repr,
   * traceback]}.
   */
  static Envelope error(Header request, MessageType failureOrError, String[] meta) {
    return error(request.reply(failureOrError), meta);
  }

  /** A FAILURE or ERROR reply of header {@code reply} (which may carry metadata). */
  static Envelope error(Header reply, String[] meta) {
    return new Envelope(
        MessageCodec.encodeHeader(reply),
        MessageCodec.encodeBody(
            MessageCodec.encodeErrorMeta(meta[0], meta[1], meta[2]), null, false));
  }

  /** A framework ERROR reply named {@code errorName} (one of {@link ErrorNames}). */
  static Envelope frameworkError(Header request, String errorName, String message) {
    return error(request, MessageType.ERROR, ErrorNames.framework(errorName, message));
  }

  static Envelope cancelled(Header request) {
    return new Envelope(
        MessageCodec.encodeHeader(request.reply(MessageType.CANCELLED)),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false));
  }

  /** The SHUTDOWN a peer sends its remotes that announced {@code shutdown} when it shuts down. */
  static Envelope shutdown() {
    return new Envelope(
        MessageCodec.encodeHeader(
            new Header(MessageType.SHUTDOWN, "", OrderKey.NONE, 0, false, List.of())),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false));
  }

  /** The CANCEL a caller sends for its call. */
  static Envelope cancel(String method, OrderKey okey, long seq) {
    return new Envelope(
        MessageCodec.encodeHeader(
            new Header(MessageType.CANCEL, method, okey, seq, false, List.of())),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false));
  }

  /**
   * Answers {@code request} with a framework ERROR at once, outside any ordering; a failed send is
   * logged.
   */
  static void sendError(RemoteLink r, Header request, String errorName, String message) {
    try {
      r.link.send(frameworkError(request, errorName, message));
    } catch (RuntimeException e) {
      LOG.debug("error reply to {} not sent: {}", r.id(), e.getMessage());
    }
  }
}
