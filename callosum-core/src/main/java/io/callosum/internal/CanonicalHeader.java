package io.callosum.internal;

import io.callosum.Metadata;
import io.callosum.OrderKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The header frames nearly every call and reply has, read and written straight in their bytes: a
 * map of Python Callosum's five keys in their order ({@code type, meth, okey, seq, zip}), then in a
 * call perhaps the deadline ({@code dl}), each value in the encoding msgpack-core and Python's
 * msgpack choose for it. Decoding and encoding such a header with msgpack-core's packer and
 * unpacker was a fifth of each side's time per call and most of what it allocated (PERFORMANCE.md,
 * <i>Headers read and written in their bytes</i>).
 *
 * <p>It decides nothing {@link HeaderCodec} would not: anything else — other extensions, other
 * encodings of the same values, a type that needs an extension, anything malformed or over a limit
 * — is declined ({@code null}) and goes through {@link HeaderCodec}'s general code, which reads
 * every header this class reads into the same {@link Header}, and writes every header this class
 * writes into the same bytes ({@code CanonicalHeaderTest} compares both on generated and hostile
 * frames).
 *
 * <p>{@link #write} is stateless. A reader belongs to one thread ({@link HeaderCodec} keeps one per
 * thread): it keeps the method names it read last, so that a name seen again is not built again.
 */
final class CanonicalHeader {
  /** Method names remembered per reader (a power of two). */
  private static final int METHOD_SLOTS = 16;

  private static final byte[][] KEYS = HeaderCodec.HEADER_KEYS;
  private static final byte[] TYPE = KEYS[HeaderCodec.TYPE];
  private static final byte[] METH = KEYS[HeaderCodec.METH];
  private static final byte[] OKEY = KEYS[HeaderCodec.OKEY];
  private static final byte[] SEQ = KEYS[HeaderCodec.SEQ];
  private static final byte[] ZIP = KEYS[HeaderCodec.ZIP];
  private static final byte[] DL = KEYS[HeaderCodec.DL];

  private static final int FIXMAP = 0x80;
  private static final int FIXSTR = 0xa0;
  private static final int NIL = 0xc0;
  private static final int FALSE = 0xc2;
  private static final int TRUE = 0xc3;
  private static final int BIN8 = 0xc4;
  private static final int UINT8 = 0xcc;
  private static final int UINT16 = 0xcd;
  private static final int UINT32 = 0xce;
  private static final int STR8 = 0xd9;

  /** The method names read last, by a hash of their bytes: their bytes and their strings. */
  private final byte[][] methodBytes = new byte[METHOD_SLOTS][];

  private final String[] methods = new String[METHOD_SLOTS];

  /** Where the frame being read is read next (a field: the reader's steps return values). */
  private int at;

  /**
   * The header in {@code f} if it is a canonical one within the limits, else null (for {@link
   * HeaderCodec} to read, or to refuse).
   */
  Header read(byte[] f, int maxOrderKeySize, int maxValues) {
    at = 0;
    int map = next(f);
    if ((map != (FIXMAP | 5) && map != (FIXMAP | 6)) || !key(f, TYPE)) {
      return null;
    }
    int code = next(f); // a positive fixint; -1 past the end
    MessageType type = code >= 0 && code < 0x80 ? MessageType.of(code) : null;
    if (type == null
        || type == MessageType.NULL
        || type.isStream() // these need stm: refused by HeaderCodec, with its reason
        || type.isChunk()
        || !key(f, METH)) {
      return null;
    }
    String method = method(f);
    if (method == null || !key(f, OKEY)) {
      return null;
    }
    int okeyStart = at;
    if (!skipScalar(f) || at - okeyStart > maxOrderKeySize || maxValues < 1) {
      return null;
    }
    OrderKey okey = OrderKey.fromEncoded(f, okeyStart, at);
    if (!key(f, SEQ)) {
      return null;
    }
    long seq = uint(f);
    if (seq < 0 || !key(f, ZIP)) {
      return null;
    }
    int zip = next(f);
    if (zip != TRUE && zip != FALSE) {
      return null;
    }
    long deadline = 0;
    if (map == (FIXMAP | 6)) {
      if (!key(f, DL)) {
        return null;
      }
      long dl = uint(f);
      if (dl < 0) {
        return null;
      }
      deadline = Math.max(1, Math.min(dl, Header.MAX_DEADLINE_MILLIS));
    }
    if (at != f.length) {
      return null;
    }
    return new Header(
        type, method, okey, seq, zip == TRUE, List.of(), 0, 0, 0, 0, Metadata.EMPTY, deadline);
  }

  /** The next byte, unsigned; -1 past the end. */
  private int next(byte[] f) {
    return at < f.length ? f[at++] & 0xff : -1;
  }

  /** Whether {@code key} (a fixstr) comes next; steps over it if so. */
  private boolean key(byte[] f, byte[] key) {
    int end = at + key.length;
    if (end > f.length || !Arrays.equals(f, at, end, key, 0, key.length)) {
      return false;
    }
    at = end;
    return true;
  }

  /** A fixstr or str8 of ASCII, as a String; null for anything else. */
  private String method(byte[] f) {
    int b = next(f);
    int len;
    if ((b & 0xe0) == FIXSTR) {
      len = b & 0x1f;
    } else if (b == STR8) {
      len = next(f);
    } else {
      return null;
    }
    if (len < 0 || len > f.length - at) {
      return null;
    }
    int start = at;
    int end = start + len;
    for (int i = start; i < end; i++) {
      if (f[i] < 0) {
        return null; // not ASCII: HeaderCodec decodes it strictly
      }
    }
    at = end;
    int slot = (len * 31 + (len == 0 ? 0 : f[end - 1])) & (METHOD_SLOTS - 1);
    byte[] known = methodBytes[slot];
    if (known != null && Arrays.equals(f, start, end, known, 0, known.length)) {
      return methods[slot];
    }
    String m = new String(f, start, len, StandardCharsets.ISO_8859_1);
    methodBytes[slot] = Arrays.copyOfRange(f, start, end);
    methods[slot] = m;
    return m;
  }

  /**
   * Steps over one scalar of a few common encodings (nil, bool, fixint, fixstr, str8, bin8); false
   * for anything else, or one running past the end.
   */
  private boolean skipScalar(byte[] f) {
    int b = next(f);
    int len;
    if (b < 0) {
      return false;
    } else if (b < 0x80 || b >= 0xe0 || b == NIL || b == FALSE || b == TRUE) {
      len = 0;
    } else if ((b & 0xe0) == FIXSTR) {
      len = b & 0x1f;
    } else if (b == STR8 || b == BIN8) {
      len = next(f);
    } else {
      return false;
    }
    if (len < 0 || len > f.length - at) {
      return false;
    }
    at += len;
    return true;
  }

  /** An unsigned integer of up to 32 bits (positive fixint, uint8, 16, 32); -1 for another. */
  private long uint(byte[] f) {
    int b = next(f);
    int size;
    if (b >= 0 && b < 0x80) {
      return b;
    } else if (b == UINT8) {
      size = 1;
    } else if (b == UINT16) {
      size = 2;
    } else if (b == UINT32) {
      size = 4;
    } else {
      return -1;
    }
    if (size > f.length - at) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < size; i++) {
      v = (v << 8) | (f[at++] & 0xff);
    }
    return v;
  }

  /**
   * The frame of {@code h} if it is a canonical header, byte for byte what {@link HeaderCodec}
   * writes for it; else null.
   */
  static byte[] write(Header h) {
    String method = h.method();
    int len = method.length();
    long dl = h.deadlineMillis();
    int code = h.type().code;
    if (!h.chain().isEmpty()
        || h.streams() != 0
        || h.creditItems() != 0
        || h.creditBytes() != 0
        || h.chunkTotal() != 0
        || !h.metadata().isEmpty()
        || code < 0
        || code >= 0x80
        || len >= 0x100 // msgpack-core packs longer strings another way
        || h.seq() < 0
        || h.seq() > Header.MAX_SEQ
        || dl < 0
        || dl > Header.MAX_DEADLINE_MILLIS) {
      return null;
    }
    for (int i = 0; i < len; i++) {
      if (method.charAt(i) >= 0x80) {
        return null;
      }
    }
    OrderKey okey = h.orderKey();
    int size =
        1
            + TYPE.length
            + 1
            + METH.length
            + (len < 32 ? 1 : 2)
            + len
            + OKEY.length
            + okey.encodedSize()
            + SEQ.length
            + uintSize(h.seq())
            + ZIP.length
            + 1
            + (dl != 0 ? DL.length + uintSize(dl) : 0);
    byte[] f = new byte[size];
    int p = 0;
    f[p++] = (byte) (FIXMAP | (dl != 0 ? 6 : 5));
    p = put(f, p, TYPE);
    f[p++] = (byte) code;
    p = put(f, p, METH);
    if (len < 32) {
      f[p++] = (byte) (FIXSTR | len);
    } else {
      f[p++] = (byte) STR8;
      f[p++] = (byte) len;
    }
    for (int i = 0; i < len; i++) {
      f[p++] = (byte) method.charAt(i);
    }
    p = put(f, p, OKEY);
    okey.copyTo(f, p);
    p += okey.encodedSize();
    p = put(f, p, SEQ);
    p = putUint(f, p, h.seq());
    p = put(f, p, ZIP);
    f[p++] = (byte) (h.zip() ? TRUE : FALSE);
    if (dl != 0) {
      p = put(f, p, DL);
      putUint(f, p, dl);
    }
    return f;
  }

  private static int put(byte[] f, int p, byte[] bytes) {
    System.arraycopy(bytes, 0, f, p, bytes.length);
    return p + bytes.length;
  }

  /** The bytes of {@code v} (0 to 2^32-1) as msgpack-core packs it: the smallest encoding. */
  private static int uintSize(long v) {
    return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
  }

  private static int putUint(byte[] f, int p, long v) {
    int size = uintSize(v);
    if (size == 1) {
      f[p] = (byte) v;
      return p + 1;
    }
    f[p] = (byte) (size == 2 ? UINT8 : size == 3 ? UINT16 : UINT32);
    for (int i = size - 1; i >= 1; i--) {
      f[p + i] = (byte) v;
      v >>>= 8;
    }
    return p + size;
  }
}
