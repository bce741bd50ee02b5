package io.callosum.internal;

import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.Limits;
import io.callosum.MessageTooLargeException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound dispatch: decodes each envelope's header, checks it against the limits and the extensions
 * the remote announced, and routes it by type to the part that handles it. A message that is
 * malformed, too big or unannounced is answered (a call with an ERROR, a reply by failing its call)
 * or dropped with a log line; it never reaches the parts.
 *
 * <p>Runs on the lower's I/O thread ({@link #received}), except {@link #tooLarge}, which a chunked
 * transfer's check may call there too.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private final String name;
  private final DropLog drops;
  private final Limits limits;
  private final IncomingCalls incoming;
  private final OutgoingCalls outgoing;
  private final ChunkTransfers chunks;
  private final StreamRouting streams;
  private final Drain drain;
  private final Consumer<RemoteLink> remoteShuttingDown;

  Dispatcher(
      String name,
      DropLog drops,
      Limits limits,
      IncomingCalls incoming,
      OutgoingCalls outgoing,
      ChunkTransfers chunks,
      StreamRouting streams,
      Drain drain,
      Consumer<RemoteLink> remoteShuttingDown) {
    this.name = name;
    this.drops = drops;
    this.limits = limits;
    this.incoming = incoming;
    this.outgoing = outgoing;
    this.chunks = chunks;
    this.streams = streams;
    this.drain = drain;
    this.remoteShuttingDown = remoteShuttingDown;
  }

  void received(RemoteLink r, Envelope env) {
    received(r, env, false);
  }

  /**
   * {@code reassembled}: the message came in chunks, whose transfer began before; a call that began
   * arriving before a shutdown is served like one that came whole before it.
   */
  private void received(RemoteLink r, Envelope env, boolean reassembled) {
    if (env.header().length > limits.maxHeaderSize()) {
      drops.warn(
          "{}: dropped a message from {}: header of {} bytes exceeds {}",
          name,
          r.id(),
          env.header().length,
          limits.maxHeaderSize());
      return;
    }
    Header h;
    try {
      h = MessageCodec.decodeHeader(env.header(), limits);
    } catch (BadMessageException e) {
      malformed(r, e, env);
      return;
    }
    if (!announced(r, h, env)) {
      return;
    }
    if (h.type() == MessageType.FUNCTION && !reassembled && refusedWhileShuttingDown(r, h)) {
      return;
    }
    if (h.chunkTotal() > 0) {
      chunks.announced(r, h, env);
      return;
    }
    if (env.size() > limits.maxMessageSize()) {
      tooLarge(r, h, env.size());
      return;
    }
    route(r, h, env);
  }

  private void route(RemoteLink r, Header h, Envelope env) {
    switch (h.type()) {
      case CHUNK -> {
        Envelope whole = chunks.chunk(r, h, env);
        if (whole != null) {
          received(r, whole, true); // the big message, as if it had come in one piece
        }
      }
      case CHUNK_CREDIT -> chunks.credit(r, h);
      case FUNCTION -> incoming.received(r, h, env);
      case CANCEL -> incoming.cancelled(r, h);
      case STREAM_ITEM, STREAM_CREDIT, STREAM_END, STREAM_CANCEL -> streams.received(r, h, env);
      case RESULT, FAILURE, ERROR, CANCELLED -> outgoing.received(r, h, env);
      case SHUTDOWN -> remoteShuttingDown.accept(r);
      default -> drops.warn("{}: dropped a message of type {} from {}", name, h.type(), r.id());
    }
  }

  /**
   * While this peer shuts down, a new call is answered with a {@code callosum.ShuttingDown} ERROR
   * (a chunked one at its announcement, and its sender told to stop), unless it is a callback of a
   * call in flight here (its chain names one): that one is part of a call this peer finishes.
   */
  private boolean refusedWhileShuttingDown(RemoteLink r, Header h) {
    if (!drain.isDraining()) {
      return false;
    }
    if (r.capabilities.has(Capabilities.CHAIN)
        && !h.chain().isEmpty()
        && !outgoing.ancestorsOf(h.chain()).isEmpty()) {
      return false;
    }
    LOG.debug("{}: refused {} from {}: shutting down", name, DropLog.text(h.method()), r.id());
    Replies.sendError(
        r, h, ErrorNames.SHUTTING_DOWN, "the peer is shutting down and takes no new calls");
    if (h.chunkTotal() > 0) {
      chunks.abort(r, h, Chunks.REQUEST);
    }
    return true;
  }

  /** A header that did not decode: a call readable enough gets an ERROR, a reply fails its call. */
  private void malformed(RemoteLink r, BadMessageException e, Envelope env) {
    Header partial = e.header();
    if (partial != null && partial.type() == MessageType.FUNCTION) {
      drops.warn("{}: bad request from {}: {}", name, r.id(), e.getMessage());
      Replies.sendError(r, partial, ErrorNames.BAD_MESSAGE, e.getMessage());
    } else if (partial != null) {
      drops.warn(
          "{}: bad reply from {} for {}: {}", name, r.id(), partial.method(), e.getMessage());
      outgoing.fail(
          r,
          partial,
          new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: " + e.getMessage()),
          env.size());
    } else {
      drops.warn("{}: dropped a message from {}: {}", name, r.id(), e.getMessage());
    }
  }

  /**
   * Whether the remote announced the extension {@code h} belongs to. One that did not gets no
   * extension message back: a call is refused with an ERROR, a reply fails its call, the rest is
   * dropped.
   */
  private boolean announced(RemoteLink r, Header h, Envelope env) {
    String missing =
        (h.chunkTotal() > 0 || h.type().isChunk()) && !r.capabilities.has(Capabilities.CHUNK)
            ? Capabilities.CHUNK
            : h.type().isStream() && !r.capabilities.has(Capabilities.STREAM)
                ? Capabilities.STREAM
                : h.type() == MessageType.SHUTDOWN && !r.capabilities.has(Capabilities.SHUTDOWN)
                    ? Capabilities.SHUTDOWN
                    : null;
    if (missing == null) {
      return true;
    }
    String msg =
        h.type()
            + (h.chunkTotal() > 0 ? " with chk" : "")
            + " from a remote that did not announce "
            + missing;
    drops.warn("{}: dropped {} ({} seq {})", name, msg, h.method(), h.seq());
    if (h.type() == MessageType.FUNCTION) {
      Replies.sendError(r, h, ErrorNames.BAD_MESSAGE, msg);
    } else if (h.type().isReply()) {
      outgoing.fail(
          r,
          h,
          new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: " + msg),
          env.size());
    }
    return false;
  }

  /**
   * A message of {@code size} bytes, over the limit: a call gets an ERROR, a reply fails its call,
   * a stream fails.
   */
  void tooLarge(RemoteLink r, Header h, long size) {
    String msg = "message of " + size + " bytes exceeds the limit of " + limits.maxMessageSize();
    drops.warn("{}: {} from {} ({})", name, msg, r.id(), h.method());
    if (h.type() == MessageType.FUNCTION) {
      Replies.sendError(r, h, ErrorNames.MESSAGE_TOO_LARGE, msg);
    } else if (h.type().isReply()) {
      outgoing.fail(r, h, new MessageTooLargeException("reply " + msg), size);
    } else if (h.type() == MessageType.STREAM_ITEM || h.type() == MessageType.STREAM_END) {
      StreamIn in = StreamRouting.streamInOf(r, h);
      if (in != null) {
        in.refuse(
            new MessageTooLargeException("stream item " + msg)); // never a silent gap in the stream
      }
    }
  }
}
