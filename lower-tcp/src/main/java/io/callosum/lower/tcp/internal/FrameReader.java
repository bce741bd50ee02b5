package io.callosum.lower.tcp.internal;

import io.callosum.lower.MemoryBudget;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The receiving half of the wire format (WIRE.md §1–2) as a state machine from bytes to records,
 * with no socket: the remote's 16-byte preamble, then records of a 4-byte length and that many
 * bytes. Bytes come in pieces of any size ({@link #consume}); what they make up goes to {@link
 * Records}, in order. A record's buffer is made by its first bytes and grows only as its bytes
 * arrive (to twice what has arrived, never more), so an announced length costs nothing until it is
 * sent. What the buffers take counts in the connection's {@link MemoryBudget.Holder} as they grow,
 * and is let go when the record is handed on or dropped; a buffer grows only within the holder's
 * allowance (it always takes the bytes that arrived: the caller reads no more than the allowance).
 * A plain DATA record for a channel the receiver {@linkplain Records#direct takes directly} is read
 * straight into its envelope's header and body arrays (no record buffer, no copy out of it).
 *
 * <p>One thread at a time (the connection's I/O thread); {@link Records} is called on it, and may
 * call {@link #limit}, {@link #direct} and {@link #stop} from within.
 */
final class FrameReader {
  private static final byte[] EMPTY = new byte[0];

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
  private final MemoryBudget.Holder memory;
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

  /** A reader whose buffers count in {@code memory}. */
  FrameReader(Records records, MemoryBudget.Holder memory) {
    this.records = records;
    this.memory = memory;
  }

  /** A reader that counts its buffers nowhere. */
  FrameReader(Records records) {
    this(records, MemoryBudget.NONE);
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
    memory.release(held());
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
    // Nothing is allocated yet: the record's buffer is made by its first bytes.
    prefixing = directData && len >= Wire.DATA_FRAME_HEADER;
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
      // As for any record, the arrays are made and grown as the bytes arrive.
      if (recordFill == recordLength) {
        directDone();
      }
      return;
    }
    record = room(null, 0, Wire.DATA_FRAME_HEADER, recordLength);
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
   * {@code a} (null: none yet), or a new buffer, or a copy of {@code a} grown, to take {@code n}
   * more bytes at {@code at}, counted in the memory budget: twice what has then arrived (at most
   * {@code size}, the final length) as far as the holder's allowance goes, and at least what
   * arrived. Twice the arrived bytes, not twice the old buffer: a 64 KiB item whose first bytes end
   * a read mostly gets its whole buffer with the next read, one growth at most, where doubling the
   * buffer grew it several times (a third of a bulk receiver's I/O thread went into allocating and
   * copying those buffers).
   */
  private byte[] room(byte[] a, int at, int n, int size) {
    int length = a == null ? 0 : a.length;
    int need = at + n;
    if (need <= length) {
      return a;
    }
    long doubled = Math.min(size, 2L * need);
    long allowance = memory.allowance();
    int grown =
        (int) (doubled - length <= allowance ? doubled : Math.max(need, length + allowance));
    memory.add(grown - length);
    return a == null ? new byte[grown] : Arrays.copyOf(a, grown);
  }

  private void recordDone() {
    byte[] r = record;
    record = null;
    recordLength = -1;
    memory.release(r.length); // handed on: what the record becomes is counted by its new holder
    records.record(r);
  }

  private void directDone() {
    byte[] header = dataHeader != null ? dataHeader : EMPTY;
    byte[] body = dataBody != null ? dataBody : EMPTY;
    direct = false;
    dataHeader = null;
    dataBody = null;
    recordLength = -1;
    memory.release((long) header.length + body.length);
    records.data(dataChannel, header, body);
  }
}
