package io.callosum.lower.tcp.internal.curve;

import io.callosum.lower.tcp.internal.SecurityFailure;
import java.nio.charset.StandardCharsets;

/**
 * The commands of CurveZMQ as ZMTP 3 encodes them: their names (one length byte, then the name:
 * {@code \x05HELLO}), their sizes, and the prefixes of their nonces (CURVE.md, *Nonces*).
 * Stateless.
 */
final class Command {
  static final byte[] HELLO = name("HELLO");
  static final byte[] WELCOME = name("WELCOME");
  static final byte[] INITIATE = name("INITIATE");
  static final byte[] READY = name("READY");
  static final byte[] MESSAGE = name("MESSAGE");
  static final byte[] ERROR = name("ERROR");

  static final int HELLO_LENGTH = 200;
  static final int WELCOME_LENGTH = 168;

  /** INITIATE with no metadata: name, cookie, short nonce, box of client key and vouch. */
  static final int INITIATE_MIN = 257;

  /** READY with no metadata: name, short nonce, box. */
  static final int READY_MIN = 30;

  /** MESSAGE of an empty frame: name, short nonce, box of the flags byte. */
  static final int MESSAGE_MIN = 33;

  static final byte[] HELLO_NONCE = ascii("CurveZMQHELLO---");
  static final byte[] WELCOME_NONCE = ascii("WELCOME-");
  static final byte[] COOKIE_NONCE = ascii("COOKIE--");
  static final byte[] INITIATE_NONCE = ascii("CurveZMQINITIATE");
  static final byte[] VOUCH_NONCE = ascii("VOUCH---");
  static final byte[] READY_NONCE = ascii("CurveZMQREADY---");
  static final byte[] CLIENT_MESSAGE_NONCE = ascii("CurveZMQMESSAGEC");
  static final byte[] SERVER_MESSAGE_NONCE = ascii("CurveZMQMESSAGES");

  private Command() {}

  private static byte[] name(String name) {
    byte[] bytes = new byte[1 + name.length()];
    bytes[0] = (byte) name.length();
    System.arraycopy(ascii(name), 0, bytes, 1, name.length());
    return bytes;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The 24-byte nonce of {@code prefix} followed by {@code 24 - prefix.length} bytes of {@code
   * source}.
   */
  static byte[] fullNonce(byte[] prefix, byte[] source, int offset) {
    byte[] nonce = new byte[NaclBox.NONCE_LENGTH];
    System.arraycopy(prefix, 0, nonce, 0, prefix.length);
    System.arraycopy(source, offset, nonce, prefix.length, nonce.length - prefix.length);
    return nonce;
  }

  /** Whether {@code frame} begins with the command name {@code name}. */
  static boolean is(byte[] frame, byte[] name) {
    if (frame.length < name.length) {
      return false;
    }
    for (int i = 0; i < name.length; i++) {
      if (frame[i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  /** A new frame of {@code length} bytes that begins with {@code name}. */
  static byte[] frame(byte[] name, int length) {
    byte[] frame = new byte[length];
    System.arraycopy(name, 0, frame, 0, name.length);
    return frame;
  }

  /**
   * The command name {@code frame} begins with, for messages: printable, or a description of the
   * garbage.
   */
  static String describe(byte[] frame) {
    if (frame.length == 0) {
      return "an empty frame";
    }
    int n = frame[0] & 0xff;
    if (n == 0 || n > frame.length - 1 || n > 32) {
      return "a frame of " + frame.length + " bytes that names no command";
    }
    for (int i = 1; i <= n; i++) {
      if (frame[i] < 0x21 || frame[i] > 0x7e) {
        return "a frame of " + frame.length + " bytes that names no command";
      }
    }
    return new String(frame, 1, n, StandardCharsets.US_ASCII) + " (" + frame.length + " bytes)";
  }

  /**
   * Refuses {@code frame} when it is not the command {@code name} with a length in {@code [min,
   * max]}.
   */
  static void expect(byte[] frame, byte[] name, int min, int max) throws SecurityFailure {
    String expected = new String(name, 1, name.length - 1, StandardCharsets.US_ASCII);
    if (!is(frame, name)) {
      throw protocol("expected " + expected + ", got " + describe(frame));
    }
    if (frame.length < min || frame.length > max) {
      String size = min == max ? min + " bytes" : min + " to " + max + " bytes";
      throw protocol("malformed " + expected + ": " + frame.length + " bytes, not " + size);
    }
  }

  static SecurityFailure protocol(String message) {
    return new SecurityFailure(SecurityFailure.Kind.PROTOCOL, message);
  }

  static SecurityFailure authentication(String message) {
    return new SecurityFailure(SecurityFailure.Kind.AUTHENTICATION, message);
  }
}
