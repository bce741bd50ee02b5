package io.callosum.internal;

import io.callosum.Limits;
import io.callosum.Metadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Encodes and decodes the header and body frames exactly as Python Callosum does (see the project's
 * wire notes): the header is a msgpack map {@code type, meth, okey, seq, zip} in that order, the
 * body a map {@code meta: bin, body: bin|nil}, raw-snappy compressed when {@code zip}; and the
 * ErrorMetadata of a failure. The way in for the rest of the core: the header frame is {@link
 * HeaderCodec}'s job, the body frame {@link BodyCodec}'s, on the msgpack they share ({@link
 * Msgpack}).
 *
 * <p>Decoding trusts nothing: sizes, counts, types and nesting are checked against the input length
 * before anything is allocated. Thread-safe: each thread reuses its own packer and unpackers (a
 * call's header and body are encoded and decoded on every message, and their allocation was a fifth
 * of a small call's garbage).
 */
public final class MessageCodec {
  /** The empty metadata of FUNCTION ({@code c4 00} on the wire). */
  public static final byte[] NO_META = new byte[0];

  /** The metadata of RESULT, CANCEL and CANCELLED: an empty msgpack array ({@code c4 01 90}). */
  @SuppressWarnings("MutablePublicArray") // a package the module does not export; never written
  public static final byte[] EMPTY_ARRAY_META = new byte[] {(byte) 0x90};

  /** The count of values a frame may hold unless the caller says otherwise. */
  private static final int DEFAULT_MAX_VALUES = Limits.defaults().maxElements();

  private MessageCodec() {}

  /**
   * The header frame of {@code h}: the five keys in Python's order, then the extensions it uses.
   */
  public static byte[] encodeHeader(Header h) {
    return HeaderCodec.encode(h);
  }

  /**
   * Decodes a header frame. Unknown keys are skipped (bounded). Throws {@link BadMessageException}
   * for anything malformed (including a {@code meth} that is not valid UTF-8 and a {@code seq}
   * outside 0 to 2^32-1), with the partly decoded header when the message is a FUNCTION whose meth,
   * okey and seq were readable, so that it can be answered with an ERROR reply. A frame of more
   * msgpack values than the default {@code Limits.maxElements} is malformed.
   */
  public static Header decodeHeader(byte[] frame, int maxOrderKeySize, int maxChain)
      throws BadMessageException {
    return decodeHeader(frame, maxOrderKeySize, maxChain, DEFAULT_MAX_VALUES);
  }

  /** {@link #decodeHeader(byte[], int, int)} with a count of values other than the default. */
  public static Header decodeHeader(byte[] frame, int maxOrderKeySize, int maxChain, int maxValues)
      throws BadMessageException {
    return HeaderCodec.decode(
        frame,
        maxOrderKeySize,
        maxChain,
        maxValues,
        Limits.DEFAULT_MAX_METADATA_ENTRIES,
        Limits.DEFAULT_MAX_METADATA_SIZE,
        true);
  }

  /** Decodes a header frame under {@code limits} (order key, chain, values, metadata). */
  public static Header decodeHeader(byte[] frame, Limits limits) throws BadMessageException {
    return HeaderCodec.decode(
        frame,
        limits.maxOrderKeySize(),
        limits.maxCallChain(),
        limits.maxElements(),
        limits.maxMetadataEntries(),
        limits.maxMetadataSize(),
        true);
  }

  /**
   * What is wrong with sending {@code md} under {@code limits} (too many entries, too many bytes),
   * naming the limit; null if nothing is.
   */
  public static String metadataOverLimits(Metadata md, Limits limits) {
    return md.isEmpty()
        ? null
        : HeaderCodec.overLimits(md, limits.maxMetadataEntries(), limits.maxMetadataSize());
  }

  /**
   * The decoded body frame. {@code payload} is null when the frame held nil; else its bytes from
   * position 0 to the limit, which no one moves: an array of their own, or a view into the frame
   * when the frame is at most an eighth larger than them (a large stream item is not copied out of
   * its frame; what a view keeps in memory stays within 9/8 of the bytes it counts as).
   */
  public record BodyFrame(byte[] meta, ByteBuffer payload) {
    /** The payload as an array of its own (the frame's, or a copy), or null for nil. */
    public byte[] body() {
      return payload == null ? null : CodecBody.arrayOf(payload);
    }
  }

  /**
   * Encodes a body frame; with {@code zip}, the whole map is raw-snappy compressed. The body's
   * bytes are copied once, behind the msgpack before them.
   */
  public static byte[] encodeBody(byte[] meta, byte[] body, boolean zip) {
    return BodyCodec.encode(meta, body, zip);
  }

  /**
   * The uncompressed body frame's bytes before a body of {@code bodyLength} bytes, for {@code
   * Envelope.ofPieces}: these then the body are {@link #encodeBody}'s frame, without the body
   * copied.
   */
  public static byte[] encodeBodyHead(byte[] meta, int bodyLength) {
    return BodyCodec.head(meta, bodyLength);
  }

  /** The size of a body frame before compression, without building it. */
  public static long bodyFrameSize(int metaLength, int bodyLength) {
    return BodyCodec.frameSize(metaLength, bodyLength);
  }

  /**
   * Decodes a body frame, decompressing first when {@code zip}. The decompressed size is checked
   * against {@code maxSize} before any buffer is allocated; a frame of more msgpack values than the
   * default {@code Limits.maxElements} is malformed.
   */
  public static BodyFrame decodeBody(byte[] frame, boolean zip, int maxSize)
      throws BadMessageException {
    return decodeBody(frame, zip, maxSize, DEFAULT_MAX_VALUES);
  }

  /** {@link #decodeBody(byte[], boolean, int)} with a count of values other than the default. */
  public static BodyFrame decodeBody(byte[] frame, boolean zip, int maxSize, int maxValues)
      throws BadMessageException {
    return BodyCodec.decode(frame, zip, maxSize, maxValues);
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
