package io.callosum.lower.tcp.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.lower.Envelope;
import io.callosum.lower.MemoryBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of one connection: it reads the socket into the loop's shared buffer, turns
 * the bytes into records ({@link FrameReader}), and says what each record means in the connection's
 * phase (WIRE.md §2–3). Until the security handshake is done, only handshake frames and ABORT; then
 * every record is opened by the security layer, and DATA goes to its open channel, PING is
 * answered, ABORT ends the connection, other channel frames go to the endpoint, and anything else
 * cuts the connection with the reason. It notes when the remote last sent anything, for the
 * heartbeat.
 *
 * <p>Loop thread only. What a record does to its connection goes through {@link Target}.
 */
final class Inbound implements FrameReader.Records {
  /** What is wrong is the connection's to log: its lines keep the connection's logger. */
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

  /** What a received record may do to its connection. Loop thread. */
  interface Target {
    /** The remote's preamble is good: the security handshake, or the data phase, begins. */
    void preambleAccepted();

    /** One frame of the security handshake (the record without its kind byte). */
    void handshakeFrame(byte[] frame);

    /**
     * The frame a record of the data phase holds, opened by the security layer; null for a DATA
     * frame opened straight into the arrays {@code into} gave.
     */
    byte[] open(byte[] record, ConnectionSecurity.DataTarget into) throws SecurityFailure;

    /** Whether channel {@code number} is open on this connection. */
    boolean isOpen(int number);

    /** Hands {@code e} to open channel {@code number}; false if it is not open. */
    boolean deliver(int number, Envelope e);

    /** A channel frame for the endpoint, as {@link Connection.Owner#channelFrame} takes it. */
    void channelFrame(int kind, int number, byte[] frame);

    /** The remote sent PING. */
    void pinged();

    /** Tells the remote why (ABORT with {@code code}) and ends the connection. */
    void abort(int code, String reason);

    /** Ends the connection with {@code cause}: the remote has ended it. */
    void fail(CallosumException cause);
  }

  private final String remote;
  private final String mechanism;
  private final Target target;
  private final LongSupplier clock;
  private final FrameReader reader;

  /** Where a sealed DATA frame of an open channel is opened into. */
  private final OpenedData openedData = new OpenedData();

  /** Whether the security handshake is done (records are opened, and may be frame-sized). */
  private boolean dataPhase;

  private long lastRead;

  /** Bytes read on the socket (loop thread). */
  private volatile long bytesIn;

  /**
   * @param remote the remote's name, for reasons
   * @param mechanism the security mechanism this side expects in the remote's preamble
   * @param clock nanoTime
   * @param memory where the records being received count
   */
  Inbound(
      String remote,
      String mechanism,
      Target target,
      LongSupplier clock,
      MemoryBudget.Holder memory) {
    this.remote = remote;
    this.mechanism = mechanism;
    this.target = target;
    this.clock = clock;
    this.lastRead = clock.getAsLong();
    this.reader = new FrameReader(this, memory);
  }

  /**
   * Reads what the socket has (a few buffers' worth at most, so that other connections get their
   * turn, and at most {@code maxBytes}: what the memory budget allows) and dispatches it. Returns
   * why the connection is lost if the socket failed or the remote closed it, else null.
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // bytesIn: the loop thread is the only writer
  ConnectionLostException read(ReadableByteChannel socket, ByteBuffer buf, long maxBytes) {
    long left = maxBytes;
    for (int i = 0; i < 16 && !reader.stopped() && left > 0; i++) {
      buf.clear();
      if (left < buf.capacity()) {
        buf.limit((int) left);
      }
      int n;
      try {
        n = socket.read(buf);
      } catch (IOException e) {
        return new ConnectionLostException(
            "connection to " + remote + " lost: " + e.getMessage(), e);
      }
      if (n < 0) {
        return new ConnectionLostException("connection to " + remote + " closed by the remote");
      }
      if (n == 0) {
        return null;
      }
      lastRead = clock.getAsLong();
      bytesIn += n;
      left -= n;
      int asked = buf.limit();
      buf.flip();
      reader.consume(buf);
      if (n < asked) {
        return null;
      }
    }
    return null;
  }

  /**
   * The handshake is done: from the next record on, records are opened, and the heartbeat counts
   * from now. Records may be as large as a frame of {@code maxFrameSize} bytes (sealed ones a
   * little larger); plain DATA for an open channel is read straight into its envelope.
   */
  void enterData(int maxFrameSize, boolean plain) {
    dataPhase = true;
    reader.limit(
        (int) Math.min(Integer.MAX_VALUE, (long) maxFrameSize + (plain ? 0 : Wire.SEAL_ALLOWANCE)),
        "",
        plain);
    lastRead = clock.getAsLong();
  }

  /** The connection has ended: nothing more is read or dispatched. */
  void stop() {
    reader.stop();
  }

  /** When the remote last sent anything (nanoTime). */
  long lastRead() {
    return lastRead;
  }

  long bytesIn() {
    return bytesIn;
  }

  @Override
  public void preamble(byte[] preamble) {
    String problem = Wire.checkPreamble(preamble, mechanism);
    if (problem != null) {
      boolean mismatch = problem.startsWith("security mechanism");
      target.abort(mismatch ? Wire.AUTHENTICATION : Wire.PROTOCOL, problem);
      return;
    }
    target.preambleAccepted();
  }

  @Override
  public void record(byte[] record) {
    if (dataPhase) {
      dataRecord(record);
    } else {
      handshakeRecord(record);
    }
  }

  @Override
  public boolean direct(int channel) {
    return target.isOpen(channel);
  }

  @Override
  public void data(int number, byte[] header, byte[] body) {
    if (!target.deliver(number, new Envelope(header, body))) {
      // closed while its bytes arrived: as for any DATA on a channel that is not open
      target.channelFrame(Wire.DATA, number, Wire.dataFrame(number, header, body));
    }
  }

  @Override
  public void malformed(String problem) {
    target.abort(Wire.LIMIT, problem);
  }

  private void handshakeRecord(byte[] r) {
    int kind = r[0] & 0xff;
    if (kind == Wire.HANDSHAKE) {
      target.handshakeFrame(Arrays.copyOfRange(r, 1, r.length));
    } else if (kind == Wire.ABORT) {
      remoteAbort(r);
    } else {
      target.abort(
          Wire.PROTOCOL,
          "frame kind 0x" + Integer.toHexString(kind) + " before the security handshake completed");
    }
  }

  private void dataRecord(byte[] r) {
    byte[] f;
    try {
      f = target.open(r, openedData);
    } catch (SecurityFailure e) {
      target.abort(
          e.kind() == SecurityFailure.Kind.AUTHENTICATION ? Wire.AUTHENTICATION : Wire.PROTOCOL,
          "refused frame: " + e.getMessage());
      return;
    }
    if (f == null) {
      openedData.deliver();
      return;
    }
    if (f.length == 0) {
      target.abort(Wire.PROTOCOL, "empty frame");
      return;
    }
    int kind = f[0] & 0xff;
    switch (kind) {
      case Wire.DATA -> onData(f);
      case Wire.PING -> target.pinged();
      case Wire.PONG -> {}
      case Wire.ABORT -> remoteAbort(f);
      default -> {
        if (!Wire.channelKind(kind)) {
          target.abort(Wire.PROTOCOL, "unknown frame kind 0x" + Integer.toHexString(kind));
        } else if (f.length < Wire.CHANNEL_FRAME_HEADER) {
          target.abort(Wire.PROTOCOL, "truncated channel frame of " + f.length + " bytes");
        } else {
          target.channelFrame(kind, Wire.getInt(f, 1), f);
        }
      }
    }
  }

  private void onData(byte[] f) {
    if (f.length < Wire.DATA_FRAME_HEADER) {
      target.abort(Wire.PROTOCOL, "truncated DATA frame of " + f.length + " bytes");
      return;
    }
    int number = Wire.getInt(f, 1);
    int headerLength = Wire.getInt(f, 5);
    if (headerLength < 0 || headerLength > f.length - Wire.DATA_FRAME_HEADER) {
      target.abort(
          Wire.PROTOCOL,
          "DATA frame with a header length of "
              + Integer.toUnsignedString(headerLength)
              + " in "
              + f.length
              + " bytes");
      return;
    }
    if (!target.isOpen(number)) {
      target.channelFrame(Wire.DATA, number, f);
      return;
    }
    int bodyStart = Wire.DATA_FRAME_HEADER + headerLength;
    target.deliver(
        number,
        new Envelope(
            Arrays.copyOfRange(f, Wire.DATA_FRAME_HEADER, bodyStart),
            Arrays.copyOfRange(f, bodyStart, f.length)));
  }

  /**
   * A DATA frame of an open channel that the security layer opens straight into its envelope's
   * arrays (no plaintext array, no copy of the body out of it). I/O thread.
   */
  private final class OpenedData implements ConnectionSecurity.DataTarget {
    private int channel;

    /** The header's and the body's arrays of the frame being opened. */
    private final byte[][] parts = new byte[2][];

    @Override
    public byte[][] into(int number, int headerLength, int bodyLength) {
      if (!target.isOpen(number)) {
        return null; // the whole frame, for what a DATA frame of a closed channel gets
      }
      channel = number;
      parts[0] = new byte[headerLength];
      parts[1] = new byte[bodyLength];
      return parts;
    }

    /** Hands the frame just opened on, as a frame read directly is. */
    void deliver() {
      byte[] header = parts[0];
      byte[] body = parts[1];
      parts[0] = null;
      parts[1] = null;
      data(channel, header, body);
    }
  }

  private void remoteAbort(byte[] f) {
    int code = f.length > 1 ? f[1] & 0xff : 0;
    String reason = Wire.reason(f, 2);
    String text = remote + " closed the connection (" + Wire.codeName(code) + "): " + reason;
    LOG.info("{}", text);
    target.fail(
        code == Wire.AUTHENTICATION
            ? new AuthenticationException(text)
            : new ConnectionLostException(text));
  }
}
