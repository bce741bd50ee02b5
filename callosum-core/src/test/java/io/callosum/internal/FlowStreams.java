package io.callosum.internal;

import io.callosum.CallosumException;
import io.callosum.OrderKey;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.upper.MsgpackCodec;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The two ends of a call's stream, each with a remote played here, for the Reactive Streams TCK: a
 * {@link StreamIn} fed by a sender that honours the credit it grants, and a {@link StreamOut} whose
 * receiver grants as much credit as is asked. No peer and no lower: the stream classes alone, with
 * the callback executor of a peer.
 */
final class FlowStreams {
  static final MsgpackCodec CODEC = new MsgpackCodec();

  /** Where a peer's streams deliver to subscribers (the callback executor). */
  static final ExecutorService CALLBACKS =
      Executors.newFixedThreadPool(2, daemon("callosum-tck-callback"));

  /** The played remote's sending thread (the lower's I/O thread of a real remote). */
  private static final ExecutorService SENDER =
      Executors.newSingleThreadExecutor(daemon("callosum-tck-sender"));

  private static final Capabilities STREAMS =
      new Capabilities(Capabilities.VERSION, 3, Set.of(Capabilities.STREAM));
  private static final Header CALL =
      new Header(
          MessageType.FUNCTION,
          "tck",
          OrderKey.NONE,
          1,
          false,
          List.of(),
          Header.UPSTREAM | Header.DOWNSTREAM,
          0,
          0);

  private FlowStreams() {}

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The receiving end of a stream whose remote sends {@code total} items (the numbers 0, 1, ...) as
   * credit allows, then ends it, completed or with {@code failure}.
   */
  static StreamIn receiving(long total, CallosumException failure) {
    Sender sender = new Sender(total, failure);
    StreamIn in =
        new StreamIn(
            new StreamWire(new RemoteLink(null, sender), CALL, Header.DOWNSTREAM),
            CODEC,
            8,
            1 << 20,
            CALLBACKS);
    sender.in = in;
    in.open(false);
    sender.grant(8);
    return in;
  }

  /**
   * The receiving end of a stream, open with a window of {@code windowItems}, whose items the
   * caller hands in itself ({@link StreamIn#onItem}, as the lower's I/O thread does); credit it
   * grants back goes nowhere.
   */
  static StreamIn fedByHand(long windowItems) {
    StreamIn in =
        new StreamIn(
            new StreamWire(new RemoteLink(null, new Receiver()), CALL, Header.DOWNSTREAM),
            CODEC,
            windowItems,
            1 << 20,
            CALLBACKS);
    in.open(false);
    return in;
  }

  /** The sending end of a stream whose remote grants a window of {@code credit} items at once. */
  static StreamOut sending(long credit) {
    StreamOut out =
        new StreamOut(
            new StreamWire(new RemoteLink(null, new Receiver()), CALL, Header.UPSTREAM),
            CODEC,
            1 << 20,
            CALLBACKS,
            true,
            false);
    out.grant(credit, Long.MAX_VALUE);
    return out;
  }

  /** A link whose remote only takes what is sent. */
  private static class Receiver implements Link {
    @Override
    public String id() {
      return "tck-link";
    }

    @Override
    public Capabilities remoteCapabilities() {
      return STREAMS;
    }

    @Override
    public void send(Envelope envelope) {}

    @Override
    public void close() {}
  }

  /**
   * A link whose remote sends a stream's items while it has credit: STREAM_CREDIT grants more,
   * STREAM_CANCEL stops it.
   */
  private static final class Sender extends Receiver {
    private final long total;
    private final CallosumException failure;
    private StreamIn in;
    private long credit;
    private long sent;
    private boolean over;

    Sender(long total, CallosumException failure) {
      this.total = total;
      this.failure = failure;
    }

    @Override
    public void send(Envelope envelope) {
      Header h;
      try {
        h = MessageCodec.decodeHeader(envelope.header(), 1024, 8);
      } catch (BadMessageException e) {
        throw new IllegalStateException(e);
      }
      if (h.type() == MessageType.STREAM_CREDIT) {
        grant(h.creditItems());
      } else if (h.type() == MessageType.STREAM_CANCEL) {
        synchronized (this) {
          over = true;
        }
      }
    }

    synchronized void grant(long items) {
      credit += items;
      SENDER.execute(this::pump);
    }

    private void pump() {
      while (true) {
        long n;
        synchronized (this) {
          if (over) {
            return;
          }
          if (sent == total) {
            over = true;
            n = -1;
          } else if (credit > 0) {
            n = sent++;
            credit--;
          } else {
            return;
          }
        }
        if (n < 0) {
          in.onEnd(failure);
          return;
        }
        in.onItem(ByteBuffer.wrap(CODEC.encode(n)));
      }
    }
  }
}
