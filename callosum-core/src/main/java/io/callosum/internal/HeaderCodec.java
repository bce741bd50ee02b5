package io.callosum.internal;

import static io.callosum.internal.Msgpack.binPayload;
import static io.callosum.internal.Msgpack.checkCount;
import static io.callosum.internal.Msgpack.integer;
import static io.callosum.internal.Msgpack.key;
import static io.callosum.internal.Msgpack.shown;
import static io.callosum.internal.Msgpack.text;

import io.callosum.Metadata;
import io.callosum.OrderKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * The header frame (docs/WIRE.md): a msgpack map of Python Callosum's five keys {@code type, meth,
 * okey, seq, zip} in that order, then this project's extensions ({@code chn, stm, crd, chk, md,
 * dl}) where a header uses them. {@link MessageCodec} is the way in.
 *
 * <p>Decoding trusts nothing ({@link Msgpack}) and reads one field group at a time ({@link
 * HeaderReader}); a FUNCTION or reply whose {@code meth}, {@code okey} and {@code seq} were
 * readable is refused with that partial header, so that it can be answered. The usual headers
 * (Python's five keys, and a deadline) are read and written in their bytes by {@link
 * CanonicalHeader}, which declines every other one to the code here. Thread-safe: each thread
 * reuses its own reader.
 */
final class HeaderCodec {
  /** Header keys beyond this many are refused (Python sends 5). */
  private static final int MAX_HEADER_ENTRIES = 32;

  /** The header keys, in the order of {@link #HEADER_KEYS}. */
  static final int TYPE = 0;

  static final int METH = 1;
  static final int OKEY = 2;
  static final int SEQ = 3;
  static final int ZIP = 4;
  private static final int CHN = 5;
  private static final int STM = 6;
  private static final int CHK = 7;
  private static final int CRD = 8;
  private static final int MD = 9;
  static final int DL = 10;
  private static final String[] HEADER_KEY_NAMES = {
    "type", "meth", "okey", "seq", "zip", "chn", "stm", "chk", "crd", "md", "dl"
  };

  /** Each header key as a msgpack fixstr, as written and as compared when read. */
  static final byte[][] HEADER_KEYS = Msgpack.fixstrs(HEADER_KEY_NAMES);

  private static final ThreadLocal<HeaderReader> HEADER_READERS =
      ThreadLocal.withInitial(HeaderReader::new);

  private HeaderCodec() {}

  /**
   * The header frame of {@code h}: the five keys in Python's order, then the extensions it uses.
   */
  static byte[] encode(Header h) {
    byte[] canonical = CanonicalHeader.write(h);
    return canonical != null ? canonical : encodeWithPacker(h);
  }

  /** {@link #encode} with msgpack-core's packer, whatever the header. */
  static byte[] encodeWithPacker(Header h) {
    MessageBufferPacker p = Msgpack.packer();
    try {
      boolean chain = !h.chain().isEmpty();
      boolean credit = h.creditItems() != 0 || h.creditBytes() != 0;
      boolean md = !h.metadata().isEmpty();
      p.packMapHeader(
          5
              + (chain ? 1 : 0)
              + (h.streams() != 0 ? 1 : 0)
              + (credit ? 1 : 0)
              + (h.chunkTotal() != 0 ? 1 : 0)
              + (md ? 1 : 0)
              + (h.deadlineMillis() != 0 ? 1 : 0));
      p.writePayload(HEADER_KEYS[TYPE]).packInt(h.type().code);
      p.writePayload(HEADER_KEYS[METH]).packString(h.method());
      p.writePayload(HEADER_KEYS[OKEY]);
      p.writePayload(h.orderKey().encoded());
      p.writePayload(HEADER_KEYS[SEQ]).packLong(h.seq());
      p.writePayload(HEADER_KEYS[ZIP]).packBoolean(h.zip());
      if (chain) {
        p.writePayload(HEADER_KEYS[CHN]).packArrayHeader(h.chain().size());
        for (CallId id : h.chain()) {
          byte[] b = id.encode();
          p.packBinaryHeader(b.length).writePayload(b);
        }
      }
      if (h.streams() != 0) {
        p.writePayload(HEADER_KEYS[STM]).packInt(h.streams());
      }
      if (credit) {
        p.writePayload(HEADER_KEYS[CRD])
            .packArrayHeader(2)
            .packLong(h.creditItems())
            .packLong(h.creditBytes());
      }
      if (h.chunkTotal() != 0) {
        p.writePayload(HEADER_KEYS[CHK]).packLong(h.chunkTotal());
      }
      if (md) {
        writeMetadata(p.writePayload(HEADER_KEYS[MD]), h.metadata());
      }
      if (h.deadlineMillis() != 0) {
        p.writePayload(HEADER_KEYS[DL]).packLong(h.deadlineMillis());
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      p.clear();
    }
  }

  /** {@code md}: a map of str keys to str or bin values, in the metadata's order. */
  private static void writeMetadata(MessagePacker p, Metadata md) throws IOException {
    p.packMapHeader(md.size());
    for (String k : md.keys()) {
      p.packString(k);
      if (md.isBinary(k)) {
        byte[] b = md.getBinary(k);
        p.packBinaryHeader(b.length).writePayload(b);
      } else {
        p.packString(md.get(k));
      }
    }
  }

  /**
   * What is wrong with sending {@code md} under these limits (its entries, or the bytes of its
   * {@code md} value), or null if nothing is.
   */
  static String overLimits(Metadata md, int maxEntries, int maxSize) {
    if (md.size() > maxEntries) {
      return "metadata of "
          + md.size()
          + " entries exceeds Limits.maxMetadataEntries ("
          + maxEntries
          + ")";
    }
    MessageBufferPacker p = Msgpack.packer();
    try {
      long before = p.getTotalWrittenBytes(); // counts across clears
      writeMetadata(p, md);
      long size = p.getTotalWrittenBytes() - before;
      return size > maxSize
          ? "metadata of " + size + " bytes exceeds Limits.maxMetadataSize (" + maxSize + ")"
          : null;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      p.clear();
    }
  }

  /** A {@code type} not read (any code read is -1 or more). */
  private static final int NO_TYPE = Integer.MIN_VALUE;

  /**
   * Decodes a header frame. Unknown keys are skipped (bounded). Throws {@link BadMessageException}
   * for anything malformed (including a {@code meth} that is not valid UTF-8 and a {@code seq}
   * outside 0 to 2^32-1), with the partly decoded header when the message is a FUNCTION whose meth,
   * okey and seq were readable, so that it can be answered with an ERROR reply. With {@code
   * canonicalFirst} (always, but in tests that compare both) {@link CanonicalHeader} reads the
   * frame if it can.
   */
  static Header decode(
      byte[] frame,
      int maxOrderKeySize,
      int maxChain,
      int maxValues,
      int maxMetadataEntries,
      int maxMetadataSize,
      boolean canonicalFirst)
      throws BadMessageException {
    HeaderReader r = HEADER_READERS.get();
    if (canonicalFirst) {
      Header canonical = r.canonical.read(frame, maxOrderKeySize, maxValues);
      if (canonical != null) {
        return canonical;
      }
    }
    // The fields live in locals, not in the reused reader: a reference stored into a long-lived
    // object costs a GC write barrier, and a header is decoded for every message.
    int type = NO_TYPE;
    String method = null;
    OrderKey okey = null;
    long seq = -1;
    int zip = -1; // 0 false, 1 true
    List<CallId> chain = List.of();
    int streams = 0;
    long[] credit = null;
    long chunkTotal = 0;
    Metadata metadata = Metadata.EMPTY;
    long deadline = 0;
    try {
      MessageUnpacker u = r.unpacker.reset(frame, maxValues);
      int n = mapSize(u);
      for (int i = 0; i < n; i++) {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
          r.unpacker.skip(frame.length);
          r.unpacker.skip(frame.length);
          continue;
        }
        int key = key(u, frame, HEADER_KEY_NAMES, HEADER_KEYS);
        ValueType vt = u.getNextFormat().getValueType();
        switch (key) {
          case TYPE -> {
            int t = r.type(u, vt, frame.length);
            type = t != NO_TYPE ? t : type;
          }
          case METH -> {
            String m = r.method(u, vt, frame.length);
            method = m != null ? m : method;
          }
          case OKEY -> okey = r.orderKey(u, frame, maxOrderKeySize);
          case SEQ -> {
            long s = r.seq(u, vt, frame.length);
            seq = s >= 0 ? s : seq;
          }
          case ZIP -> {
            int z = r.zip(u, vt, frame.length);
            zip = z >= 0 ? z : zip;
          }
          case CHN -> {
            List<CallId> c = r.chain(u, vt, frame.length, maxChain);
            chain = c != null ? c : chain;
          }
          case STM -> {
            int st = r.streams(u, vt, frame.length);
            streams = st >= 0 ? st : streams;
          }
          case CHK -> {
            long ck = r.chunkTotal(u, vt, frame.length);
            chunkTotal = ck >= 0 ? ck : chunkTotal;
          }
          case CRD -> {
            long[] cr = r.credit(u, vt, frame.length);
            credit = cr != null ? cr : credit;
          }
          case MD -> {
            Metadata m = r.metadata(u, vt, frame.length, maxMetadataEntries, maxMetadataSize);
            metadata = m != null ? m : metadata;
          }
          case DL -> {
            long d = r.deadline(u, vt, frame.length);
            deadline = d >= 0 ? d : deadline;
          }
          default -> r.unpacker.skip(frame.length);
        }
      }
      if (u.hasNext()) {
        r.problem = "trailing bytes after the header map";
      }
    } catch (IOException | MessagePackException | ArithmeticException e) {
      r.problem = null;
      throw new BadMessageException("malformed header: " + e, partial(type, method, okey, seq), e);
    }
    String problem = r.takeProblem();
    if (problem != null) {
      throw new BadMessageException(problem, partial(type, method, okey, seq));
    }
    MessageType mt = checkedType(type, method, okey, seq, zip, streams, chunkTotal);
    return new Header(
        mt,
        method,
        okey,
        seq,
        zip == 1,
        chain,
        streams,
        credit == null ? 0 : credit[0],
        credit == null ? 0 : credit[1],
        chunkTotal,
        metadata,
        deadline);
  }

  /** The header map's entry count; throws if the frame is not a map or has too many. */
  private static int mapSize(MessageUnpacker u) throws IOException, BadMessageException {
    if (!u.hasNext() || u.getNextFormat().getValueType() != ValueType.MAP) {
      throw new BadMessageException("header is not a msgpack map", null);
    }
    int n = u.unpackMapHeader();
    if (n > MAX_HEADER_ENTRIES) {
      throw new BadMessageException("header has " + n + " entries", null);
    }
    return n;
  }

  /**
   * The fields checked together: all five of Python's present, a known type, extensions where they
   * belong.
   */
  private static MessageType checkedType(
      int type, String method, OrderKey okey, long seq, int zip, int streams, long chunkTotal)
      throws BadMessageException {
    if (type == NO_TYPE || method == null || okey == null || seq < 0 || zip < 0) {
      throw new BadMessageException(
          "header lacks one of type, meth, okey, seq, zip", partial(type, method, okey, seq));
    }
    MessageType mt = MessageType.of(type);
    if (mt == null || mt == MessageType.NULL) {
      throw new BadMessageException(
          "unknown message type " + type, partial(type, method, okey, seq));
    }
    if ((mt.isStream() || mt.isChunk()) && Integer.bitCount(streams) != 1) {
      throw new BadMessageException(
          "a stream or chunk message must name one direction (stm 1 or 2)",
          partial(type, method, okey, seq));
    }
    if (chunkTotal != 0 && mt != MessageType.FUNCTION && mt != MessageType.RESULT) {
      throw new BadMessageException(
          "chk in a message of type " + mt, partial(type, method, okey, seq));
    }
    return mt;
  }

  /** A header good enough to address an ERROR reply, or null ({@code seq} -1: none was read). */
  private static Header partial(int type, String method, OrderKey okey, long seq) {
    MessageType mt = type == NO_TYPE ? null : MessageType.of(type);
    if (method == null
        || okey == null
        || seq < 0
        || mt == null
        || !(mt == MessageType.FUNCTION || mt.isReply())) {
      return null;
    }
    return new Header(mt, method, okey, seq, false, List.of());
  }

  /**
   * Reads one header field group at a time, each step returning the value it read, or a "not read"
   * value (null, or -1) after noting the {@link #problem} in it. One per thread, with its unpacker.
   */
  private static final class HeaderReader {
    final Msgpack.Unpacker unpacker = new Msgpack.Unpacker();

    /** The usual headers, read without the unpacker. */
    final CanonicalHeader canonical = new CanonicalHeader();

    /**
     * What is wrong with the header being read (the last thing found), or null. Set only when
     * something is.
     */
    String problem;

    String takeProblem() {
      String p = problem;
      if (p != null) {
        problem = null;
      }
      return p;
    }

    /** Skips a value of the wrong type, noting {@code what} is wrong; true if it did. */
    private boolean wrongType(ValueType vt, ValueType expected, String what, int frameLength)
        throws IOException {
      if (vt == expected) {
        return false;
      }
      problem = what;
      unpacker.skip(frameLength);
      return true;
    }

    /**
     * The type code; {@link #NO_TYPE} if not read. A negative one reads as -1, a huge one as
     * Integer.MAX_VALUE: both unknown.
     */
    int type(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "type is not an integer", frameLength)) {
        return NO_TYPE;
      }
      long t = Math.min(integer(u), Integer.MAX_VALUE);
      return (int) Math.max(-1, t);
    }

    String method(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      return wrongType(vt, ValueType.STRING, "meth is not a str", frameLength)
          ? null
          : text(u, frameLength);
    }

    /**
     * Always read: kept even when too long (the frame bounds it), so the ERROR reply can echo it.
     */
    OrderKey orderKey(MessageUnpacker u, byte[] frame, int maxOrderKeySize) throws IOException {
      int start = (int) u.getTotalReadBytes();
      unpacker.skip(frame.length);
      int end = (int) u.getTotalReadBytes();
      if (end - start > maxOrderKeySize) {
        problem = "okey is " + (end - start) + " bytes, more than the limit of " + maxOrderKeySize;
      }
      return OrderKey.fromEncoded(frame, start, end);
    }

    long seq(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "seq is not an integer", frameLength)) {
        return -1;
      }
      long s = integer(u);
      if (s < 0 || s > Header.MAX_SEQ) {
        problem = "seq out of range: " + shown(s);
        return -1;
      }
      return s;
    }

    /** 1 for true, 0 for false, -1 if not read. */
    int zip(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(vt, ValueType.BOOLEAN, "zip is not a bool", frameLength)) {
        return -1;
      }
      return u.unpackBoolean() ? 1 : 0;
    }

    List<CallId> chain(MessageUnpacker u, ValueType vt, int frameLength, int maxChain)
        throws IOException {
      if (wrongType(vt, ValueType.ARRAY, "chn is not an array", frameLength)) {
        return null;
      }
      int count = u.unpackArrayHeader();
      checkCount(u, count, frameLength);
      if (count > maxChain) {
        problem = "call chain of " + count + " exceeds the limit of " + maxChain;
      }
      List<CallId> ids = new ArrayList<>(Math.min(count, maxChain));
      for (int j = 0; j < count; j++) {
        if (u.getNextFormat().getValueType() != ValueType.BINARY) {
          problem = "chn entry is not a bin";
          unpacker.skip(frameLength);
          continue;
        }
        byte[] b = binPayload(u, frameLength);
        if (b.length != CallId.ENCODED_SIZE) {
          problem = "chn entry of " + b.length + " bytes";
        } else if (ids.size() < maxChain) {
          ids.add(CallId.decode(b));
        }
      }
      return ids;
    }

    int streams(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "stm is not an integer", frameLength)) {
        return -1;
      }
      long v = integer(u);
      if (v <= 0 || v > (Header.UPSTREAM | Header.DOWNSTREAM)) {
        problem = "stm out of range: " + shown(v);
        return -1;
      }
      return (int) v;
    }

    long chunkTotal(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "chk is not an integer", frameLength)) {
        return -1;
      }
      long v = integer(u);
      if (v <= 0 || v > Integer.MAX_VALUE) {
        problem = "chk out of range: " + shown(v);
        return -1;
      }
      return v;
    }

    /**
     * {@code md}, checked against the limits; null if not a map or over them. Keys must be
     * non-empty str, values str or bin.
     */
    Metadata metadata(MessageUnpacker u, ValueType vt, int frameLength, int maxEntries, int maxSize)
        throws IOException {
      if (wrongType(vt, ValueType.MAP, "md is not a map", frameLength)) {
        return null;
      }
      long start = u.getTotalReadBytes();
      int count = u.unpackMapHeader();
      checkCount(u, 2L * count, frameLength);
      if (count > maxEntries) {
        problem =
            "metadata of "
                + count
                + " entries exceeds Limits.maxMetadataEntries ("
                + maxEntries
                + ")";
        for (int j = 0; j < 2 * count; j++) {
          unpacker.skip(frameLength);
        }
        return null;
      }
      unpacker.count(2L * count);
      Metadata.Builder b = Metadata.builder();
      for (int j = 0; j < count; j++) {
        String key = null;
        if (u.getNextFormat().getValueType() == ValueType.STRING) {
          key = text(u, frameLength);
        } else {
          unpacker.skip(frameLength);
        }
        ValueType v = u.getNextFormat().getValueType();
        if (key == null || key.isEmpty()) {
          problem = "an md key is not a non-empty str";
          unpacker.skip(frameLength);
        } else if (v == ValueType.STRING) {
          b.put(key, text(u, frameLength));
        } else if (v == ValueType.BINARY) {
          b.put(key, binPayload(u, frameLength));
        } else {
          problem = "md value of " + key + " is not a str or bin";
          unpacker.skip(frameLength);
        }
      }
      long size = u.getTotalReadBytes() - start;
      if (size > maxSize) {
        problem = "metadata of " + size + " bytes exceeds Limits.maxMetadataSize (" + maxSize + ")";
        return null;
      }
      return b.build();
    }

    /**
     * {@code dl} in milliseconds, clamped to 1 to {@link Header#MAX_DEADLINE_MILLIS}; -1 if not
     * read (not an integer, or negative).
     */
    long deadline(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "dl is not an integer", frameLength)) {
        return -1;
      }
      long v = integer(u);
      if (v < 0) {
        problem = "dl out of range: " + v;
        return -1;
      }
      return Math.max(1, Math.min(v, Header.MAX_DEADLINE_MILLIS));
    }

    /** {@code [items, bytes]}; null if not an array. */
    long[] credit(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(vt, ValueType.ARRAY, "crd is not an array", frameLength)) {
        return null;
      }
      long[] credit = {0, 0};
      int parts = u.unpackArrayHeader();
      checkCount(u, parts, frameLength);
      for (int j = 0; j < parts; j++) {
        if (j >= 2 || u.getNextFormat().getValueType() != ValueType.INTEGER) {
          problem = "crd is not [items, bytes]";
          unpacker.skip(frameLength);
          continue;
        }
        long v = integer(u);
        if (v < 0 || v > Header.MAX_CREDIT) {
          problem = "crd out of range: " + shown(v);
        } else {
          credit[j] = v;
        }
      }
      if (parts != 2) {
        problem = "crd is not [items, bytes]";
      }
      return credit;
    }
  }
}
