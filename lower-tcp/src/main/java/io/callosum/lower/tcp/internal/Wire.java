package io.callosum.lower.tcp.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The TCP lower's wire format (version 2), as specified in {@code lower-tcp/WIRE.md}: a 16-byte
 * preamble each way, then records of a 4-byte big-endian length and that many bytes. A record is a
 * frame: {@code kind} (1 byte) and the kind's fields. Once the security handshake is done, a record
 * carries {@code seal(frame)} instead (identical for NULL security). Stateless; any thread. Public
 * for the gateway, which speaks the same frames.
 */
public final class Wire {
  private static final byte[] MAGIC = {'C', 'L', 'S', 'M'};
  public static final int VERSION = 2;
  public static final int PREAMBLE_SIZE = 16;
  public static final int MECHANISM_SIZE = 10;

  /** Client to server: open channel {@code u32 id}; the rest is the client's capabilities. */
  public static final int OPEN = 0x01;

  /** Server to client: channel {@code u32 id} is open; the rest is the server's capabilities. */
  public static final int OPENED = 0x02;

  /**
   * Either way: channel {@code u32 id} is closed (or its open refused); the rest is a UTF-8 reason.
   */
  public static final int CLOSE = 0x03;

  /** Either way: {@code u32 channel, u32 header length, header, body}: one envelope. */
  public static final int DATA = 0x04;

  /** Either way, on an idle connection: answer with PONG. No fields. */
  public static final int PING = 0x05;

  public static final int PONG = 0x06;

  /** Either way: the sender closes the connection; {@code u8 code} and a UTF-8 reason. */
  public static final int ABORT = 0x07;

  /**
   * Version 2, for gateways: open channel {@code u32 id} towards a target ({@code u16 length, UTF-8
   * target}); the rest is the opener's capabilities. Either side may send it (see {@link
   * #ACCEPTOR_BIT}).
   */
  public static final int OPEN_TO = 0x08;

  /** Peer to gateway: register {@code u32 token} under the UTF-8 name in the rest. */
  public static final int REGISTER = 0x09;

  /**
   * Gateway to peer: registration {@code u32 token}: {@code u8 status} (0 registered, 1 refused),
   * UTF-8 cluster or reason.
   */
  public static final int REGISTERED = 0x0A;

  /** Peer to gateway: registration {@code u32 token} ends. */
  public static final int UNREGISTER = 0x0B;

  /**
   * Gateway to gateway, on a forward channel {@code u32 id}: {@code u32} more bytes may be sent.
   */
  public static final int CREDIT = 0x0C;

  /** During the security handshake: one handshake frame of the mechanism. */
  public static final int HANDSHAKE = 0x10;

  /** ABORT codes. */
  public static final int PROTOCOL = 1;

  public static final int AUTHENTICATION = 2;
  public static final int LIMIT = 3;
  public static final int SHUTDOWN = 4;

  /**
   * The largest record before the security handshake completes (handshake frames, early ABORTs).
   */
  public static final int MAX_HANDSHAKE_RECORD = 64 << 10;

  /** How far a sealed record may exceed the frame limit (the security layer's box overhead). */
  public static final int SEAL_ALLOWANCE = 256;

  /** The longest reason text sent or read. */
  public static final int MAX_REASON = 1024;

  /** Fields before the capabilities or reason in OPEN/OPENED/CLOSE. */
  public static final int CHANNEL_FRAME_HEADER = 5;

  /** Fields before the header bytes in DATA. */
  public static final int DATA_FRAME_HEADER = 9;

  /**
   * Channel ids with this bit set are opened by the accepting side of a connection, the others by
   * the connecting side.
   */
  public static final int ACCEPTOR_BIT = 0x8000_0000;

  /**
   * Whether {@code number} may name a new channel: 1..2^31-1 in either id space (never 0 or the
   * bare {@link #ACCEPTOR_BIT}).
   */
  public static boolean openable(int number) {
    return (number & ~ACCEPTOR_BIT) != 0;
  }

  /** The longest peer name, and the longest OPEN_TO target, in UTF-8 bytes. */
  public static final int MAX_NAME = 255;

  /** Bytes a forward channel's sender may send before its first CREDIT (each side, per channel). */
  public static final int FORWARD_WINDOW = 256 << 10;

  private Wire() {}

  /** The fields of an OPEN_TO frame. */
  public record OpenTo(String target, String origin, int capabilitiesAt) {}

  /**
   * OPEN_TO: {@code channel, u16 target length, target, u16 origin length, origin, capabilities}.
   * The origin is the caller's cluster, set only by a gateway opening towards a registered peer.
   */
  public static byte[] openTo(int channel, String target, String origin, byte[] capabilities) {
    byte[] t = target.getBytes(StandardCharsets.UTF_8);
    byte[] o = origin.getBytes(StandardCharsets.UTF_8);
    byte[] f = new byte[CHANNEL_FRAME_HEADER + 4 + t.length + o.length + capabilities.length];
    f[0] = (byte) OPEN_TO;
    putInt(f, 1, channel);
    int at = putText(f, CHANNEL_FRAME_HEADER, t);
    at = putText(f, at, o);
    System.arraycopy(capabilities, 0, f, at, capabilities.length);
    return f;
  }

  private static int putText(byte[] f, int at, byte[] text) {
    f[at] = (byte) (text.length >>> 8);
    f[at + 1] = (byte) text.length;
    System.arraycopy(text, 0, f, at + 2, text.length);
    return at + 2 + text.length;
  }

  /**
   * The fields of an OPEN_TO frame, or null if it is malformed: a length past the end, an empty or
   * too long target (over {@link #MAX_NAME} bytes), an origin over {@link #MAX_NAME} bytes, text
   * that is not UTF-8 or holds control characters.
   */
  public static OpenTo parseOpenTo(byte[] f) {
    int at = CHANNEL_FRAME_HEADER;
    if (f.length < at + 2) {
      return null;
    }
    int tn = ((f[at] & 0xff) << 8) | (f[at + 1] & 0xff);
    if (tn == 0 || tn > MAX_NAME || at + 2 + tn + 2 > f.length) {
      return null;
    }
    String target = text(f, at + 2, tn);
    at += 2 + tn;
    int on = ((f[at] & 0xff) << 8) | (f[at + 1] & 0xff);
    if (on > MAX_NAME || at + 2 + on > f.length) {
      return null;
    }
    String origin = text(f, at + 2, on);
    if (target == null || origin == null) {
      return null;
    }
    return new OpenTo(target, origin, at + 2 + on);
  }

  /** Strictly decoded UTF-8 without control characters, or null. */
  public static String text(byte[] b, int from, int length) {
    try {
      String s =
          StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b, from, length)).toString();
      for (int i = 0; i < s.length(); i++) {
        if (Character.isISOControl(s.charAt(i))) {
          return null;
        }
      }
      return s;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** A peer name: 1..64 of {@code A-Z a-z 0-9 . _ -}. */
  public static boolean validName(String s) {
    return s != null
        && !s.isEmpty()
        && s.length() <= 64
        && s.chars()
            .allMatch(
                c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'));
  }

  public static byte[] registered(int token, boolean ok, String text) {
    byte[] t = utf8(text);
    byte[] f = new byte[CHANNEL_FRAME_HEADER + 1 + t.length];
    f[0] = (byte) REGISTERED;
    putInt(f, 1, token);
    f[5] = (byte) (ok ? 0 : 1);
    System.arraycopy(t, 0, f, 6, t.length);
    return f;
  }

  public static byte[] credit(int channel, int bytes) {
    byte[] f = new byte[CHANNEL_FRAME_HEADER + 4];
    f[0] = (byte) CREDIT;
    putInt(f, 1, channel);
    putInt(f, 5, bytes);
    return f;
  }

  public static byte[] preamble(String mechanism) {
    byte[] p = new byte[PREAMBLE_SIZE];
    System.arraycopy(MAGIC, 0, p, 0, 4);
    p[4] = (byte) VERSION;
    byte[] m = mechanism.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(m, 0, p, 6, Math.min(m.length, MECHANISM_SIZE));
    return p;
  }

  /** What is wrong with a remote's preamble, or null if it is acceptable for {@code mechanism}. */
  public static String checkPreamble(byte[] p, String mechanism) {
    if (!Arrays.equals(p, 0, 4, MAGIC, 0, 4)) {
      return "not a Callosum TCP preamble (bytes " + hex(p, 0, 4) + ")";
    }
    int version = p[4] & 0xff;
    if (version != VERSION) {
      return "unsupported protocol version " + version + " (this peer speaks " + VERSION + ")";
    }
    String theirs = mechanism(p);
    if (!theirs.equals(mechanism)) {
      return "security mechanism mismatch: this side uses "
          + mechanism
          + ", the remote offers "
          + theirs;
    }
    return null;
  }

  public static String mechanism(byte[] p) {
    int end = 6;
    while (end < PREAMBLE_SIZE && p[end] != 0) {
      end++;
    }
    return printable(Arrays.copyOfRange(p, 6, end));
  }

  public static byte[] channelFrame(int kind, int channel, byte[] rest) {
    byte[] f = new byte[CHANNEL_FRAME_HEADER + rest.length];
    f[0] = (byte) kind;
    putInt(f, 1, channel);
    System.arraycopy(rest, 0, f, CHANNEL_FRAME_HEADER, rest.length);
    return f;
  }

  public static byte[] close(int channel, String reason) {
    return channelFrame(CLOSE, channel, utf8(reason));
  }

  public static byte[] abort(int code, String reason) {
    byte[] r = utf8(reason);
    byte[] f = new byte[2 + r.length];
    f[0] = (byte) ABORT;
    f[1] = (byte) code;
    System.arraycopy(r, 0, f, 2, r.length);
    return f;
  }

  public static byte[] handshake(byte[] securityFrame) {
    byte[] f = new byte[1 + securityFrame.length];
    f[0] = (byte) HANDSHAKE;
    System.arraycopy(securityFrame, 0, f, 1, securityFrame.length);
    return f;
  }

  /** A whole DATA frame: channel {@code channel}'s envelope ({@code header}, {@code body}). */
  public static byte[] dataFrame(int channel, byte[] header, byte[] body) {
    return dataFrame(channel, header, NO_BYTES, body);
  }

  /**
   * A whole DATA frame whose body comes in two pieces, {@code bodyHead} then {@code body} ({@code
   * Envelope.ofPieces}).
   */
  public static byte[] dataFrame(int channel, byte[] header, byte[] bodyHead, byte[] body) {
    byte[] f = new byte[DATA_FRAME_HEADER + header.length + bodyHead.length + body.length];
    putDataPrefix(f, 0, channel, header.length);
    int at = DATA_FRAME_HEADER;
    System.arraycopy(header, 0, f, at, header.length);
    at += header.length;
    System.arraycopy(bodyHead, 0, f, at, bodyHead.length);
    System.arraycopy(body, 0, f, at + bodyHead.length, body.length);
    return f;
  }

  private static final byte[] NO_BYTES = new byte[0];

  /**
   * Whether frames of {@code kind} name a channel (or registration token) in their first field:
   * every kind but DATA, PING, PONG, ABORT and HANDSHAKE.
   */
  public static boolean channelKind(int kind) {
    return kind >= OPEN
        && kind <= CREDIT
        && kind != DATA
        && kind != PING
        && kind != PONG
        && kind != ABORT;
  }

  /** Writes the DATA fields that precede the header bytes into {@code f} at {@code at}. */
  public static void putDataPrefix(byte[] f, int at, int channel, int headerLength) {
    f[at] = (byte) DATA;
    putInt(f, at + 1, channel);
    putInt(f, at + 5, headerLength);
  }

  /**
   * A reason text from the remote: bounded, and with control characters replaced, for logs. Empty
   * when the frame ends before {@code from} (an ABORT of its kind byte alone, a bare REGISTERED).
   */
  public static String reason(byte[] f, int from) {
    int start = Math.min(from, f.length);
    int to = Math.min(f.length, start + MAX_REASON);
    return printable(
        new String(f, start, to - start, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
  }

  public static String codeName(int code) {
    return switch (code) {
      case PROTOCOL -> "protocol error";
      case AUTHENTICATION -> "authentication failed";
      case LIMIT -> "limit exceeded";
      case SHUTDOWN -> "shutting down";
      default -> "code " + code;
    };
  }

  public static int getInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }

  public static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  public static byte[] utf8(String s) {
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

  public static String hex(byte[] b, int from, int to) {
    StringBuilder s = new StringBuilder();
    for (int i = from; i < Math.min(to, b.length); i++) {
      s.append(String.format("%02x", b[i] & 0xff));
    }
    return s.toString();
  }
}
