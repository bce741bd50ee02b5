package io.callosum.internal;

import static io.callosum.internal.Msgpack.binPayload;
import static io.callosum.internal.Msgpack.key;

import io.callosum.internal.MessageCodec.BodyFrame;
import java.io.IOException;
import java.util.Arrays;
import org.msgpack.core.MessageBufferPacker;
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

  private static final ThreadLocal<Msgpack.Unpacker> UNPACKERS =
      ThreadLocal.withInitial(Msgpack.Unpacker::new);

  private BodyCodec() {}

  /**
   * Encodes a body frame; with {@code zip}, the whole map is raw-snappy compressed. The msgpack
   * before the body's bytes is packed apart, and the body copied once behind it into the frame: a
   * 64 KiB stream item used to be allocated and copied three times on its way into the frame.
   */
  static byte[] encode(byte[] meta, byte[] body, boolean zip) {
    byte[] frame;
    MessageBufferPacker p = Msgpack.packer();
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
  static long frameSize(int metaLength, int bodyLength) {
    return 1L + 5 + binHeader(metaLength) + metaLength + 5 + binHeader(bodyLength) + bodyLength;
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
    return new BodyFrame(meta, body);
  }
}
