package io.callosum.internal;

import io.callosum.OrderKey;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.xerial.snappy.Snappy;

/**
 * Encodes and decodes the header and body frames exactly as Python Callosum does (see the
 * project's wire notes): the header is a msgpack map {@code type, meth, okey, seq, zip} in that
 * order, the body a map {@code meta: bin, body: bin|nil}, raw-snappy compressed when {@code zip}.
 *
 * <p>Decoding trusts nothing: sizes, counts, types and nesting are checked against the input
 * length before anything is allocated. Stateless and thread-safe.
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

  private MessageCodec() {}

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
    try (MessageBufferPacker p = HEADER_PACKER.newBufferPacker()) {
      boolean chain = !h.chain().isEmpty();
      boolean credit = h.creditItems() != 0 || h.creditBytes() != 0;
      p.packMapHeader(5 + (chain ? 1 : 0) + (h.streams() != 0 ? 1 : 0) + (credit ? 1 : 0) + (h.chunkTotal() != 0 ? 1 : 0));
      p.packString("type").packInt(h.type().code);
      p.packString("meth").packString(h.method());
      p.packString("okey");
      p.writePayload(h.orderKey().encoded());
      p.packString("seq").packLong(h.seq());
      p.packString("zip").packBoolean(h.zip());
      if (chain) {
        p.packString("chn").packArrayHeader(h.chain().size());
        for (CallId id : h.chain()) {
          byte[] b = id.encode();
          p.packBinaryHeader(b.length).writePayload(b);
        }
      }
      if (h.streams() != 0) {
        p.packString("stm").packInt(h.streams());
      }
      if (credit) {
        p.packString("crd").packArrayHeader(2).packLong(h.creditItems()).packLong(h.creditBytes());
      }
      if (h.chunkTotal() != 0) {
        p.packString("chk").packLong(h.chunkTotal());
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Decodes a header frame. Unknown keys are skipped (bounded). Throws {@link BadMessageException}
   * for anything malformed (including a {@code meth} that is not valid UTF-8 and a {@code seq}
   * outside 0 to 2^32-1), with the partly decoded header when the message is a FUNCTION whose
   * meth, okey and seq were readable, so that it can be answered with an ERROR reply.
   */
  public static Header decodeHeader(byte[] frame, int maxOrderKeySize, int maxChain) throws BadMessageException {
    Integer type = null;
    String method = null;
    OrderKey okey = null;
    Long seq = null;
    Boolean zip = null;
    List<CallId> chain = List.of();
    int streams = 0;
    long[] credit = {0, 0};
    long chunkTotal = 0;
    String problem = null;
    try (MessageUnpacker u = STRICT.newUnpacker(frame)) {
      if (!u.hasNext() || u.getNextFormat().getValueType() != ValueType.MAP) {
        throw new BadMessageException("header is not a msgpack map", null);
      }
      int n = u.unpackMapHeader();
      if (n > MAX_HEADER_ENTRIES) {
        throw new BadMessageException("header has " + n + " entries", null);
      }
      for (int i = 0; i < n; i++) {
        if (u.getNextFormat().getValueType() != ValueType.STRING) {
          skipBounded(u, frame.length);
          skipBounded(u, frame.length);
          continue;
        }
        String key = text(u, frame.length);
        ValueType vt = u.getNextFormat().getValueType();
        switch (key) {
          case "type":
            if (vt != ValueType.INTEGER) {
              problem = "type is not an integer";
              skipBounded(u, frame.length);
            } else {
              long t = u.unpackBigInteger().min(BigInteger.valueOf(Integer.MAX_VALUE)).longValue();
              type = (int) Math.max(-1, t);
            }
            break;
          case "meth":
            if (vt != ValueType.STRING) {
              problem = "meth is not a str";
              skipBounded(u, frame.length);
            } else {
              method = text(u, frame.length);
            }
            break;
          case "okey":
            int start = (int) u.getTotalReadBytes();
            skipBounded(u, frame.length);
            int end = (int) u.getTotalReadBytes();
            // Kept even when too long (the frame bounds it), so the ERROR reply can echo it.
            okey = OrderKey.fromEncoded(Arrays.copyOfRange(frame, start, end));
            if (end - start > maxOrderKeySize) {
              problem = "okey is " + (end - start) + " bytes, more than the limit of " + maxOrderKeySize;
            }
            break;
          case "seq":
            if (vt != ValueType.INTEGER) {
              problem = "seq is not an integer";
              skipBounded(u, frame.length);
            } else {
              BigInteger s = u.unpackBigInteger();
              if (s.signum() < 0 || s.compareTo(BigInteger.valueOf(Header.MAX_SEQ)) > 0) {
                problem = "seq out of range: " + s;
              } else {
                seq = s.longValue();
              }
            }
            break;
          case "zip":
            if (vt != ValueType.BOOLEAN) {
              problem = "zip is not a bool";
              skipBounded(u, frame.length);
            } else {
              zip = u.unpackBoolean();
            }
            break;
          case "chn":
            if (vt != ValueType.ARRAY) {
              problem = "chn is not an array";
              skipBounded(u, frame.length);
              break;
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
                skipBounded(u, frame.length);
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
            break;
          case "stm":
            if (vt != ValueType.INTEGER) {
              problem = "stm is not an integer";
              skipBounded(u, frame.length);
            } else {
              BigInteger v = u.unpackBigInteger();
              if (v.signum() <= 0 || v.compareTo(BigInteger.valueOf(Header.UPSTREAM | Header.DOWNSTREAM)) > 0) {
                problem = "stm out of range: " + v;
              } else {
                streams = v.intValue();
              }
            }
            break;
          case "chk":
            if (vt != ValueType.INTEGER) {
              problem = "chk is not an integer";
              skipBounded(u, frame.length);
            } else {
              BigInteger v = u.unpackBigInteger();
              if (v.signum() <= 0 || v.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
                problem = "chk out of range: " + v;
              } else {
                chunkTotal = v.longValue();
              }
            }
            break;
          case "crd":
            if (vt != ValueType.ARRAY) {
              problem = "crd is not an array";
              skipBounded(u, frame.length);
              break;
            }
            int parts = u.unpackArrayHeader();
            checkCount(u, parts, frame.length);
            for (int j = 0; j < parts; j++) {
              if (j >= 2 || u.getNextFormat().getValueType() != ValueType.INTEGER) {
                problem = "crd is not [items, bytes]";
                skipBounded(u, frame.length);
                continue;
              }
              BigInteger v = u.unpackBigInteger();
              if (v.signum() < 0 || v.compareTo(BigInteger.valueOf(Header.MAX_CREDIT)) > 0) {
                problem = "crd out of range: " + v;
              } else {
                credit[j] = v.longValue();
              }
            }
            if (parts != 2) {
              problem = "crd is not [items, bytes]";
            }
            break;
          default:
            skipBounded(u, frame.length);
        }
      }
      if (u.hasNext()) {
        problem = "trailing bytes after the header map";
      }
    } catch (IOException | MessagePackException | ArithmeticException e) {
      throw new BadMessageException("malformed header: " + e, partial(type, method, okey, seq), e);
    }
    Header partial = partial(type, method, okey, seq);
    if (problem != null) {
      throw new BadMessageException(problem, partial);
    }
    if (type == null || method == null || okey == null || seq == null || zip == null) {
      throw new BadMessageException("header lacks one of type, meth, okey, seq, zip", partial);
    }
    MessageType mt = MessageType.of(type);
    if (mt == null || mt == MessageType.NULL) {
      throw new BadMessageException("unknown message type " + type, partial);
    }
    if ((mt.isStream() || mt.isChunk()) && Integer.bitCount(streams) != 1) {
      throw new BadMessageException("a stream or chunk message must name one direction (stm 1 or 2)", partial);
    }
    if (chunkTotal != 0 && mt != MessageType.FUNCTION && mt != MessageType.RESULT) {
      throw new BadMessageException("chk in a message of type " + mt, partial);
    }
    return new Header(mt, method, okey, seq, zip, chain, streams, credit[0], credit[1], chunkTotal);
  }

  /** A header good enough to address an ERROR reply, or null. */
  private static Header partial(Integer type, String method, OrderKey okey, Long seq) {
    MessageType mt = type == null ? null : MessageType.of(type);
    if (method == null || okey == null || seq == null || mt == null || !(mt == MessageType.FUNCTION || mt.isReply())) {
      return null;
    }
    return new Header(mt, method, okey, seq, false, List.of());
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

  /** Encodes a body frame; with {@code zip}, the whole map is raw-snappy compressed. */
  public static byte[] encodeBody(byte[] meta, byte[] body, boolean zip) {
    byte[] frame;
    int size = (int) Math.min(Integer.MAX_VALUE - 16, bodyFrameSize(meta.length, body == null ? 0 : body.length));
    try (MessageBufferPacker p = new MessagePack.PackerConfig().withBufferSize(Math.max(64, size)).newBufferPacker()) {
      p.packMapHeader(2);
      p.packString("meta").packBinaryHeader(meta.length).writePayload(meta);
      p.packString("body");
      if (body == null) {
        p.packNil();
      } else {
        p.packBinaryHeader(body.length).writePayload(body);
      }
      frame = p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
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
    try (MessageUnpacker u = STRICT.newUnpacker(map)) {
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
        String key = text(u, map.length);
        ValueType vt = u.getNextFormat().getValueType();
        if (key.equals("meta")) {
          if (vt != ValueType.BINARY) {
            throw new BadMessageException("meta is not a bin", null);
          }
          meta = binPayload(u, map.length);
        } else if (key.equals("body")) {
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
