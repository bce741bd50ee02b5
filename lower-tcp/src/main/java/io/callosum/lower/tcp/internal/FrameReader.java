package io.callosum.lower.tcp.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The receiving half of the wire format (WIRE.md §1–2) as a state machine from bytes to records,
 * with no socket: the remote's 16-byte preamble, then records of a 4-byte length and that many
 * bytes. Bytes come in pieces of any size ({@link #consume}); what they make up goes to {@link
 * Records}, in order. A record's buffer grows only as its bytes arrive, so an announced length
 * costs nothing until it is sent. A plain DATA record for a channel the receiver {@linkplain
 * Records#direct takes directly} is read straight into its envelope's header and body arrays (no
 * record buffer, no copy out of it).
 *
 * <p>One thread at a time (the connection's I/O thread); {@link Records} is called on it, and may
 * call {@link #limit}, {@link #direct} and {@link #stop} from within.
 */
final class FrameReader {
  /** How many bytes of a record are taken in at first; a record grows only as its bytes arrive. */
  static final int FIRST_CHUNK = 64 << 10;

  /** Where the records go. */
  interface Records {
    /** The remote's preamble ({@link Wire#PREAMBLE_SIZE} bytes, not checked). */
    void preamble(byte[] preamble);

    /**
     * One whole record (a frame, or a sealed frame), of 1 up to the {@linkplain #limit limit}
     * bytes.
     */
    void record(byte[] record);

    /**
     * Whether a well-formed plain DATA record for {@code channel} is read directly ({@link #data});
     * else it is a {@link #record}.
     */
    boolean direct(int channel);

    /** A DATA record read directly: channel {@code channel}'s envelope. */
    void data(int channel, byte[] header, byte[] body);

    /** A record length outside 1..limit: the stream cannot be read on (the reader has stopped). */
    void malformed(String problem);
  }

  private final Records records;
  private int maxRecord = Wire.MAX_HANDSHAKE_RECORD;
  private String limitNote = " (before the handshake completed)";
  private boolean directData;
  private boolean stopped;

  private final byte[] preamble = new byte[Wire.PREAMBLE_SIZE];
  private int preambleFill;
  private final byte[] lengthBytes = new byte[4];
  private int lengthFill;
  private int recordLength = -1;
  private int recordFill;
  private byte[] record;

  /**
   * A plain DATA record for a channel taken directly: {@link #prefixing} while its first bytes
   * (kind, channel, header length) arrive, then {@link #direct}.
   */
  private final byte[] dataPrefix = new byte[Wire.DATA_FRAME_HEADER];

  private boolean prefixing;
  private boolean direct;
  private byte[] dataHeader;
  private int dataHeaderLength;
  private byte[] dataBody;
  private int dataChannel;

  FrameReader(Records records) {
    this.records = records;
  }

  /**
   * From the next record on: records are at most {@code maxRecord} bytes ({@code note} is added to
   * the problem of a longer one); {@code directData}: plain DATA records may be read {@linkplain
   * Records#direct directly}. Until called: {@link Wire#MAX_HANDSHAKE_RECORD}, and none directly.
   */
  void limit(int maxRecord, String note, boolean directData) {
    this.maxRecord = maxRecord;
    this.limitNote = note;
    this.directData = directData;
  }

  /** Reads nothing more and lets go of a partial record. */
  void stop() {
    stopped = true;
    record = null;
    dataHeader = null;
    dataBody = null;
  }

  boolean stopped() {
    return stopped;
  }

  /** Bytes allocated for the record being read (what an announced length has cost so far). */
  long held() {
    return (long) (record != null ? record.length : 0)
        + (dataHeader != null ? dataHeader.length : 0)
        + (dataBody != null ? dataBody.length : 0);
  }

  /** Takes every remaining byte of {@code buf} (unless stopped meanwhile). */
  void consume(ByteBuffer buf) {
    while (buf.hasRemaining() && !stopped) {
      if (preambleFill < Wire.PREAMBLE_SIZE) {
        int n = Math.min(buf.remaining(), Wire.PREAMBLE_SIZE - preambleFill);
        buf.get(preamble, preambleFill, n);
        preambleFill += n;
        if (preambleFill == Wire.PREAMBLE_SIZE) {
          records.preamble(preamble.clone());
        }
      } else if (recordLength < 0) {
        length(buf);
      } else if (prefixing) {
        int n = Math.min(buf.remaining(), Wire.DATA_FRAME_HEADER - recordFill);
        buf.get(dataPrefix, recordFill, n);
        recordFill += n;
        if (recordFill == Wire.DATA_FRAME_HEADER) {
          prefixing = false;
          startRecordBody();
        }
      } else if (direct) {
        directBytes(buf);
      } else {
        int n = Math.min(buf.remaining(), recordLength - recordFill);
        record = room(record, recordFill, n, recordLength);
        buf.get(record, recordFill, n);
        recordFill += n;
        if (recordFill == recordLength) {
          recordDone();
        }
      }
    }
  }

  private void length(ByteBuffer buf) {
    int n = Math.min(buf.remaining(), 4 - lengthFill);
    buf.get(lengthBytes, lengthFill, n);
    lengthFill += n;
    if (lengthFill < 4) {
      return;
    }
    lengthFill = 0;
    int len = Wire.getInt(lengthBytes, 0);
    if (len <= 0 || len > maxRecord) {
      stop();
      records.malformed(
          "frame length "
              + Integer.toUnsignedString(len)
              + " is outside 1.."
              + maxRecord
              + limitNote);
      return;
    }
    recordLength = len;
    recordFill = 0;
    if (directData && len >= Wire.DATA_FRAME_HEADER) {
      prefixing = true;
    } else {
      record = new byte[Math.min(len, FIRST_CHUNK)];
    }
  }

  /**
   * The first {@link Wire#DATA_FRAME_HEADER} bytes of a plain record are in: a well-formed DATA
   * frame for a channel taken directly goes on {@link #direct}ly; anything else (another kind, a
   * bad header length, another channel) goes through the record buffer as usual.
   */
  private void startRecordBody() {
    int number = Wire.getInt(dataPrefix, 1);
    int headerLength = Wire.getInt(dataPrefix, 5);
    if ((dataPrefix[0] & 0xff) == Wire.DATA
        && headerLength >= 0
        && headerLength <= recordLength - Wire.DATA_FRAME_HEADER
        && records.direct(number)) {
      direct = true;
      dataChannel = number;
      dataHeaderLength = headerLength;
      // As for any record, buffers grow as the bytes arrive: an announcement alone costs little.
      dataHeader = new byte[Math.min(headerLength, FIRST_CHUNK)];
      dataBody =
          new byte[Math.min(recordLength - Wire.DATA_FRAME_HEADER - headerLength, FIRST_CHUNK)];
      if (recordFill == recordLength) {
        directDone();
      }
      return;
    }
    record = new byte[Math.min(recordLength, Math.max(FIRST_CHUNK, Wire.DATA_FRAME_HEADER))];
    System.arraycopy(dataPrefix, 0, record, 0, Wire.DATA_FRAME_HEADER);
    if (recordFill == recordLength) {
      recordDone();
    }
  }

  private void directBytes(ByteBuffer buf) {
    int headerEnd = Wire.DATA_FRAME_HEADER + dataHeaderLength;
    int n;
    if (recordFill < headerEnd) {
      int at = recordFill - Wire.DATA_FRAME_HEADER;
      n = Math.min(buf.remaining(), headerEnd - recordFill);
      dataHeader = room(dataHeader, at, n, dataHeaderLength);
      buf.get(dataHeader, at, n);
    } else {
      int at = recordFill - headerEnd;
      n = Math.min(buf.remaining(), recordLength - recordFill);
      dataBody = room(dataBody, at, n, recordLength - headerEnd);
      buf.get(dataBody, at, n);
    }
    recordFill += n;
    if (recordFill == recordLength) {
      directDone();
    }
  }

  /**
   * {@code a}, or a copy of it grown (doubling, at most to {@code size}) to take {@code n} more
   * bytes at {@code at}.
   */
  private static byte[] room(byte[] a, int at, int n, int size) {
    return at + n <= a.length
        ? a
        : Arrays.copyOf(a, (int) Math.min(size, Math.max(2L * a.length, (long) at + n)));
  }

  private void recordDone() {
    byte[] r = record;
    record = null;
    recordLength = -1;
    records.record(r);
  }

  private void directDone() {
    byte[] header = dataHeader;
    byte[] body = dataBody;
    direct = false;
    dataHeader = null;
    dataBody = null;
    recordLength = -1;
    records.data(dataChannel, header, body);
  }
}
