package io.callosum.internal;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Variants of a well-formed frame that a test checks one by one: cut short, or one byte changed.
 */
final class FrameVariants {
  private FrameVariants() {}

  /**
   * Hands {@code check} every truncation of {@code frame} (and the frame with a zero byte more),
   * then the frame with each byte in turn replaced by each of {@code values}.
   */
  static void each(byte[] frame, byte[] values, Consumer<byte[]> check) {
    for (int len = 0; len <= frame.length + 1; len++) {
      check.accept(Arrays.copyOf(frame, len));
    }
    for (int i = 0; i < frame.length; i++) {
      for (byte b : values) {
        byte[] changed = frame.clone();
        changed[i] = b;
        check.accept(changed);
      }
    }
  }
}
