package io.callosum.internal;

import io.callosum.OrderKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;
import org.msgpack.value.ValueType;
import org.xerial.snappy.Snappy;

/**
 * Encodes and decodes the header and body frames exactly as Python Callosum does (see the project's
 * wire notes): the header is a msgpack map {@code type, meth, okey, seq, zip} in that order, the
 * body a map {@code meta: bin, body: bin|nil}, raw-snappy compressed when {@code zip}.
 *
 * <p>Decoding trusts nothing: sizes, counts, types and nesting are checked against the input length
 * before anything is allocated. Thread-safe: each thread reuses its own packer and unpackers (a
 * call's header and body are encoded and decoded on every message, and their allocation was a fifth
 * of a small call's garbage).
 */
public final class MessageCodec {
  /** Header keys beyond this many are refused (Python sends 5). */
  private static final int MAX_HEADER_ENTRIES = 32;

  private static final int MAX_BODY_ENTRIES = 16;

  /** The empty metadata of FUNCTION ({@code c4 00} on the wire). */
  public static final byte[] NO_META = new byte[0];

  /** The metadata of RESULT, CANCEL and CANCELLED: an empty msgpack array ({@code c4 01 90}). */
  @SuppressWarnings("MutablePublicArray") // a package the module does not export; never written
  public static final byte[] EMPTY_ARRAY_META = new byte[] {(byte) 0x90};

  /**
   * Strict unpacking: malformed UTF-8 is refused rather than replaced, as Python's raw=False does.
   */
  private static final MessagePack.UnpackerConfig STRICT =
      new MessagePack.UnpackerConfig()
          .withActionOnMalformedString(CodingErrorAction.REPORT)
          .withActionOnUnmappableString(CodingErrorAction.REPORT)
          .withAllowReadingStringAsBinary(false)
          .withAllowReadingBinaryAsString(false);

  /** Headers are a few dozen bytes: a small first buffer instead of msgpack's default 8 KiB. */
  private static final MessagePack.PackerConfig HEADER_PACKER =
      new MessagePack.PackerConfig().withBufferSize(128);

  /** The header keys, in the order of {@link #HEADER_KEYS}. */
  private static final int TYPE = 0;

  private static final int METH = 1;
  private static final int OKEY = 2;
  private static final int SEQ = 3;
  private static final int ZIP = 4;
  private static final int CHN = 5;
  private static final int STM = 6;
  private static final int CHK = 7;
  private static final int CRD = 8;
  private static final String[] HEADER_KEY_NAMES = {
    "type", "meth", "okey", "seq", "zip", "chn", "stm", "chk", "crd"
  };

  /** Each header key as a msgpack fixstr, as written and as compared when read. */
  private static final byte[][] HEADER_KEYS = fixstrs(HEADER_KEY_NAMES);

  /** The body frame's keys: {@code meta} (0) and {@code body} (1). */
  private static final String[] BODY_KEY_NAMES = {"meta", "body"};

  private static final byte[][] BODY_KEYS = fixstrs(BODY_KEY_NAMES);

  private static final ThreadLocal<MessageBufferPacker> HEADER_PACKERS =
      ThreadLocal.withInitial(HEADER_PACKER::newBufferPacker);
  private static final ThreadLocal<HeaderReader> HEADER_READERS =
      ThreadLocal.withInitial(HeaderReader::new);
  private static final ThreadLocal<Unpacker> BODY_UNPACKERS =
      ThreadLocal.withInitial(Unpacker::new);

  private MessageCodec() {}

  /** A strict unpacker with its input, reset for each frame instead of allocated. */
  private static final class Unpacker {
    final ArrayBufferInput input = new ArrayBufferInput(new byte[0]);
    final MessageUnpacker unpacker = STRICT.newUnpacker(input);

    MessageUnpacker reset(byte[] frame) throws IOException {
      input.reset(frame);
      unpacker.reset(input);
      return unpacker;
    }
  }

  private static byte[][] fixstrs(String... keys) {
    byte[][] encoded = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      byte[] ascii = keys[i].getBytes(StandardCharsets.US_ASCII);
      encoded[i] = new byte[1 + ascii.length];
      encoded[i][0] = (byte) (0xa0 | ascii.length);
      System.arraycopy(ascii, 0, encoded[i], 1, ascii.length);
    }
    return encoded;
  }

  /**
   * Reads a str map key: the index in {@code names} of the one it is, or -1 for another key. A key
   * written as a fixstr (as every msgpack encoder writes short strings) is compared in the frame's
   * bytes without building a String; any other is read, strictly, with {@link #text}.
   */
  private static int key(MessageUnpacker u, byte[] frame, String[] names, byte[][] fixstrs)
      throws IOException {
    int at = (int) u.getTotalReadBytes();
    for (int k = 0; k < fixstrs.length; k++) {
      byte[] key = fixstrs[k];
      if (at + key.length <= frame.length
          && Arrays.equals(frame, at, at + key.length, key, 0, key.length)) {
        u.skipValue();
        return k;
      }
    }
    String text = text(u, frame.length);
    for (int k = 0; k < names.length; k++) {
      if (names[k].equals(text)) {
        return k;
      }
    }
    return -1;
  }

  /**
   * An integer without allocating: its value if it fits a long, else (a uint64 of 2^63 or more)
   * {@link Long#MAX_VALUE}, which is out of every header field's range alike.
   */
  private static long integer(MessageUnpacker u) throws IOException {
    try {
      return u.unpackLong();
    } catch (MessageIntegerOverflowException e) {
      return Long.MAX_VALUE;
    }
  }

  /** An {@link #integer} for an error message. */
  private static String shown(long value) {
    return value == Long.MAX_VALUE ? "2^63-1 or more" : Long.toString(value);
  }

  /**
   * A str: map keys and {@code meth}. ASCII (every key this codec knows, and method names in
   * practice) is taken as it is, without a charset decoder, which was most of a small message's
   * decoding time; anything else is decoded strictly, so malformed UTF-8 is refused as Python's
   * {@code raw=False} refuses it. The length is checked against the frame first.
   */
  private static String text(MessageUnpacker u, int frameLength) throws IOException {
    int len = u.unpackRawStringHeader();
    if (len > frameLength - u.getTotalReadBytes()) {
      throw new MessageSizeException("str of " + len + " bytes is longer than its frame", len);
    }
    byte[] b = u.readPayload(len);
    for (byte x : b) {
      if (x < 0) {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b))
            .toString();
      }
    }
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  public static byte[] encodeHeader(Header h) {
    MessageBufferPacker p = HEADER_PACKERS.get();
    p.clear();
    try {
      boolean chain = !h.chain().isEmpty();
      boolean credit = h.creditItems() != 0 || h.creditBytes() != 0;
      p.packMapHeader(
          5
              + (chain ? 1 : 0)
              + (h.streams() != 0 ? 1 : 0)
              + (credit ? 1 : 0)
              + (h.chunkTotal() != 0 ? 1 : 0));
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
      return p.toByteArray();
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
   * okey and seq were readable, so that it can be answered with an ERROR reply.
   */
  public static Header decodeHeader(byte[] frame, int maxOrderKeySize, int maxChain)
      throws BadMessageException {
    HeaderReader r = HEADER_READERS.get();
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
    try {
      MessageUnpacker u = r.unpacker.reset(frame);
      int n = mapSize(u);
      for (int i = 0; i < n; i++) {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
          skipBounded(u, frame.length);
          skipBounded(u, frame.length);
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
          default -> skipBounded(u, frame.length);
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
        chunkTotal);
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
    final Unpacker unpacker = new Unpacker();

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
    private boolean wrongType(
        MessageUnpacker u, ValueType vt, ValueType expected, String what, int frameLength)
        throws IOException {
      if (vt == expected) {
        return false;
      }
      problem = what;
      skipBounded(u, frameLength);
      return true;
    }

    /**
     * The type code; {@link #NO_TYPE} if not read. A negative one reads as -1, a huge one as
     * Integer.MAX_VALUE: both unknown.
     */
    int type(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(u, vt, ValueType.INTEGER, "type is not an integer", frameLength)) {
        return NO_TYPE;
      }
      long t = Math.min(integer(u), Integer.MAX_VALUE);
      return (int) Math.max(-1, t);
    }

    String method(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      return wrongType(u, vt, ValueType.STRING, "meth is not a str", frameLength)
          ? null
          : text(u, frameLength);
    }

    /**
     * Always read: kept even when too long (the frame bounds it), so the ERROR reply can echo it.
     */
    OrderKey orderKey(MessageUnpacker u, byte[] frame, int maxOrderKeySize) throws IOException {
      int start = (int) u.getTotalReadBytes();
      skipBounded(u, frame.length);
      int end = (int) u.getTotalReadBytes();
      if (end - start > maxOrderKeySize) {
        problem = "okey is " + (end - start) + " bytes, more than the limit of " + maxOrderKeySize;
      }
      return OrderKey.fromEncoded(Arrays.copyOfRange(frame, start, end));
    }

    long seq(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(u, vt, ValueType.INTEGER, "seq is not an integer", frameLength)) {
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
      if (wrongType(u, vt, ValueType.BOOLEAN, "zip is not a bool", frameLength)) {
        return -1;
      }
      return u.unpackBoolean() ? 1 : 0;
    }

    List<CallId> chain(MessageUnpacker u, ValueType vt, int frameLength, int maxChain)
        throws IOException {
      if (wrongType(u, vt, ValueType.ARRAY, "chn is not an array", frameLength)) {
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
          skipBounded(u, frameLength);
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
      if (wrongType(u, vt, ValueType.INTEGER, "stm is not an integer", frameLength)) {
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
      if (wrongType(u, vt, ValueType.INTEGER, "chk is not an integer", frameLength)) {
        return -1;
      }
      long v = integer(u);
      if (v <= 0 || v > Integer.MAX_VALUE) {
        problem = "chk out of range: " + shown(v);
        return -1;
      }
      return v;
    }

    /** {@code [items, bytes]}; null if not an array. */
    long[] credit(MessageUnpacker u, ValueType vt, int frameLength) throws IOException {
      if (wrongType(u, vt, ValueType.ARRAY, "crd is not an array", frameLength)) {
        return null;
      }
      long[] credit = {0, 0};
      int parts = u.unpackArrayHeader();
      checkCount(u, parts, frameLength);
      for (int j = 0; j < parts; j++) {
        if (j >= 2 || u.getNextFormat().getValueType() != ValueType.INTEGER) {
          problem = "crd is not [items, bytes]";
          skipBounded(u, frameLength);
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

  /**
   * Skips one msgpack value without trusting its declared counts: a container announcing more
   * elements than bytes remain is malformed (every element takes at least one byte). This avoids
   * the unbounded loops and overflows of skipping a hostile MAP32/ARRAY32. Iterative, so deep
   * nesting cannot overflow the stack.
   */
  static void skipBounded(MessageUnpacker u, int frameLength) throws IOException {
    long pending = 1;
    while (pending > 0) {
      pending--;
      MessageFormat f = u.getNextFormat();
      switch (f.getValueType()) {
        case MAP -> pending += 2L * u.unpackMapHeader();
        case ARRAY -> pending += u.unpackArrayHeader();
        default -> u.skipValue();
      }
      checkCount(u, pending, frameLength);
    }
  }

  /** Refuses {@code count} values when fewer bytes than that remain (each takes at least one). */
  private static void checkCount(MessageUnpacker u, long count, int frameLength) {
    if (count > frameLength - u.getTotalReadBytes()) {
      throw new MessageSizeException(
          "container of " + count + " values is longer than its frame", count);
    }
  }

  /** Reads a bin whose length is checked against the frame before anything is allocated. */
  private static byte[] binPayload(MessageUnpacker u, int frameLength) throws IOException {
    int len = u.unpackBinaryHeader();
    if (len > frameLength - u.getTotalReadBytes()) {
      throw new MessageSizeException("bin of " + len + " bytes is longer than its frame", len);
    }
    return u.readPayload(len);
  }

  /** The decoded body frame. {@code body} is null when the frame held nil. */
  public record BodyFrame(byte[] meta, byte[] body) {}

  /**
   * Encodes a body frame; with {@code zip}, the whole map is raw-snappy compressed. The msgpack
   * before the body's bytes is packed apart, and the body copied once behind it into the frame: a
   * 64 KiB stream item used to be allocated and copied three times on its way into the frame.
   */
  public static byte[] encodeBody(byte[] meta, byte[] body, boolean zip) {
    byte[] frame;
    MessageBufferPacker p = HEADER_PACKERS.get();
    p.clear();
    try {
      p.packMapHeader(2);
      p.writePayload(BODY_KEYS[0]).packBinaryHeader(meta.length).writePayload(meta);
      p.writePayload(BODY_KEYS[1]);
      if (body == null) {
        p.packNil();
      } else {
        p.packBinaryHeader(body.length);
      }
      byte[] prefix = p.toByteArray();
      if (body == null || body.length == 0) {
        frame = prefix;
      } else {
        frame = Arrays.copyOf(prefix, Math.addExact(prefix.length, body.length));
        System.arraycopy(body, 0, frame, prefix.length, body.length);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      p.clear();
    }
    if (!zip) {
      return frame;
    }
    try {
      return Snappy.compress(frame);
    } catch (IOException e) {
      throw new IllegalStateException("snappy compression failed", e);
    }
  }

  /** The size of a body frame before compression, without building it. */
  public static long bodyFrameSize(int metaLength, int bodyLength) {
    return 1L + 5 + binHeader(metaLength) + metaLength + 5 + binHeader(bodyLength) + bodyLength;
  }

  private static int binHeader(int len) {
    return len < 256 ? 2 : len < 65536 ? 3 : 5;
  }

  /**
   * Decodes a body frame, decompressing first when {@code zip}. The decompressed size is checked
   * against {@code maxSize} before any buffer is allocated.
   */
  public static BodyFrame decodeBody(byte[] frame, boolean zip, int maxSize)
      throws BadMessageException {
    byte[] map = frame;
    if (zip) {
      try {
        int len = Snappy.uncompressedLength(frame);
        if (len < 0 || len > maxSize) {
          throw new BadMessageException(
              "decompressed body of " + len + " bytes exceeds the limit of " + maxSize, null);
        }
        if (!Snappy.isValidCompressedBuffer(frame)) {
          throw new BadMessageException("invalid snappy data", null);
        }
        map = Snappy.uncompress(frame);
      } catch (IOException | RuntimeException e) {
        throw new BadMessageException("invalid snappy data: " + e.getMessage(), null, e);
      }
    }
    byte[] meta = null;
    byte[] body = null;
    boolean sawBody = false;
    try {
      MessageUnpacker u = BODY_UNPACKERS.get().reset(map);
      if (!u.hasNext() || u.getNextFormat().getValueType() != ValueType.MAP) {
        throw new BadMessageException("body frame is not a msgpack map", null);
      }
      int n = u.unpackMapHeader();
      if (n > MAX_BODY_ENTRIES) {
        throw new BadMessageException("body frame has " + n + " entries", null);
      }
      for (int i = 0; i < n; i++) {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
          skipBounded(u, map.length);
          skipBounded(u, map.length);
          continue;
        }
        int key = key(u, map, BODY_KEY_NAMES, BODY_KEYS);
        ValueType vt = u.getNextFormat().getValueType();
        if (key == 0) {
          if (vt != ValueType.BINARY) {
            throw new BadMessageException("meta is not a bin", null);
          }
          meta = binPayload(u, map.length);
        } else if (key == 1) {
          if (vt == ValueType.BINARY) {
            body = binPayload(u, map.length);
          } else if (vt == ValueType.NIL) {
            u.unpackNil();
            body = null;
          } else {
            throw new BadMessageException("body is neither a bin nor nil", null);
          }
          sawBody = true;
        } else {
          skipBounded(u, map.length);
        }
      }
      if (u.hasNext()) {
        throw new BadMessageException("trailing bytes after the body frame map", null);
      }
    } catch (IOException | MessagePackException e) {
      throw new BadMessageException("malformed body frame: " + e, null, e);
    }
    if (meta == null || !sawBody) {
      throw new BadMessageException("body frame lacks meta or body", null);
    }
    return new BodyFrame(meta, body);
  }

  /** ErrorMetadata: a msgpack array of three str {@code [name, repr, traceback]}. */
  public static byte[] encodeErrorMeta(String name, String repr, String traceback) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(3).packString(name).packString(repr).packString(traceback);
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Decodes ErrorMetadata; returns null unless it is exactly an array of three strings. */
  public static String[] decodeErrorMeta(byte[] meta) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(meta)) {
      if (u.getNextFormat().getValueType() != ValueType.ARRAY || u.unpackArrayHeader() != 3) {
        return null;
      }
      String[] out = new String[3];
      for (int i = 0; i < 3; i++) {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
          return null;
        }
        out[i] = u.unpackString();
      }
      return u.hasNext() ? null : out;
    } catch (IOException | MessagePackException e) {
      return null;
    }
  }
}
