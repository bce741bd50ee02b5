package io.callosum.lower.tcp.internal.curve;

import io.callosum.lower.tcp.internal.SecurityFailure;
import java.nio.charset.StandardCharsets;

/**
 * ZMTP 3's ERROR command ({@code \x05ERROR}, one length byte, up to 255 bytes of reason): what a
 * server sends just before it closes a connection whose handshake it refused, so the client learns
 * why instead of seeing a bare close.
 *
 * <p>{@link CurveSecurity} makes one only when the server's authenticator refuses a client, as the
 * {@link SecurityFailure#reply()} of that failure (its reason names no key); the transport sends
 * it, then closes. Every other failure closes without one. A client's {@code receive} of it throws
 * {@code AUTHENTICATION} with the reason. The command travels in the clear and unauthenticated,
 * like a TCP reset: a reason, never a proof. Stateless.
 */
public final class ErrorCommand {
  /** The longest reason the command carries; longer ones are cut. */
  public static final int MAX_REASON = 255;

  private ErrorCommand() {}

  /**
   * The ERROR frame with {@code reason}: printable ASCII (other characters become '?'), cut to 255
   * bytes.
   */
  public static byte[] encode(String reason) {
    int n = Math.min(reason.length(), MAX_REASON);
    byte[] frame = Command.frame(Command.ERROR, Command.ERROR.length + 1 + n);
    frame[Command.ERROR.length] = (byte) n;
    for (int i = 0; i < n; i++) {
      char c = reason.charAt(i);
      frame[Command.ERROR.length + 1 + i] = (byte) (c >= 0x20 && c < 0x7f ? c : '?');
    }
    return frame;
  }

  /** Whether {@code frame} is an ERROR command (well formed or not). */
  static boolean is(byte[] frame) {
    return Command.is(frame, Command.ERROR);
  }

  /**
   * The reason in an ERROR frame, with non-printable bytes shown as '?'.
   *
   * @throws SecurityFailure (PROTOCOL) if the frame's length does not match its reason's
   */
  static String reason(byte[] frame) throws SecurityFailure {
    int at = Command.ERROR.length;
    if (frame.length < at + 1 || frame.length != at + 1 + (frame[at] & 0xff)) {
      throw Command.protocol("malformed ERROR: " + frame.length + " bytes");
    }
    byte[] reason = new byte[frame.length - at - 1];
    for (int i = 0; i < reason.length; i++) {
      byte b = frame[at + 1 + i];
      reason[i] = b >= 0x20 && b < 0x7f ? b : (byte) '?';
    }
    return new String(reason, StandardCharsets.US_ASCII);
  }
}
