package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.testing.ThreadAllocation;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.function.Executable;

/**
 * Byte helpers for wire tests: hex dumps as in the wire notes, concatenation, allocation bounds.
 */
public final class TestBytes {
  private TestBytes() {}

  /** Bytes from a hex dump such as {@code "85 a4 74 79"}; whitespace is ignored. */
  public static byte[] hex(String dump) {
    return HexFormat.of().parseHex(dump.replaceAll("\\s+", ""));
  }

  /** Space-separated lower-case hex, for readable assertion messages. */
  public static String hex(byte[] bytes) {
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  /** Asserts that {@code bytes} start with the bytes of {@code prefix}, a hex dump. */
  public static void assertStartsWith(String prefix, byte[] bytes) {
    byte[] p = hex(prefix);
    assertEquals(hex(p), hex(Arrays.copyOf(bytes, Math.min(p.length, bytes.length))));
  }

  /** Asserts that {@code bytes} end with the bytes of {@code suffix}, a hex dump. */
  public static void assertEndsWith(String suffix, byte[] bytes) {
    byte[] s = hex(suffix);
    assertEquals(
        hex(s), hex(Arrays.copyOfRange(bytes, Math.max(0, bytes.length - s.length), bytes.length)));
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** {@code count} copies of {@code b}. */
  public static byte[] repeat(int b, int count) {
    byte[] out = new byte[count];
    Arrays.fill(out, (byte) b);
    return out;
  }

  /**
   * Runs {@code action} twice (the first run loads classes) and asserts that the second run
   * allocated at most {@code limit} bytes on this thread; exceptions thrown by it are ignored.
   */
  public static void assertAllocatesAtMost(long limit, Executable action) {
    runQuietly(action);
    ThreadAllocation.Mark mark = ThreadAllocation.mark();
    runQuietly(action);
    mark.check(limit, "the action");
  }

  private static void runQuietly(Executable action) {
    try {
      action.execute();
    } catch (Exception e) {
      // only the allocation is measured here
    } catch (Throwable t) {
      throw new AssertionError("unexpected " + t, t);
    }
  }
}
