package io.callosum.testing;

import java.lang.reflect.Method;

/**
 * Bytes allocated by the current thread, from the JVM's own count ({@code
 * com.sun.management.ThreadMXBean}): fuzz targets check that decoding hostile input allocates no
 * more than a bound derived from the input and the limits. Loading a class allocates on the loading
 * thread too (and much more while Jazzer instruments it), once: a measurement during which classes
 * were loaded is not held against the bound. Read reflectively, since the test code is compiled as
 * part of a module that does not read {@code java.management}.
 */
public final class ThreadAllocation {
  /** Something measured, which may throw what it documents. */
  @FunctionalInterface
  public interface Work {
    void run() throws Exception;
  }

  private static final Object THREADS;
  private static final Method ALLOCATED;
  private static final Object CLASSES;
  private static final Method LOADED;

  static {
    try {
      Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
      THREADS = factory.getMethod("getThreadMXBean").invoke(null);
      ALLOCATED =
          Class.forName("com.sun.management.ThreadMXBean")
              .getMethod("getCurrentThreadAllocatedBytes");
      CLASSES = factory.getMethod("getClassLoadingMXBean").invoke(null);
      LOADED =
          Class.forName("java.lang.management.ClassLoadingMXBean")
              .getMethod("getTotalLoadedClassCount");
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    // Reflection generates its accessors after some calls, which allocates: not while measuring.
    for (int i = 0; i < 100; i++) {
      mark();
    }
  }

  private ThreadAllocation() {}

  /**
   * Where a measurement starts: the bytes this thread allocated so far and the classes loaded so
   * far.
   */
  public record Mark(long bytes, long classes) {
    /**
     * Fails if this thread allocated more than {@code bound} bytes since this mark, unless classes
     * were loaded meanwhile (a one-time cost that says nothing about the input).
     */
    public void check(long bound, String what) {
      long used = allocated() - bytes;
      if (used > bound && loaded() == classes) {
        throw new AssertionError(
            what + " allocated " + used + " bytes, more than its bound of " + bound);
      }
    }
  }

  public static Mark mark() {
    return new Mark(allocated(), loaded());
  }

  private static long allocated() {
    try {
      return (Long) ALLOCATED.invoke(THREADS);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long loaded() {
    try {
      return (Long) LOADED.invoke(CLASSES);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs {@code work} twice and checks its second run against {@code bound} (the first loads the
   * classes its path needs): for repeatable work such as a pure decode. Whatever the second run
   * throws is thrown on, after the check, so that an exception does not hide an allocation that was
   * too big.
   */
  public static void atMost(long bound, String what, Work work) throws Exception {
    try {
      work.run();
    } catch (Exception e) {
      // the measured run below throws it again
    }
    measured(bound, what, work);
  }

  /**
   * Runs {@code work} once and checks it against {@code bound}: for stateful work. Throws on what
   * {@code work} throws, after the check.
   */
  public static void measured(long bound, String what, Work work) throws Exception {
    Mark mark = mark();
    Exception thrown = null;
    try {
      work.run();
    } catch (Exception e) {
      thrown = e;
    }
    try {
      mark.check(bound, what);
    } catch (AssertionError e) {
      if (thrown != null) {
        e.addSuppressed(thrown);
      }
      throw e;
    }
    if (thrown != null) {
      throw thrown;
    }
  }
}
