package io.callosum.upper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.CodecException;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of the msgpack upper (docs/FUZZING.md): bodies a remote sends, decoded generically
 * and into a record and a bean. Decoding throws nothing but {@link CodecException} and allocates at
 * most a bound linear in the input; what decodes encodes to bytes that decode to the same value
 * (compared by its encoding), unless it has a map key that is neither str nor bin (decoded, but
 * never encoded: Python peers refuse them), and generated values survive encode then decode.
 */
class MsgpackCodecFuzzTest {
  private static final MsgpackCodec CODEC = new MsgpackCodec(16);
  private static final long SLACK = 256 << 10;

  /** A record with a field of each kind. */
  public record Sample(
      String name,
      long n,
      List<String> tags,
      byte[] blob,
      Map<String, Integer> attrs,
      Instant at,
      Sample next) {}

  /** A bean, as opposed to a record. */
  public static final class Account {
    public String owner;
    public double balance;
    public List<Long> history;
  }

  @FuzzTest
  void generic(byte[] body) throws Exception {
    Object[] decoded = new Object[1];
    try {
      ThreadAllocation.atMost(
          SLACK + 64L * body.length,
          "generic decode",
          () -> decoded[0] = CODEC.decode(body, Object.class));
    } catch (CodecException e) {
      return;
    }
    byte[] again;
    try {
      again = CODEC.encode(decoded[0]);
    } catch (CodecException e) {
      // Documented: decoding takes maps with any scalar keys, encoding only str and bin keys (what
      // Python peers unpack).
      assertTrue(
          e.getMessage().startsWith("map keys must be strings or byte strings"), e.getMessage());
      return;
    }
    assertArrayEquals(again, CODEC.encode(CODEC.decode(again, Object.class)), "re-encoded value");
  }

  /** The first byte picks the type: the record or the bean. */
  @FuzzTest
  void typed(byte[] data) throws Exception {
    if (data.length == 0) {
      return;
    }
    Class<?> type = (data[0] & 1) == 0 ? Sample.class : Account.class;
    byte[] body = java.util.Arrays.copyOfRange(data, 1, data.length);
    Object[] decoded = new Object[1];
    try {
      ThreadAllocation.atMost(
          (1 << 20) + 128L * body.length,
          "decode as " + type.getSimpleName(),
          () -> decoded[0] = CODEC.decode(body, type));
    } catch (CodecException e) {
      return;
    }
    byte[] again = CODEC.encode(decoded[0]);
    assertArrayEquals(
        again, CODEC.encode(CODEC.decode(again, type)), "re-encoded " + type.getSimpleName());
  }

  /** decode(encode(v)) is v, compared by encoding, for values made from the input. */
  @FuzzTest
  void generated(byte[] data) {
    Object v = value(new FuzzInput(data), 0);
    byte[] encoded = CODEC.encode(v);
    assertArrayEquals(encoded, CODEC.encode(CODEC.decode(encoded, Object.class)));
  }

  private static Object value(FuzzInput in, int depth) {
    switch (in.below(depth < 4 ? 12 : 9)) {
      case 0:
        return null;
      case 1:
        return in.bool();
      case 2:
        return (int) in.u32();
      case 3:
        return in.u64();
      case 4:
        return new BigInteger(1, in.bytes(8));
      case 5:
        return Double.longBitsToDouble(in.u64());
      case 6:
        return new String(in.chunk(), StandardCharsets.UTF_8);
      case 7:
        return in.chunk();
      case 8:
        return Instant.ofEpochSecond(in.u32(), in.u32() % 1_000_000_000);
      case 9:
        {
          List<Object> list = new ArrayList<>();
          for (int i = in.below(8); i > 0; i--) {
            list.add(value(in, depth + 1));
          }
          return list;
        }
      case 10:
        {
          Map<Object, Object> map = new LinkedHashMap<>();
          for (int i = in.below(8); i > 0; i--) {
            map.put(new String(in.chunk(), StandardCharsets.UTF_8), value(in, depth + 1));
          }
          return map;
        }
      default:
        return new MsgpackCodec.Extension((byte) in.below(127), in.chunk());
    }
  }

  @Test
  void seeds() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("a", 1);
    map.put("b", "two");
    map.put("c", "three".getBytes(StandardCharsets.UTF_8));
    map.put("when", Instant.ofEpochSecond(1_700_000_000L, 5));
    map.put("list", List.of(1.5, -7L, new BigInteger("18446744073709551615"), List.of()));
    Map<String, byte[]> generic = new LinkedHashMap<>();
    generic.put("map", CODEC.encode(map));
    generic.put("ext", CODEC.encode(new MsgpackCodec.Extension((byte) 5, new byte[] {1, 2})));
    Map<String, byte[]> typed = new LinkedHashMap<>();
    Sample inner = new Sample("inner", 1, List.of(), new byte[0], Map.of(), null, null);
    byte[] sample =
        CODEC.encode(
            new Sample(
                "s",
                42,
                List.of("x", "y"),
                new byte[] {9},
                Map.of("k", 3),
                Instant.ofEpochSecond(7),
                inner));
    typed.put("record", concat(new byte[] {0}, sample));
    Account a = new Account();
    a.owner = "o";
    a.balance = 2.5;
    a.history = List.of(1L, 2L);
    typed.put("bean", concat(new byte[] {1}, CODEC.encode(a)));
    Map<String, byte[]> generated = new LinkedHashMap<>();
    generated.put(
        "map",
        new FuzzInput.Writer()
            .u8(10)
            .u8(2)
            .chunk("k".getBytes(StandardCharsets.UTF_8))
            .u8(2)
            .u32(7)
            .chunk("l".getBytes(StandardCharsets.UTF_8))
            .u8(9)
            .u8(2)
            .u8(6)
            .chunk("s".getBytes(StandardCharsets.UTF_8))
            .u8(7)
            .chunk(new byte[3])
            .toByteArray());
    FuzzSeeds.check(getClass(), Map.of("generic", generic, "typed", typed, "generated", generated));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
