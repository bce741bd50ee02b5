package io.callosum.lower.tcp.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The TCP lower's wire format (version 1), as specified in {@code lower-tcp/WIRE.md}: a 16-byte
 * preamble each way, then records of a 4-byte big-endian length and that many bytes. A record is a
 * frame: {@code kind} (1 byte) and the kind's fields. Once the security handshake is done, a record
 * carries {@code seal(frame)} instead (identical for NULL security).
 */
final class Wire {
  static final byte[] MAGIC = {'C', 'L', 'S', 'M'};
  static final int VERSION = 1;
  static final int PREAMBLE_SIZE = 16;
  static final int MECHANISM_SIZE = 10;

  /** Client to server: open channel {@code u32 id}; the rest is the client's capabilities. */
  static final int OPEN = 0x01;
  /** Server to client: channel {@code u32 id} is open; the rest is the server's capabilities. */
  static final int OPENED = 0x02;
  /** Either way: channel {@code u32 id} is closed (or its open refused); the rest is a UTF-8 reason. */
  static final int CLOSE = 0x03;
  /** Either way: {@code u32 channel, u32 header length, header, body}: one envelope. */
  static final int DATA = 0x04;
  /** Either way, on an idle connection: answer with PONG. No fields. */
  static final int PING = 0x05;
  static final int PONG = 0x06;
  /** Either way: the sender closes the connection; {@code u8 code} and a UTF-8 reason. */
  static final int ABORT = 0x07;
  /** During the security handshake: one handshake frame of the mechanism. */
  static final int HANDSHAKE = 0x10;

  /** ABORT codes. */
  static final int PROTOCOL = 1;
  static final int AUTHENTICATION = 2;
  static final int LIMIT = 3;
  static final int SHUTDOWN = 4;

  /** The largest record before the security handshake completes (handshake frames, early ABORTs). */
  static final int MAX_HANDSHAKE_RECORD = 64 << 10;
  /** How far a sealed record may exceed the frame limit (the security layer's box overhead). */
  static final int SEAL_ALLOWANCE = 256;
  /** The longest reason text sent or read. */
  static final int MAX_REASON = 1024;
  /** Fields before the capabilities or reason in OPEN/OPENED/CLOSE. */
  static final int CHANNEL_FRAME_HEADER = 5;
  /** Fields before the header bytes in DATA. */
  static final int DATA_FRAME_HEADER = 9;

  private Wire() {}

  static byte[] preamble(String mechanism) {
    byte[] p = new byte[PREAMBLE_SIZE];
    System.arraycopy(MAGIC, 0, p, 0, 4);
    p[4] = (byte) VERSION;
    byte[] m = mechanism.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(m, 0, p, 6, Math.min(m.length, MECHANISM_SIZE));
    return p;
  }

  /** What is wrong with a remote's preamble, or null if it is acceptable for {@code mechanism}. */
  static String checkPreamble(byte[] p, String mechanism) {
    if (!Arrays.equals(p, 0, 4, MAGIC, 0, 4)) {
      return "not a Callosum TCP preamble (bytes " + hex(p, 0, 4) + ")";
    }
    int version = p[4] & 0xff;
    if (version != VERSION) {
      return "unsupported protocol version " + version + " (this peer speaks " + VERSION + ")";
    }
    String theirs = mechanism(p);
    if (!theirs.equals(mechanism)) {
      return "security mechanism mismatch: this side uses " + mechanism + ", the remote offers " + theirs;
    }
    return null;
  }

  static String mechanism(byte[] p) {
    int end = 6;
    while (end < PREAMBLE_SIZE && p[end] != 0) {
      end++;
    }
    return printable(Arrays.copyOfRange(p, 6, end));
  }

  static byte[] channelFrame(int kind, int channel, byte[] rest) {
    byte[] f = new byte[CHANNEL_FRAME_HEADER + rest.length];
    f[0] = (byte) kind;
    putInt(f, 1, channel);
    System.arraycopy(rest, 0, f, CHANNEL_FRAME_HEADER, rest.length);
    return f;
  }

  static byte[] close(int channel, String reason) {
    return channelFrame(CLOSE, channel, utf8(reason));
  }

  static byte[] abort(int code, String reason) {
    byte[] r = utf8(reason);
    byte[] f = new byte[2 + r.length];
    f[0] = (byte) ABORT;
    f[1] = (byte) code;
    System.arraycopy(r, 0, f, 2, r.length);
    return f;
  }

  static byte[] handshake(byte[] securityFrame) {
    byte[] f = new byte[1 + securityFrame.length];
    f[0] = (byte) HANDSHAKE;
    System.arraycopy(securityFrame, 0, f, 1, securityFrame.length);
    return f;
  }

  /** The DATA fields that precede the header bytes. */
  static byte[] dataPrefix(int channel, int headerLength) {
    byte[] f = new byte[DATA_FRAME_HEADER];
    f[0] = (byte) DATA;
    putInt(f, 1, channel);
    putInt(f, 5, headerLength);
    return f;
  }

  /** A reason text from the remote: bounded, and with control characters replaced, for logs. */
  static String reason(byte[] f, int from) {
    int to = Math.min(f.length, from + MAX_REASON);
    return printable(new String(f, from, Math.max(0, to - from), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
  }

  static String codeName(int code) {
    switch (code) {
      case PROTOCOL:
        return "protocol error";
      case AUTHENTICATION:
        return "authentication failed";
      case LIMIT:
        return "limit exceeded";
      case SHUTDOWN:
        return "shutting down";
      default:
        return "code " + code;
    }
  }

  static int getInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= MAX_REASON ? b : Arrays.copyOf(b, MAX_REASON);
  }

  private static String printable(byte[] b) {
    String s = new String(b, StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return out.toString();
  }

  static String hex(byte[] b, int from, int to) {
    StringBuilder s = new StringBuilder();
    for (int i = from; i < Math.min(to, b.length); i++) {
      s.append(String.format("%02x", b[i] & 0xff));
    }
    return s.toString();
  }
}
