package io.callosum.upper;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.callosum.CodecException;
import java.io.IOException;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * The default upper: msgpack bodies, as Python Callosum services use with {@code
 * msgpack.packb(o, use_bin_type=True)}.
 *
 * <p>Generic values map directly: {@code null}, {@link Boolean}, integers of every size
 * (unsigned 64-bit as {@link BigInteger}), {@link Float}/{@link Double}, {@link String}, {@code
 * byte[]} and {@link ByteBuffer} (bin), {@link List}/{@link Collection}/arrays, {@link Map} with
 * str or bin keys, {@link Instant} (the msgpack timestamp extension), {@link Extension} for other
 * extension types, nested freely. Decoded generically ({@code Object.class}), integers come back as
 * {@link Integer}, {@link Long} or {@link BigInteger} (whichever fits), str as {@link String}, bin
 * as {@code byte[]}, maps as {@link LinkedHashMap} whose bin keys are read-only {@link ByteBuffer}s
 * (so they compare by content).
 *
 * <p>Records and other classes go through Jackson's msgpack binding ({@code
 * jackson-dataformat-msgpack}): encode any record or bean, decode with {@code as(MyRecord.class)}.
 * Unknown properties are ignored so services can add fields. Thread-safe.
 */
public final class MsgpackCodec implements Codec {
  private static final int DEFAULT_MAX_NESTING = 128;

  private final ObjectMapper mapper;
  private final int maxNesting;

  /** A codec with the default nesting limit (128). */
  public MsgpackCodec() {
    this(DEFAULT_MAX_NESTING);
  }

  /** A codec that refuses input nested deeper than {@code maxNesting} lists and maps. */
  public MsgpackCodec(int maxNesting) {
    this.maxNesting = maxNesting;
    MessagePackFactory factory = new MessagePackFactory();
    factory.setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxNesting).build());
    this.mapper =
        new ObjectMapper(factory)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  /** A msgpack extension value other than the timestamp. */
  public record Extension(byte type, byte[] data) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Extension && ((Extension) o).type == type && Arrays.equals(((Extension) o).data, data);
    }

    @Override
    public int hashCode() {
      return 31 * type + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Extension(" + type + ", " + data.length + " bytes)";
    }
  }

  @Override
  public String name() {
    return "msgpack";
  }

  @Override
  public byte[] encode(Object value) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      write(p, value, 0);
      return p.toByteArray();
    } catch (IOException | RuntimeException e) {
      if (e instanceof CodecException) {
        throw (CodecException) e;
      }
      throw new CodecException("cannot encode " + describe(value) + " as msgpack: " + e.getMessage(), e);
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getName();
  }

  private void write(MessageBufferPacker p, Object v, int depth) throws IOException {
    if (depth > maxNesting) {
      throw new CodecException("value nested deeper than " + maxNesting);
    }
    if (v == null) {
      p.packNil();
    } else if (v instanceof Boolean) {
      p.packBoolean((Boolean) v);
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      p.packLong(((Number) v).longValue());
    } else if (v instanceof BigInteger) {
      BigInteger b = (BigInteger) v;
      if (b.bitLength() > 64 || (b.signum() < 0 && b.bitLength() > 63)) {
        throw new CodecException("integer out of msgpack range: " + b);
      }
      p.packBigInteger(b);
    } else if (v instanceof Float) {
      p.packFloat((Float) v);
    } else if (v instanceof Double) {
      p.packDouble((Double) v);
    } else if (v instanceof CharSequence || v instanceof Character) {
      p.packString(v.toString());
    } else if (v instanceof byte[]) {
      byte[] b = (byte[]) v;
      p.packBinaryHeader(b.length).writePayload(b);
    } else if (v instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) v).duplicate();
      p.packBinaryHeader(b.remaining());
      byte[] copy = new byte[b.remaining()];
      b.get(copy);
      p.writePayload(copy);
    } else if (v instanceof Instant) {
      p.packTimestamp((Instant) v);
    } else if (v instanceof Extension) {
      Extension e = (Extension) v;
      p.packExtensionTypeHeader(e.type(), e.data().length).writePayload(e.data());
    } else if (v instanceof Map) {
      Map<?, ?> m = (Map<?, ?>) v;
      p.packMapHeader(m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        write(p, e.getKey(), depth + 1);
        write(p, e.getValue(), depth + 1);
      }
    } else if (v instanceof Collection) {
      Collection<?> c = (Collection<?>) v;
      p.packArrayHeader(c.size());
      for (Object o : c) {
        write(p, o, depth + 1);
      }
    } else if (v instanceof Object[]) {
      Object[] a = (Object[]) v;
      p.packArrayHeader(a.length);
      for (Object o : a) {
        write(p, o, depth + 1);
      }
    } else {
      // Records, beans, enums, primitive arrays: Jackson's msgpack binding writes one complete
      // msgpack value, which is copied in place.
      p.writePayload(mapper.writeValueAsBytes(v));
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T decode(byte[] bytes, Type type) {
    if (type == Object.class) {
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
        if (!u.hasNext()) {
          throw new CodecException("empty msgpack input");
        }
        Object v = read(u, bytes.length, 0);
        if (u.hasNext()) {
          throw new CodecException("trailing bytes after a msgpack value");
        }
        return (T) v;
      } catch (IOException | MessagePackException | ArithmeticException e) {
        throw new CodecException("malformed msgpack: " + e.getMessage(), e);
      }
    }
    try {
      return mapper.readValue(bytes, mapper.constructType(type));
    } catch (IOException | RuntimeException e) {
      throw new CodecException("cannot decode msgpack as " + type.getTypeName() + ": " + e.getMessage(), e);
    }
  }

  private Object read(MessageUnpacker u, int total, int depth) throws IOException {
    if (depth > maxNesting) {
      throw new CodecException("msgpack nested deeper than " + maxNesting);
    }
    MessageFormat f = u.getNextFormat();
    switch (f.getValueType()) {
      case NIL:
        u.unpackNil();
        return null;
      case BOOLEAN:
        return u.unpackBoolean();
      case INTEGER:
        if (f == MessageFormat.UINT64) {
          BigInteger b = u.unpackBigInteger();
          return b.bitLength() <= 63 ? (Object) narrow(b.longValue()) : b;
        }
        return narrow(u.unpackLong());
      case FLOAT:
        return f == MessageFormat.FLOAT32 ? (Object) u.unpackFloat() : (Object) u.unpackDouble();
      case STRING:
        return new String(payload(u, u.unpackRawStringHeader(), total), StandardCharsets.UTF_8);
      case BINARY:
        return payload(u, u.unpackBinaryHeader(), total);
      case ARRAY: {
        int n = u.unpackArrayHeader();
        checkCount(u, n, total);
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          list.add(read(u, total, depth + 1));
        }
        return list;
      }
      case MAP: {
        int n = u.unpackMapHeader();
        checkCount(u, 2L * n, total);
        Map<Object, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
          Object key = read(u, total, depth + 1);
          if (key instanceof byte[]) {
            key = ByteBuffer.wrap((byte[]) key).asReadOnlyBuffer();
          } else if (key instanceof List || key instanceof Map) {
            throw new CodecException("msgpack map key is a container");
          }
          map.put(key, read(u, total, depth + 1));
        }
        return map;
      }
      case EXTENSION: {
        ExtensionTypeHeader h = u.unpackExtensionTypeHeader();
        if (h.getType() == -1) {
          return u.unpackTimestamp(h);
        }
        return new Extension(h.getType(), payload(u, h.getLength(), total));
      }
      default:
        throw new CodecException("unsupported msgpack format " + f);
    }
  }

  private static Object narrow(long v) {
    return v == (int) v ? (Object) (int) v : (Object) v;
  }

  private static void checkCount(MessageUnpacker u, long n, int total) {
    if (n < 0 || n > total - u.getTotalReadBytes()) {
      throw new CodecException("msgpack container of " + n + " elements is longer than its input");
    }
  }

  private static byte[] payload(MessageUnpacker u, int len, int total) throws IOException {
    if (len < 0 || len > total - u.getTotalReadBytes()) {
      throw new CodecException("msgpack value of " + len + " bytes is longer than its input");
    }
    return u.readPayload(len);
  }
}
