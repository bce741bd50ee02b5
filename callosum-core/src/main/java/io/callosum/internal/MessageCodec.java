package io.callosum.internal;

import io.callosum.OrderKey;
import java.io.IOException;
import java.nio.charset.CodingErrorAction;
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
 * Encodes and decodes the header and body frames exactly as Python Callosum does (see the
 * project's wire notes): the header is a msgpack map {@code type, meth, okey, seq, zip} in that
 * order, the body a map {@code meta: bin, body: bin|nil}, raw-snappy compressed when {@code zip}.
 *
 * <p>Decoding trusts nothing: sizes, counts, types and nesting are checked against the input
 * length before anything is allocated. Thread-safe: each thread reuses its own packer and
 * unpackers (a call's header and body are encoded and decoded on every message, and their
 * allocation was a fifth of a small call's garbage).
 */
public final class MessageCodec {
  /** Header keys beyond this many are refused (Python sends 5). */
  private static final int MAX_HEADER_ENTRIES = 32;
  private static final int MAX_BODY_ENTRIES = 16;
  /** The empty metadata of FUNCTION ({@code c4 00} on the wire). */
  public static final byte[] NO_META = new byte[0];
  /** The metadata of RESULT, CANCEL and CANCELLED: an empty msgpack array ({@code c4 01 90}). */
  public static final byte[] EMPTY_ARRAY_META = new byte[] {(byte) 0x90};
  /** Strict unpacking: malformed UTF-8 is refused rather than replaced, as Python's raw=False does. */
  private static final MessagePack.UnpackerConfig STRICT =
      new MessagePack.UnpackerConfig()
          .withActionOnMalformedString(CodingErrorAction.REPORT)
          .withActionOnUnmappableString(CodingErrorAction.REPORT)
          .withAllowReadingStringAsBinary(false)
          .withAllowReadingBinaryAsString(false);

  /** Headers are a few dozen bytes: a small first buffer instead of msgpack's default 8 KiB. */
  private static final MessagePack.PackerConfig HEADER_PACKER = new MessagePack.PackerConfig().withBufferSize(128);

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
  private static final String[] HEADER_KEY_NAMES = {"type", "meth", "okey", "seq", "zip", "chn", "stm", "chk", "crd"};
  /** Each header key as a msgpack fixstr, as written and as compared when read. */
  private static final byte[][] HEADER_KEYS = fixstrs(HEADER_KEY_NAMES);
  /** The body frame's keys: {@code meta} (0) and {@code body} (1). */
  private static final String[] BODY_KEY_NAMES = {"meta", "body"};
  private static final byte[][] BODY_KEYS = fixstrs(BODY_KEY_NAMES);

  private static final ThreadLocal<MessageBufferPacker> HEADER_PACKERS =
      ThreadLocal.withInitial(HEADER_PACKER::newBufferPacker);
  private static final ThreadLocal<HeaderReader> HEADER_READERS = ThreadLocal.withInitial(HeaderReader::new);
  private static final ThreadLocal<Unpacker> BODY_UNPACKERS = ThreadLocal.withInitial(Unpacker::new);

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
      byte[] ascii = keys[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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
  private static int key(MessageUnpacker u, byte[] frame, String[] names, byte[][] fixstrs) throws IOException {
    int at = (int) u.getTotalReadBytes();
    for (int k = 0; k < fixstrs.length; k++) {
      byte[] key = fixstrs[k];
      if (at + key.length <= frame.length && Arrays.equals(frame, at, at + key.length, key, 0, key.length)) {
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
        return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(b)).toString();
      }
    }
    return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  public static byte[] encodeHeader(Header h) {
    MessageBufferPacker p = HEADER_PACKERS.get();
    p.clear();
    try {
      boolean chain = !h.chain().isEmpty();
      boolean credit = h.creditItems() != 0 || h.creditBytes() != 0;
      p.packMapHeader(5 + (chain ? 1 : 0) + (h.streams() != 0 ? 1 : 0) + (credit ? 1 : 0) + (h.chunkTotal() != 0 ? 1 : 0));
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
        p.writePayload(HEADER_KEYS[CRD]).packArrayHeader(2).packLong(h.creditItems()).packLong(h.creditBytes());
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

  /**
   * Decodes a header frame. Unknown keys are skipped (bounded). Throws {@link BadMessageException}
   * for anything malformed (including a {@code meth} that is not valid UTF-8 and a {@code seq}
   * outside 0 to 2^32-1), with the partly decoded header when the message is a FUNCTION whose
   * meth, okey and seq were readable, so that it can be answered with an ERROR reply.
   */
  public static Header decodeHeader(byte[] frame, int maxOrderKeySize, int maxChain) throws BadMessageException {
    HeaderReader r = HEADER_READERS.get();
    try {
      r.read(frame, maxOrderKeySize, maxChain);
      return r.header();
    } finally {
      r.clear();
    }
  }

  /**
   * One header frame being decoded, a step per field group: the fields as read so far and the
   * last problem found. Each thread reuses its own (a header is decoded for every message).
   */
  private static final class HeaderReader {
    private final Unpacker unpacker = new Unpacker();
    private byte[] frame;
    private MessageUnpacker u;
    private int maxOrderKeySize;
    private int maxChain;
    /** The fields; the boxed ones are null until read. */
    private Integer type;
    private String method;
    private OrderKey okey;
    /** {@code seq}, valid when {@link #hasSeq}: unboxed, since most seqs are beyond Long's cache. */
    private long seq;
    private boolean hasSeq;
    private Boolean zip;
    private List<CallId> chain = List.of();
    private int streams;
    private long creditItems;
    private long creditBytes;
    private long chunkTotal;
    /** What is wrong with the header (the last thing found), or null. */
    private String problem;

    /** Reads the map; throws for a frame that is not msgpack at all (with what could be read). */
    void read(byte[] frame, int maxOrderKeySize, int maxChain) throws BadMessageException {
      this.frame = frame;
      this.maxOrderKeySize = maxOrderKeySize;
      this.maxChain = maxChain;
      try {
        u = unpacker.reset(frame);
        readMap();
      } catch (IOException | MessagePackException | ArithmeticException e) {
        throw new BadMessageException("malformed header: " + e, partial(), e);
      }
    }

    /** Forgets the frame and what was read from it. */
    void clear() {
      frame = null;
      u = null;
      type = null;
      method = null;
      okey = null;
      seq = 0;
      hasSeq = false;
      zip = null;
      chain = List.of();
      streams = 0;
      creditItems = 0;
      creditBytes = 0;
      chunkTotal = 0;
      problem = null;
    }

    private void readMap() throws IOException, BadMessageException {
      if (!u.hasNext() || u.getNextFormat().getValueType() != ValueType.MAP) {
        throw new BadMessageException("header is not a msgpack map", null);
      }
      int n = u.unpackMapHeader();
      if (n > MAX_HEADER_ENTRIES) {
        throw new BadMessageException("header has " + n + " entries", null);
      }
      for (int i = 0; i < n; i++) {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
          skip();
          skip();
          continue;
        }
        readEntry(key(u, frame, HEADER_KEY_NAMES, HEADER_KEYS));
      }
      if (u.hasNext()) {
        problem = "trailing bytes after the header map";
      }
    }

    private void readEntry(int key) throws IOException {
      ValueType vt = u.getNextFormat().getValueType();
      switch (key) {
        case TYPE:
          readType(vt);
          break;
        case METH:
          readMethod(vt);
          break;
        case OKEY:
          readOrderKey();
          break;
        case SEQ:
          readSeq(vt);
          break;
        case ZIP:
          readZip(vt);
          break;
        case CHN:
          readChain(vt);
          break;
        case STM:
          readStreams(vt);
          break;
        case CHK:
          readChunkTotal(vt);
          break;
        case CRD:
          readCredit(vt);
          break;
        default:
          skip();
      }
    }

    private void skip() throws IOException {
      skipBounded(u, frame.length);
    }

    /** Skips a value of the wrong type, noting {@code what} is wrong; true if it did. */
    private boolean wrongType(ValueType vt, ValueType expected, String what) throws IOException {
      if (vt == expected) {
        return false;
      }
      problem = what;
      skip();
      return true;
    }

    private void readType(ValueType vt) throws IOException {
      if (!wrongType(vt, ValueType.INTEGER, "type is not an integer")) {
        long t = Math.min(integer(u), Integer.MAX_VALUE);
        type = (int) Math.max(-1, t);
      }
    }

    private void readMethod(ValueType vt) throws IOException {
      if (!wrongType(vt, ValueType.STRING, "meth is not a str")) {
        method = text(u, frame.length);
      }
    }

    private void readOrderKey() throws IOException {
      int start = (int) u.getTotalReadBytes();
      skip();
      int end = (int) u.getTotalReadBytes();
      // Kept even when too long (the frame bounds it), so the ERROR reply can echo it.
      okey = OrderKey.fromEncoded(Arrays.copyOfRange(frame, start, end));
      if (end - start > maxOrderKeySize) {
        problem = "okey is " + (end - start) + " bytes, more than the limit of " + maxOrderKeySize;
      }
    }

    private void readSeq(ValueType vt) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "seq is not an integer")) {
        return;
      }
      long s = integer(u);
      if (s < 0 || s > Header.MAX_SEQ) {
        problem = "seq out of range: " + shown(s);
      } else {
        seq = s;
        hasSeq = true;
      }
    }

    private void readZip(ValueType vt) throws IOException {
      if (!wrongType(vt, ValueType.BOOLEAN, "zip is not a bool")) {
        zip = u.unpackBoolean();
      }
    }

    private void readChain(ValueType vt) throws IOException {
      if (wrongType(vt, ValueType.ARRAY, "chn is not an array")) {
        return;
      }
      int count = u.unpackArrayHeader();
      checkCount(u, count, frame.length);
      if (count > maxChain) {
        problem = "call chain of " + count + " exceeds the limit of " + maxChain;
      }
      List<CallId> ids = new ArrayList<>(Math.min(count, maxChain));
      for (int j = 0; j < count; j++) {
        if (u.getNextFormat().getValueType() != ValueType.BINARY) {
          problem = "chn entry is not a bin";
          skip();
          continue;
        }
        byte[] b = binPayload(u, frame.length);
        if (b.length != CallId.ENCODED_SIZE) {
          problem = "chn entry of " + b.length + " bytes";
        } else if (ids.size() < maxChain) {
          ids.add(CallId.decode(b));
        }
      }
      chain = ids;
    }

    private void readStreams(ValueType vt) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "stm is not an integer")) {
        return;
      }
      long v = integer(u);
      if (v <= 0 || v > (Header.UPSTREAM | Header.DOWNSTREAM)) {
        problem = "stm out of range: " + shown(v);
      } else {
        streams = (int) v;
      }
    }

    private void readChunkTotal(ValueType vt) throws IOException {
      if (wrongType(vt, ValueType.INTEGER, "chk is not an integer")) {
        return;
      }
      long v = integer(u);
      if (v <= 0 || v > Integer.MAX_VALUE) {
        problem = "chk out of range: " + shown(v);
      } else {
        chunkTotal = v;
      }
    }

    private void readCredit(ValueType vt) throws IOException {
      if (wrongType(vt, ValueType.ARRAY, "crd is not an array")) {
        return;
      }
      int parts = u.unpackArrayHeader();
      checkCount(u, parts, frame.length);
      for (int j = 0; j < parts; j++) {
        if (j >= 2 || u.getNextFormat().getValueType() != ValueType.INTEGER) {
          problem = "crd is not [items, bytes]";
          skip();
          continue;
        }
        long v = integer(u);
        if (v < 0 || v > Header.MAX_CREDIT) {
          problem = "crd out of range: " + shown(v);
        } else if (j == 0) {
          creditItems = v;
        } else {
          creditBytes = v;
        }
      }
      if (parts != 2) {
        problem = "crd is not [items, bytes]";
      }
    }

    /** The header read, once its fields are checked together. */
    Header header() throws BadMessageException {
      if (problem != null) {
        throw new BadMessageException(problem, partial());
      }
      if (type == null || method == null || okey == null || !hasSeq || zip == null) {
        throw new BadMessageException("header lacks one of type, meth, okey, seq, zip", partial());
      }
      MessageType mt = MessageType.of(type);
      if (mt == null || mt == MessageType.NULL) {
        throw new BadMessageException("unknown message type " + type, partial());
      }
      if ((mt.isStream() || mt.isChunk()) && Integer.bitCount(streams) != 1) {
        throw new BadMessageException("a stream or chunk message must name one direction (stm 1 or 2)", partial());
      }
      if (chunkTotal != 0 && mt != MessageType.FUNCTION && mt != MessageType.RESULT) {
        throw new BadMessageException("chk in a message of type " + mt, partial());
      }
      return new Header(mt, method, okey, seq, zip, chain, streams, creditItems, creditBytes, chunkTotal);
    }

    /** A header good enough to address an ERROR reply, or null. */
    private Header partial() {
      MessageType mt = type == null ? null : MessageType.of(type);
      if (method == null || okey == null || !hasSeq || mt == null || !(mt == MessageType.FUNCTION || mt.isReply())) {
        return null;
      }
      return new Header(mt, method, okey, seq, false, List.of());
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
        case MAP:
          pending += 2L * u.unpackMapHeader();
          break;
        case ARRAY:
          pending += u.unpackArrayHeader();
          break;
        default:
          u.skipValue();
      }
      checkCount(u, pending, frameLength);
    }
  }

  /** Refuses {@code count} values when fewer bytes than that remain (each takes at least one). */
  private static void checkCount(MessageUnpacker u, long count, int frameLength) {
    if (count > frameLength - u.getTotalReadBytes()) {
      throw new MessageSizeException("container of " + count + " values is longer than its frame", count);
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
   * before the body's bytes is packed apart, and the body copied once behind it into the frame:
   * a 64 KiB stream item used to be allocated and copied three times on its way into the frame.
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
    return 1 + 5 + binHeader(metaLength) + metaLength + 5 + binHeader(bodyLength) + bodyLength;
  }

  private static int binHeader(int len) {
    return len < 256 ? 2 : len < 65536 ? 3 : 5;
  }

  /**
   * Decodes a body frame, decompressing first when {@code zip}. The decompressed size is checked
   * against {@code maxSize} before any buffer is allocated.
   */
  public static BodyFrame decodeBody(byte[] frame, boolean zip, int maxSize) throws BadMessageException {
    byte[] map = frame;
    if (zip) {
      try {
        int len = Snappy.uncompressedLength(frame);
        if (len < 0 || len > maxSize) {
          throw new BadMessageException("decompressed body of " + len + " bytes exceeds the limit of " + maxSize, null);
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
