package io.callosum.lower.tcp.internal.curve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.tcp.internal.SecurityFailure;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The ERROR command of ZMTP 3 as a server's refusal. */
class ErrorCommandTest {
  @Test
  void encodesAsZmtpError() throws SecurityFailure {
    byte[] frame = ErrorCommand.encode("400");
    assertArrayEquals("\u0005ERROR\u0003400".getBytes(StandardCharsets.US_ASCII), frame);
    assertTrue(ErrorCommand.is(frame));
    assertEquals("400", ErrorCommand.reason(frame));
    assertEquals("", ErrorCommand.reason(ErrorCommand.encode("")));
  }

  @Test
  void longAndNonAsciiReasonsAreCutAndMasked() throws SecurityFailure {
    assertEquals(255, ErrorCommand.reason(ErrorCommand.encode("x".repeat(1000))).length());
    assertEquals("caf? ?", ErrorCommand.reason(ErrorCommand.encode("caf\u00e9 \n")));
    byte[] raw = ErrorCommand.encode("ab");
    raw[7] = 0x07;
    assertEquals("?b", ErrorCommand.reason(raw), "a received control byte is masked too");
  }

  @Test
  void aLengthThatDisagreesWithTheFrameIsRefused() {
    byte[] frame = ErrorCommand.encode("abc");
    assertThrows(
        SecurityFailure.class, () -> ErrorCommand.reason(Arrays.copyOf(frame, frame.length - 1)));
    assertThrows(
        SecurityFailure.class, () -> ErrorCommand.reason(Arrays.copyOf(frame, frame.length + 1)));
    assertThrows(SecurityFailure.class, () -> ErrorCommand.reason(Arrays.copyOf(frame, 6)));
    assertFalse(ErrorCommand.is(new byte[] {5, 'E', 'R'}));
  }
}
