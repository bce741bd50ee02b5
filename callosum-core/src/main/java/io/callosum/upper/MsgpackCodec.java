package io.callosum.upper;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.callosum.CodecException;
import io.callosum.Limits;
import java.io.IOException;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
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
import org.msgpack.core.MessageUnpacker;
import org.msgpack.jackson.dataformat.MessagePackFactory;
import org.msgpack.jackson.dataformat.TimestampExtensionModule;
import org.msgpack.value.ValueType;

/**
 * The default upper: msgpack bodies, as Python Callosum services use with {@code msgpack.packb(o,
 * use_bin_type=True)}.
 *
 * <p>Generic values map directly: {@code null}, {@link Boolean}, integers of every size (unsigned
 * 64-bit as {@link BigInteger}), {@link Float}/{@link Double}, {@link String}, {@code byte[]} and
 * {@link ByteBuffer} (bin), {@link List}/{@link Collection}/arrays, {@link Map} with str or bin
 * keys (others are refused: Python peers reject them), {@link Instant} (the msgpack timestamp
 * extension), {@link Extension} for other extension types, nested freely. Decoded generically
 * ({@code Object.class}), integers come back as {@link Integer}, {@link Long} or {@link BigInteger}
 * (whichever fits), str as {@link String}, bin as {@code byte[]}, maps as {@link LinkedHashMap}
 * whose bin keys are read-only {@link ByteBuffer}s (so they compare by content).
 *
 * <p>Records and other classes go through Jackson's msgpack binding ({@code
 * jackson-dataformat-msgpack}): encode any record or bean, decode with {@code as(MyRecord.class)}.
 * Unknown properties are ignored so services can add fields; {@link Instant} fields use the
 * timestamp extension. Thread-safe.
 *
 * <p>Both ways of decoding first check the whole input without building anything, and throw {@link
 * CodecException} for truncated input, trailing bytes, lengths or counts beyond the input, lists
 * and maps nested deeper than the limit, more values than the limit (every list, map, element, key
 * and value counts: a few bytes each on the wire, an object each once decoded; counted from the
 * declared sizes, so an input announcing too many is refused at that container, before anything is
 * walked further), and str that is not valid UTF-8.
 *
 * <p>Two codecs with the same limits are equal: they encode and decode alike.
 */
public final class MsgpackCodec implements Codec {
  private final ObjectMapper mapper;
  private final int maxNesting;
  private final int maxElements;

  /**
   * A codec with the default limits of {@link Limits#defaults()}: nesting 128, 1,000,000 values.
   */
  public MsgpackCodec() {
    this(Limits.defaults().maxNesting());
  }

  /**
   * A codec that refuses input nested deeper than {@code maxNesting} lists and maps (and more
   * values than the default {@link Limits#maxElements()}).
   */
  public MsgpackCodec(int maxNesting) {
    this(maxNesting, Limits.defaults().maxElements());
  }

  /**
   * A codec that refuses input nested deeper than {@code maxNesting} lists and maps, or holding
   * more than {@code maxElements} values (see {@link Limits#maxElements()}).
   */
  public MsgpackCodec(int maxNesting, int maxElements) {
    if (maxNesting <= 0) {
      throw new IllegalArgumentException("maxNesting must be > 0, was " + maxNesting);
    }
    if (maxElements <= 0) {
      throw new IllegalArgumentException("maxElements must be > 0, was " + maxElements);
    }
    this.maxNesting = maxNesting;
    this.maxElements = maxElements;
    MessagePackFactory factory = new MessagePackFactory();
    factory.setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(maxNesting).build());
    this.mapper =
        new ObjectMapper(factory)
            .registerModule(TimestampExtensionModule.INSTANCE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  /** A msgpack extension value other than the timestamp. */
  public record Extension(byte type, byte[] data) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Extension extension
          && extension.type == type
          && Arrays.equals(extension.data, data);
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

  /** Equal to another msgpack codec with the same limits. */
  @Override
  public boolean equals(Object o) {
    return o instanceof MsgpackCodec other
        && other.maxNesting == maxNesting
        && other.maxElements == maxElements;
  }

  @Override
  public int hashCode() {
    return 31 * maxNesting + maxElements;
  }

  @Override
  public byte[] encode(Object value) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      write(p, value, 0);
      return p.toByteArray();
    } catch (IOException | RuntimeException e) {
      if (e instanceof CodecException codecException) {
        throw codecException;
      }
      throw new CodecException(
          "cannot encode " + describe(value) + " as msgpack: " + e.getMessage(), e);
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getName();
  }

  /**
   * Writes {@code v}, which sits inside {@code depth} lists and maps; a list or map at depth {@code
   * maxNesting} would be one level too deep (this also stops self-containing collections).
   */
  private void write(MessageBufferPacker p, Object v, int depth) throws IOException {
    if (v == null) {
      p.packNil();
    } else if (v instanceof Boolean b) {
      p.packBoolean(b);
    } else if (v instanceof Integer
        || v instanceof Long
        || v instanceof Short
        || v instanceof Byte) {
      p.packLong(((Number) v).longValue());
    } else if (v instanceof BigInteger b) {

      if (b.bitLength() > 64 || (b.signum() < 0 && b.bitLength() > 63)) {
        throw new CodecException("integer out of msgpack range: " + b);
      }
      p.packBigInteger(b);
    } else if (v instanceof Float f) {
      p.packFloat(f);
    } else if (v instanceof Double d) {
      p.packDouble(d);
    } else if (v instanceof CharSequence || v instanceof Character) {
      p.packString(v.toString());
    } else if (v instanceof byte[] b) {

      p.packBinaryHeader(b.length).writePayload(b);
    } else if (v instanceof ByteBuffer byteBuffer) {
      ByteBuffer b = byteBuffer.duplicate();
      p.packBinaryHeader(b.remaining());
      byte[] copy = new byte[b.remaining()];
      b.get(copy);
      p.writePayload(copy);
    } else if (v instanceof Instant instant) {
      p.packTimestamp(instant);
    } else if (v instanceof Extension e) {

      p.packExtensionTypeHeader(e.type(), e.data().length).writePayload(e.data());
    } else if (v instanceof Map) {
      Map<?, ?> m = (Map<?, ?>) v;
      int inner = nest(depth);
      p.packMapHeader(m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object key = e.getKey();
        if (!(key instanceof CharSequence || key instanceof byte[] || key instanceof ByteBuffer)) {
          // Python Callosum peers unpack with strict_map_key: any other key kills their receive
          // loop.
          throw new CodecException(
              "map keys must be strings or byte strings, not " + describe(key));
        }
        write(p, key, inner);
        write(p, e.getValue(), inner);
      }
    } else if (v instanceof Collection) {
      Collection<?> c = (Collection<?>) v;
      int inner = nest(depth);
      p.packArrayHeader(c.size());
      for (Object o : c) {
        write(p, o, inner);
      }
    } else if (v instanceof Object[] a) {

      int inner = nest(depth);
      p.packArrayHeader(a.length);
      for (Object o : a) {
        write(p, o, inner);
      }
    } else {
      // Records, beans, enums, primitive arrays: Jackson's msgpack binding writes one complete
      // msgpack value, which is copied in place.
      p.writePayload(mapper.writeValueAsBytes(v));
    }
  }

  private int nest(int depth) {
    if (depth >= maxNesting) {
      throw new CodecException("value nested deeper than " + maxNesting + " lists and maps");
    }
    return depth + 1;
  }

  @Override
  // As Codec.decode: the caller picks T.
  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
  public <T> T decode(byte[] bytes, Type type) {
    try {
      check(bytes);
      if (type == Object.class) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
          return (T) read(u);
        }
      }
      return mapper.readValue(bytes, mapper.constructType(type));
    } catch (CodecException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new CodecException(
          "cannot decode msgpack as " + type.getTypeName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Walks {@code bytes} once without building anything and refuses them unless they hold exactly
   * one value whose lengths and counts fit in the input, nested at most {@code maxNesting} lists
   * and maps deep, of at most {@code maxElements} values in all, with every str valid UTF-8 (as
   * Python's {@code raw=False} requires). Both decode paths run it first, so neither allocates by a
   * hostile declared size nor recurses too deep, all preallocated containers together are bounded
   * by the input's length, and what the input decodes into by the value count.
   */
  private void check(byte[] bytes) throws IOException {
    if (bytes.length == 0) {
      throw new CodecException("empty msgpack input");
    }
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      long[] left = new long[Math.min(maxNesting, 15) + 1];
      left[0] = 1;
      long values = 1;
      int depth = 0;
      while (true) {
        while (left[depth] == 0 && depth > 0) {
          depth--;
        }
        if (left[depth] == 0) {
          break;
        }
        left[depth]--;
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
          case ARRAY, MAP -> {
            long n =
                f.getValueType() == ValueType.ARRAY
                    ? u.unpackArrayHeader()
                    : 2L * u.unpackMapHeader();
            if (depth == maxNesting) {
              throw new CodecException(
                  "msgpack nested deeper than " + maxNesting + " lists and maps");
            }
            fits(u, n, bytes.length, "container of " + n + " values");
            values += n;
            if (values > maxElements) {
              throw new CodecException(
                  "msgpack input of more than "
                      + maxElements
                      + " values (lists, maps, their elements, keys and values, at any depth;"
                      + " the limit is Limits.maxElements)");
            }
            if (++depth == left.length) {
              left = Arrays.copyOf(left, Math.min(maxNesting, 2 * depth) + 1);
            }
            left[depth] = n;
          }
          case STRING -> {
            int len = u.unpackRawStringHeader();
            checkUtf8(bytes, skipPayload(u, len, bytes.length), len);
          }
          case BINARY -> skipPayload(u, u.unpackBinaryHeader(), bytes.length);
          case EXTENSION -> skipPayload(u, u.unpackExtensionTypeHeader().getLength(), bytes.length);
          default -> u.skipValue();
        }
      }
      if (u.hasNext()) {
        throw new CodecException("trailing bytes after a msgpack value");
      }
    }
  }

  /** Skips a str, bin or ext payload of {@code len} bytes; returns where it started. */
  private static int skipPayload(MessageUnpacker u, int len, int total) throws IOException {
    fits(u, len, total, "value of " + len + " bytes");
    int start = (int) u.getTotalReadBytes();
    u.readPayloadAsReference(len);
    return start;
  }

  /** Refuses {@code n} bytes or values when fewer bytes remain (a value takes at least one). */
  private static void fits(MessageUnpacker u, long n, int total, String what) {
    if (n < 0 || n > total - u.getTotalReadBytes()) {
      throw new CodecException("msgpack " + what + " is longer than its input");
    }
  }

  private static void checkUtf8(byte[] b, int off, int len) throws CharacterCodingException {
    for (int i = off; i < off + len; i++) {
      if (b[i] < 0) {
        StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b, i, off + len - i));
        return;
      }
    }
  }

  /** Reads one value of input that {@link #check} accepted. */
  private Object read(MessageUnpacker u) throws IOException {
    MessageFormat f = u.getNextFormat();
    switch (f.getValueType()) {
      case NIL -> {
        u.unpackNil();
        return null;
      }
      case BOOLEAN -> {
        return u.unpackBoolean();
      }
      case INTEGER -> {
        if (f == MessageFormat.UINT64) {
          BigInteger b = u.unpackBigInteger();
          return b.bitLength() <= 63 ? narrow(b.longValue()) : b;
        }
        return narrow(u.unpackLong());
      }
      case FLOAT -> {
        return f == MessageFormat.FLOAT32 ? (Object) u.unpackFloat() : (Object) u.unpackDouble();
      }
      case STRING -> {
        return new String(u.readPayload(u.unpackRawStringHeader()), StandardCharsets.UTF_8);
      }
      case BINARY -> {
        return u.readPayload(u.unpackBinaryHeader());
      }
      case ARRAY -> {
        int n = u.unpackArrayHeader();
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          list.add(read(u));
        }
        return list;
      }
      case MAP -> {
        int n = u.unpackMapHeader();
        Map<Object, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
          Object key = read(u);
          if (key instanceof byte[]) {
            key = ByteBuffer.wrap((byte[]) key).asReadOnlyBuffer();
          } else if (key instanceof List || key instanceof Map) {
            throw new CodecException("msgpack map key is a container");
          }
          map.put(key, read(u));
        }
        return map;
      }
      case EXTENSION -> {
        ExtensionTypeHeader h = u.unpackExtensionTypeHeader();
        if (h.getType() == -1) {
          return u.unpackTimestamp(h);
        }
        return new Extension(h.getType(), u.readPayload(h.getLength()));
      }
      default -> throw new CodecException("unsupported msgpack format " + f);
    }
  }

  private static Object narrow(long v) {
    return v == (int) v ? (Object) (int) v : (Object) v;
  }
}
