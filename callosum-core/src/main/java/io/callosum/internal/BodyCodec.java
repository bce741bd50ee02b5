package io.callosum.internal;

import static io.callosum.internal.Msgpack.binPayload;
import static io.callosum.internal.Msgpack.key;

import io.callosum.internal.MessageCodec.BodyFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.xerial.snappy.Snappy;

/**
 * The body frame (docs/WIRE.md): a msgpack map {@code meta: bin, body: bin|nil}, raw-snappy
 * compressed when the header says {@code zip}. {@link MessageCodec} is the way in.
 *
 * <p>Decoding trusts nothing ({@link Msgpack}): a compressed frame's announced size is checked
 * against the limit before anything is decompressed. Thread-safe: each thread reuses its own packer
 * and unpacker.
 */
final class BodyCodec {
  private static final int MAX_BODY_ENTRIES = 16;

  /** The body frame's keys: {@code meta} (0) and {@code body} (1). */
  private static final String[] BODY_KEY_NAMES = {"meta", "body"};

  private static final byte[][] BODY_KEYS = Msgpack.fixstrs(BODY_KEY_NAMES);

  private static final int NIL = 0xc0;
  private static final int BIN8 = 0xc4;

  private static final byte[] NO_BYTES = new byte[0];

  private static final ThreadLocal<Msgpack.Unpacker> UNPACKERS =
      ThreadLocal.withInitial(Msgpack.Unpacker::new);

  private BodyCodec() {}

  /**
   * Encodes a body frame; with {@code zip}, the whole map is raw-snappy compressed. Written
   * straight into one array of its exact size, each bin with the smallest header (as msgpack-core
   * and Python's msgpack write them): a 64 KiB stream item used to be allocated and copied three
   * times on its way into the frame, and a small body's msgpack prefix packed, sliced and copied.
   */
  static byte[] encode(byte[] meta, byte[] body, boolean zip) {
    int headSize = Math.toIntExact(headSize(meta.length, body == null ? -1 : body.length));
    byte[] frame = new byte[Math.addExact(headSize, body == null ? 0 : body.length)];
    putHead(frame, meta, body == null ? -1 : body.length);
    if (body != null) {
      put(frame, headSize, body);
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

  /**
   * The uncompressed body frame's bytes before a body of {@code bodyLength} bytes: the frame is
   * these followed by the body. A sender whose lower writes pieces sends them so, without copying
   * the body ({@code Envelope.ofPieces}).
   */
  static byte[] head(byte[] meta, int bodyLength) {
    byte[] head = new byte[Math.toIntExact(headSize(meta.length, bodyLength))];
    putHead(head, meta, bodyLength);
    return head;
  }

  /** The size of {@link #head}; a {@code bodyLength} of -1: a nil body (the whole frame). */
  private static long headSize(int metaLength, int bodyLength) {
    long size = 1L + 5 + binHeader(metaLength) + metaLength + 5;
    return size + (bodyLength < 0 ? 1 : binHeader(bodyLength));
  }

  /**
   * Writes the map header, {@code meta} and the body's key and bin header (nil for a {@code
   * bodyLength} of -1) at the start of {@code frame}.
   */
  private static void putHead(byte[] frame, byte[] meta, int bodyLength) {
    frame[0] = (byte) 0x82; // fixmap of 2
    int at = put(frame, 1, BODY_KEYS[0]);
    at = putBin(frame, at, meta);
    at = put(frame, at, BODY_KEYS[1]);
    if (bodyLength < 0) {
      frame[at] = (byte) NIL;
    } else {
      putBinHeader(frame, at, bodyLength);
    }
  }

  private static int put(byte[] frame, int at, byte[] bytes) {
    System.arraycopy(bytes, 0, frame, at, bytes.length);
    return at + bytes.length;
  }

  /** A bin8, bin16 or bin32 header, then the bytes. */
  private static int putBin(byte[] frame, int at, byte[] bytes) {
    return put(frame, putBinHeader(frame, at, bytes.length), bytes);
  }

  /** The smallest bin header for {@code len} bytes; returns where its bytes go. */
  private static int putBinHeader(byte[] frame, int at, int len) {
    int header = binHeader(len);
    frame[at] = (byte) (header == 2 ? BIN8 : header == 3 ? BIN8 + 1 : BIN8 + 2);
    for (int i = header - 1, n = len; i >= 1; i--) {
      frame[at + i] = (byte) n;
      n >>>= 8;
    }
    return at + header;
  }

  /** The size of a body frame before compression, without building it. */
  static long frameSize(int metaLength, int bodyLength) {
    return headSize(metaLength, bodyLength) + bodyLength;
  }

  private static int binHeader(int len) {
    return len < 256 ? 2 : len < 65536 ? 3 : 5;
  }

  /**
   * Decodes a body frame, decompressing first when {@code zip}. The decompressed size is checked
   * against {@code maxSize} before any buffer is allocated; the values skipped (under keys this
   * side does not know) count against {@code maxValues}.
   */
  static BodyFrame decode(byte[] frame, boolean zip, int maxSize, int maxValues)
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
    BodyFrame canonical = canonical(map);
    return canonical != null ? canonical : general(map, maxValues);
  }

  /** Reads a body frame's map with msgpack-core's unpacker, whatever it holds. */
  static BodyFrame general(byte[] map, int maxValues) throws BadMessageException {
    byte[] meta = null;
    byte[] body = null;
    boolean sawBody = false;
    try {
      Msgpack.Unpacker up = UNPACKERS.get();
      MessageUnpacker u = up.reset(map, maxValues);
      if (!u.hasNext() || u.getNextFormat().getValueType() != ValueType.MAP) {
        throw new BadMessageException("body frame is not a msgpack map", null);
      }
      int n = u.unpackMapHeader();
      if (n > MAX_BODY_ENTRIES) {
        throw new BadMessageException("body frame has " + n + " entries", null);
      }
      for (int i = 0; i < n; i++) {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
          up.skip(map.length);
          up.skip(map.length);
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
          up.skip(map.length);
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
    return new BodyFrame(meta, body == null ? null : ByteBuffer.wrap(body));
  }

  /**
   * The frame read straight in its bytes if it is the usual one — {@code meta} then {@code body},
   * each a bin with its smallest header, the body perhaps nil — else null, for the msgpack-core
   * code, which reads every frame this reads into the same bodies, and refuses the rest. A body
   * that is nearly the whole frame is a view into it, not a copy ({@link BodyFrame}).
   */
  static BodyFrame canonical(byte[] map) {
    if (map.length < 1 + 5 + 2 + 5 + 1 || (map[0] & 0xff) != 0x82) {
      return null;
    }
    int metaEnd = binEnd(map, 1 + 5);
    if (metaEnd < 0
        || !Arrays.equals(map, 1, 6, BODY_KEYS[0], 0, 5)
        || metaEnd + 5 >= map.length
        || !Arrays.equals(map, metaEnd, metaEnd + 5, BODY_KEYS[1], 0, 5)) {
      return null;
    }
    int bodyAt = metaEnd + 5;
    ByteBuffer body;
    if ((map[bodyAt] & 0xff) == NIL && bodyAt + 1 == map.length) {
      body = null;
    } else if (binEnd(map, bodyAt) == map.length) {
      int from = bodyAt + binHeader(map, bodyAt);
      int length = map.length - from;
      body =
          map.length - length <= length / 8
              ? ByteBuffer.wrap(map, from, length).slice()
              : ByteBuffer.wrap(Arrays.copyOfRange(map, from, map.length));
    } else {
      return null;
    }
    int metaAt = 6 + binHeader(map, 6);
    byte[] meta = metaAt == metaEnd ? NO_BYTES : Arrays.copyOfRange(map, metaAt, metaEnd);
    return new BodyFrame(meta, body);
  }

  /**
   * Where the bin at {@code at} ends if it is one with its smallest header and fits the frame; -1
   * if not.
   */
  private static int binEnd(byte[] map, int at) {
    int header = binHeader(map, at);
    if (header < 0 || at + header > map.length) {
      return -1;
    }
    long len = 0;
    for (int i = 1; i < header; i++) {
      len = (len << 8) | (map[at + i] & 0xff);
    }
    if (binHeader((int) Math.min(len, Integer.MAX_VALUE)) != header
        || len > map.length - at - header) {
      return -1; // a longer header than its length needs, or past the frame
    }
    return (int) (at + header + len);
  }

  /** The size of the bin header at {@code at} (2, 3 or 5), or -1 if none is there. */
  private static int binHeader(byte[] map, int at) {
    if (at >= map.length) {
      return -1;
    }
    return switch (map[at] & 0xff) {
      case BIN8 -> 2;
      case BIN8 + 1 -> 3;
      case BIN8 + 2 -> 5;
      default -> -1;
    };
  }
}
