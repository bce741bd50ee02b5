package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
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
    long before = allocatedBytes();
    runQuietly(action);
    long used = allocatedBytes() - before;
    assertTrue(used <= limit, "allocated " + used + " bytes, more than " + limit);
  }

  /**
   * HotSpot's count of bytes allocated by this thread. Read reflectively: the tests compile inside
   * the core module, which does not read java.management; they run on the class path.
   */
  private static long allocatedBytes() {
    try {
      Object bean =
          Class.forName("java.lang.management.ManagementFactory")
              .getMethod("getThreadMXBean")
              .invoke(null);
      Method m =
          Class.forName("com.sun.management.ThreadMXBean")
              .getMethod("getCurrentThreadAllocatedBytes");
      return (Long) m.invoke(bean);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("thread allocation counter unavailable", e);
    }
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
