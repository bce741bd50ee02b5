package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Command.protocol;

import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.SecurityFailure;
import io.callosum.lower.tcp.internal.Wire;
import java.util.Arrays;
import org.bouncycastle.util.Pack;

/**
 * The session of one CurveZMQ connection: the box key of C' and S', with which INITIATE, READY and
 * every MESSAGE are sealed, and the short nonces of both directions; and the MESSAGE command itself
 * ({@link #seal}, {@link #open}). The handshake ({@link ClientHandshake}, {@link ServerHandshake})
 * computes the key into {@link #key()} and draws and accepts its commands' nonces here.
 *
 * <p>Threads: the handshake's thread until the connection is established; then {@link #seal} and
 * {@link #open} use separate nonce counters, so one sealing thread and one opening thread may work
 * at once. {@link CurveSecurity} checks the state before either.
 */
final class Session {
  /**
   * Where a MESSAGE command's plaintext frame starts: after its name, nonce, tag and flags byte.
   */
  private static final int PLAINTEXT = 33;

  /** The box key of C' and S'. */
  private final byte[] key = new byte[NaclBox.KEY_LENGTH];

  /** The full nonces of MESSAGE in each direction; their last 8 bytes are set per command. */
  private final byte[] sealNonce;

  private final byte[] openNonce;

  /** The flags byte of the MESSAGE being opened (opening thread only). */
  private final byte[] openFlags = new byte[1];

  /**
   * The flags byte and a frame's first {@link Wire#DATA_FRAME_HEADER} bytes of the MESSAGE being
   * opened in parts (opening thread only).
   */
  private final byte[] openHead = new byte[1 + Wire.DATA_FRAME_HEADER];

  /** Where a MESSAGE opened in parts goes (opening thread only). */
  private final OpenParts openParts = new OpenParts();

  /** The next short nonce this side sends; zero once the counter has wrapped. */
  private long nextNonce = 1;

  /** The last short nonce accepted from the remote. */
  private long remoteNonce;

  /** The session of a server ({@code server}) or of a client: which MESSAGE prefix is whose. */
  Session(boolean server) {
    byte[] client = Command.CLIENT_MESSAGE_NONCE;
    byte[] fromServer = Command.SERVER_MESSAGE_NONCE;
    this.sealNonce = Command.fullNonce(server ? fromServer : client, new byte[8], 0);
    this.openNonce = Command.fullNonce(server ? client : fromServer, new byte[8], 0);
  }

  /**
   * The box key itself (not a copy): the handshake computes it in place, seals and opens its own
   * commands with it.
   */
  byte[] key() {
    return key;
  }

  /** The short nonce of the next command this side sends. */
  long takeNonce() {
    long nonce = nextNonce;
    if (nonce == 0) {
      throw new IllegalStateException("2^64 - 1 frames sent: the nonces are used up");
    }
    nextNonce = nonce + 1;
    return nonce;
  }

  /** The last short nonce accepted from the remote (0 before any). */
  long remoteNonce() {
    return remoteNonce;
  }

  /** A command of the remote with short nonce {@code nonce} was accepted. */
  void accepted(long nonce) {
    remoteNonce = nonce;
  }

  /**
   * A MESSAGE command carrying {@code plaintext}: {@code \x07MESSAGE}, the 8-byte short nonce, and
   * the box of a zero flags byte and the plaintext under the session key.
   */
  byte[] seal(byte[] plaintext) {
    byte[] frame = message(plaintext.length);
    System.arraycopy(plaintext, 0, frame, PLAINTEXT, plaintext.length);
    return sealed(frame, plaintext.length);
  }

  /**
   * The MESSAGE command of {@link #seal} for the DATA frame of {@code channel} with {@code header}
   * and {@code body} ({@code Wire.dataFrame}), built in place: the same bytes, without the frame as
   * an array of its own.
   */
  byte[] sealData(int channel, byte[] header, byte[] body) {
    return sealData(channel, header, NO_BYTES, body);
  }

  /**
   * {@link #sealData(int, byte[], byte[])} for a body of {@code bodyHead} then {@code body}, both
   * copied straight into the MESSAGE (the body is never joined).
   */
  byte[] sealData(int channel, byte[] header, byte[] bodyHead, byte[] body) {
    int length = Wire.DATA_FRAME_HEADER + header.length + bodyHead.length + body.length;
    byte[] frame = message(length);
    Wire.putDataPrefix(frame, PLAINTEXT, channel, header.length);
    int at = PLAINTEXT + Wire.DATA_FRAME_HEADER;
    System.arraycopy(header, 0, frame, at, header.length);
    at += header.length;
    System.arraycopy(bodyHead, 0, frame, at, bodyHead.length);
    System.arraycopy(body, 0, frame, at + bodyHead.length, body.length);
    return sealed(frame, length);
  }

  private static final byte[] NO_BYTES = new byte[0];

  /** A MESSAGE command with room for a plaintext frame of {@code length} bytes. */
  private static byte[] message(int length) {
    return Command.frame(Command.MESSAGE, Command.MESSAGE_MIN + length);
  }

  /**
   * Seals {@code frame} (a {@link #message} whose plaintext of {@code length} bytes is in place)
   * under the next short nonce.
   */
  private byte[] sealed(byte[] frame, int length) {
    long nonce = takeNonce();
    Pack.longToBigEndian(nonce, frame, 8);
    Pack.longToBigEndian(nonce, sealNonce, 16);
    // frame[32] is the flags byte: 0, as this transport has neither ZMTP's MORE nor COMMAND frames.
    NaclBox.seal(key, sealNonce, frame, PLAINTEXT - 1, 1 + length, frame, 16);
    return frame;
  }

  /**
   * The plaintext of a MESSAGE command.
   *
   * @throws SecurityFailure (PROTOCOL) if the frame is not a MESSAGE, its nonce is not above the
   *     last accepted one (replayed or reordered), its box does not open (forged or damaged) or its
   *     flags are not zero
   */
  byte[] open(byte[] frame) throws SecurityFailure {
    return open(frame, null);
  }

  /**
   * The plaintext of a MESSAGE command as {@link #open(byte[])} gives it, except a DATA frame that
   * {@code into} (if not null) gives arrays for: its header and body are opened straight into them,
   * and null is returned — no plaintext array, no copy out of it.
   *
   * @throws SecurityFailure as {@link #open(byte[])}
   */
  byte[] open(byte[] frame, ConnectionSecurity.DataTarget into) throws SecurityFailure {
    Command.expect(frame, Command.MESSAGE, Command.MESSAGE_MIN, Integer.MAX_VALUE);
    long nonce = Pack.bigEndianToLong(frame, 8);
    if (Long.compareUnsigned(nonce, remoteNonce) <= 0) {
      throw protocol(
          "replayed or reordered MESSAGE: nonce "
              + Long.toUnsignedString(nonce)
              + " is not above the last accepted "
              + Long.toUnsignedString(remoteNonce));
    }
    Pack.longToBigEndian(nonce, openNonce, 16);
    int textLength = frame.length - PLAINTEXT;
    byte[] whole;
    boolean opened;
    byte flags;
    if (into != null && textLength >= Wire.DATA_FRAME_HEADER) {
      // The flags byte and a DATA frame's prefix first; the rest where the prefix says.
      openParts.into = into;
      opened = NaclBox.open(key, openNonce, frame, 16, frame.length - 16, openHead, openParts);
      whole = openParts.take();
      flags = openHead[0];
    } else {
      whole = new byte[textLength];
      opened = NaclBox.open(key, openNonce, frame, 16, frame.length - 16, openFlags, whole, 0);
      flags = openFlags[0];
    }
    if (!opened) {
      throw protocol(
          "a MESSAGE (nonce "
              + Long.toUnsignedString(nonce)
              + ") does not open: forged or damaged");
    }
    if (flags != 0) {
      throw protocol(
          "MESSAGE flags 0x"
              + Integer.toHexString(flags & 0xff)
              + " are not used on this transport");
    }
    remoteNonce = nonce;
    return whole;
  }

  /**
   * Where the rest of a MESSAGE opened in parts goes, once its {@code head} (the flags byte and a
   * frame's first {@link Wire#DATA_FRAME_HEADER} bytes) is read: a DATA frame's header and body
   * into the arrays {@link #into} gives, anything else into the whole frame. One per session,
   * reused (opening thread only).
   */
  private static final class OpenParts implements SecretBox.Reader {
    ConnectionSecurity.DataTarget into;

    /** The whole frame, when it was not opened into {@link #into}'s arrays. */
    private byte[] whole;

    @Override
    public void read(byte[] head, int rest, SecretBox.Rest text) {
      if ((head[1] & 0xff) == Wire.DATA) {
        int headerLength = Wire.getInt(head, 1 + 5);
        byte[][] parts =
            headerLength >= 0 && headerLength <= rest
                ? into.into(Wire.getInt(head, 1 + 1), headerLength, rest - headerLength)
                : null;
        if (parts != null) {
          text.next(parts[0], 0, headerLength);
          text.next(parts[1], 0, rest - headerLength);
          return;
        }
      }
      whole = new byte[Wire.DATA_FRAME_HEADER + rest];
      System.arraycopy(head, 1, whole, 0, Wire.DATA_FRAME_HEADER);
      text.next(whole, Wire.DATA_FRAME_HEADER, rest);
    }

    /** The whole frame read (null: none, it went into the target's arrays); forgets both. */
    byte[] take() {
      byte[] w = whole;
      whole = null;
      into = null;
      return w;
    }
  }

  /** Overwrites the box key. */
  void wipe() {
    Arrays.fill(key, (byte) 0);
  }
}
