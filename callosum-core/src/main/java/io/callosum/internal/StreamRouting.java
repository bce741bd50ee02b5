package io.callosum.internal;

import io.callosum.CallCancelledException;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.StreamCall;
import io.callosum.lower.Envelope;
import io.callosum.upper.Codec;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams of calls (the {@code stream} capability): makes the {@link StreamIn} and {@link
 * StreamOut} of a call on either side, routes each STREAM_* message to the stream it is for, and
 * ends a call's streams when the call ends.
 *
 * <p>{@link #received} runs on the lower's I/O thread; the other methods run on whichever thread
 * makes or ends the call. It holds no state of its own: streams live in their calls, calls in their
 * {@link RemoteLink}'s tables.
 */
final class StreamRouting {
  private static final Logger LOG = LoggerFactory.getLogger(StreamRouting.class);
  private final String name;
  private final DropLog drops;
  private final Codec codec;
  private final int windowItems;
  private final long windowBytes;
  private final int maxMessageSize;
  private final int maxElements;
  private final boolean stackTraces;
  private final Executor callbacks;

  StreamRouting(String name, DropLog drops, PeerConfig config, Executor callbacks) {
    this.name = name;
    this.drops = drops;
    this.codec = config.codec();
    this.windowItems = config.streamWindowItems();
    this.windowBytes = config.streamWindowBytes();
    this.maxMessageSize = config.limits().maxMessageSize();
    this.maxElements = config.limits().maxElements();
    this.stackTraces = config.stackTracesInReplies();
    this.callbacks = callbacks;
  }

  /** The downstream credit a caller grants in its FUNCTION: items and bytes. */
  int windowItems() {
    return windowItems;
  }

  long windowBytes() {
    return windowBytes;
  }

  // ---------------------------------------------------------------- making streams

  /** The upstream of an arriving call that opened one (else null); opened when its handler runs. */
  StreamIn upstreamOf(RemoteLink r, Header call, int streams) {
    return (streams & Header.UPSTREAM) == 0
        ? null
        : new StreamIn(
            new StreamWire(r, call, Header.UPSTREAM), codec, windowItems, windowBytes, callbacks);
  }

  /**
   * The downstream of an arriving call that opened one (else null), with the credit its FUNCTION
   * granted.
   */
  StreamOut downstreamOf(RemoteLink r, Header call, int streams) {
    if ((streams & Header.DOWNSTREAM) == 0) {
      return null;
    }
    StreamOut out =
        new StreamOut(
            new StreamWire(r, call, Header.DOWNSTREAM),
            codec,
            maxMessageSize,
            callbacks,
            true,
            stackTraces);
    out.grant(call.creditItems(), call.creditBytes());
    return out;
  }

  /**
   * Gives a call being made its streams, before its FUNCTION leaves (so they exist when their first
   * message comes).
   */
  void open(ClientCall c) {
    Header call = new Header(MessageType.FUNCTION, c.method, c.orderKey, c.seq, false, List.of());
    int streams = c.streams;
    c.upstream =
        new StreamOut(
            new StreamWire(c.remote, call, Header.UPSTREAM),
            codec,
            maxMessageSize,
            callbacks,
            (streams & Header.UPSTREAM) != 0,
            stackTraces);
    StreamWire down = new StreamWire(c.remote, call, Header.DOWNSTREAM);
    if ((streams & Header.DOWNSTREAM) != 0) {
      c.downstream = new StreamIn(down, codec, windowItems, windowBytes, callbacks);
      c.downstream.open(false); // granted in the FUNCTION header
    } else {
      c.downstream = StreamIn.ended(down, codec, callbacks, null);
    }
  }

  /** The stream call of a call that was made: an upstream it did not open is complete at once. */
  static StreamCall of(ClientCall c) {
    if ((c.streams & Header.UPSTREAM) == 0) {
      c.upstream.complete(); // nothing to send: a no-op for a stream that was never opened
    }
    return new StreamCallImpl(c.upstream, c.downstream, c.future);
  }

  /** The stream call of a call refused before it existed: both streams end with its error. */
  StreamCall refused(CallRequest request, CallosumException failure) {
    return RefusedStreams.of(
        request.target(),
        request.method(),
        request.orderKey(),
        failure,
        codec,
        maxMessageSize,
        callbacks,
        stackTraces);
  }

  // ---------------------------------------------------------------- ending streams

  /** The handler has returned (or was cancelled): its open streams end. */
  static void endServerStreams(ServerCall c, CallosumException failure) {
    if (c.downstream != null) {
      if (failure == null) {
        c.downstream.complete();
      } else {
        c.downstream.stop(failure);
      }
    }
    if (c.upstream != null) {
      if (failure == null) {
        c.upstream.cancel(); // the handler reads no more: the caller stops sending
      } else {
        c.upstream.finish(failure);
      }
    }
  }

  /** The call has ended: its streams end with it (a downstream keeps what arrived). */
  static void endClientStreams(ClientCall c, CallosumException failure) {
    if (c.downstream != null) {
      c.downstream.finish(failure);
    }
    if (c.upstream != null) {
      c.upstream.stop(
          failure != null
              ? failure
              : new CallCancelledException("the call of " + c.method + " has ended"));
    }
  }

  // ---------------------------------------------------------------- routing (I/O thread)

  /** The open stream a STREAM_ITEM or STREAM_END from {@code r} is for, or null. */
  static StreamIn streamInOf(RemoteLink r, Header h) {
    if (h.streams() == Header.UPSTREAM) {
      ServerCall c = r.serving.get(new ServeKey(h.seq(), h.method(), h.orderKey()));
      return c == null ? null : c.upstream;
    }
    ClientCall c = r.pending.get(h.seq());
    return c != null && c.answeredBy(h) ? c.downstream : null;
  }

  /**
   * A stream message: items and ends travel with the stream (upstream to the callee, downstream to
   * the caller), credit and cancels against it. One for a call that is not in progress (any more)
   * is dropped.
   */
  void received(RemoteLink r, Header h, Envelope env) {
    MessageType t = h.type();
    boolean data = t == MessageType.STREAM_ITEM || t == MessageType.STREAM_END;
    boolean toCallee = (h.streams() == Header.UPSTREAM) == data;
    StreamIn in = null;
    StreamOut out = null;
    if (toCallee) {
      ServerCall c = r.serving.get(new ServeKey(h.seq(), h.method(), h.orderKey()));
      if (c != null) {
        in = c.upstream;
        out = c.downstream;
      }
    } else {
      ClientCall c = r.pending.get(h.seq());
      if (c != null && c.answeredBy(h)) {
        in = c.downstream;
        out = c.upstream;
      }
    }
    if (data ? in == null : out == null) {
      LOG.debug(
          "{}: {} from {} for no open stream ({} seq {})", name, t, r.id(), h.method(), h.seq());
      return;
    }
    MessageCodec.BodyFrame frame;
    try {
      frame =
          MessageCodec.decodeBody(
              env.body(), h.zip(), maxMessageSize - env.header().length, maxElements);
    } catch (BadMessageException e) {
      drops.warn("{}: bad {} from {} for {}: {}", name, t, r.id(), h.method(), e.getMessage());
      if (data) {
        in.finish(
            new CallosumException(
                ErrorCode.BAD_MESSAGE, "malformed stream message: " + e.getMessage()));
      }
      return;
    }
    switch (t) {
      case STREAM_ITEM -> {
        if (frame.payload() == null) {
          in.finish(
              new CallosumException(
                  ErrorCode.BAD_MESSAGE, "malformed stream message: an item with a nil body"));
        } else {
          in.onItem(frame.payload());
        }
      }
      case STREAM_END -> {
        String[] meta = MessageCodec.decodeErrorMeta(frame.meta());
        in.onEnd(meta == null ? null : ErrorNames.toException(true, meta));
      }
      case STREAM_CREDIT -> out.grant(h.creditItems(), h.creditBytes());
      default ->
          out.stop(
              new CallCancelledException(
                  "the receiver cancelled the "
                      + (h.streams() == Header.UPSTREAM ? "upstream" : "downstream"),
                  null,
                  true));
    }
  }
}
