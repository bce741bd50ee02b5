package io.callosum.lower.zmq;

import com.neilalexander.jnacl.crypto.curve25519xsalsa20poly1305;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ZeroMQ client for tests, written from the specifications over a plain {@link Socket}: the ZMTP
 * 3.0 greeting and framing (ZeroMQ RFC 23) with the NULL mechanism, or the CurveZMQ handshake HELLO
 * / WELCOME / INITIATE / READY and its MESSAGE commands (RFC 26) with the NaCl {@code crypto_box}
 * that jeromq's own CURVE mechanism uses (jnacl); the layouts and nonces follow jeromq 0.6.0's
 * {@code CurveClientMechanism}. Unlike a ZeroMQ socket, it puts whatever properties a test gives it
 * into its handshake metadata (INITIATE, or READY for NULL), as a hostile client can. It plays a
 * DEALER and answers ZMTP heartbeat PINGs while receiving. One thread at a time.
 */
public final class RawZmtpClient implements AutoCloseable {
  private static final int ZERO = 32; // crypto_box_ZEROBYTES
  private static final int BOXZERO = 16; // crypto_box_BOXZEROBYTES
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final boolean curve;
  private final byte[] serverKey;
  private final byte[] shortSecret;
  private final byte[] shortPublic;
  private byte[] serverShortKey;
  private long nonce = 1;
  private String error;

  private RawZmtpClient(Socket socket, byte[] serverKey) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    this.out = socket.getOutputStream();
    this.curve = serverKey != null;
    this.serverKey = serverKey;
    this.shortPublic = new byte[32];
    this.shortSecret = new byte[32];
    curve25519xsalsa20poly1305.crypto_box_keypair(shortPublic, shortSecret);
  }

  /**
   * Connects to {@code address} ({@code zmq+tcp://host:port}) and runs the CURVE handshake as
   * {@code clientKeys}, adding {@code properties} to the INITIATE metadata after Socket-Type and
   * Identity. Returns once the server answered READY ({@link #accepted()}) or ERROR ({@link
   * #error()}).
   *
   * @throws java.net.ConnectException if nothing listens there
   * @throws IOException if the server closed the connection or did not answer within 5 s
   */
  public static RawZmtpClient curve(
      String address,
      CurvePublicKey serverKey,
      CurveKeyPair clientKeys,
      Map<String, String> properties)
      throws IOException {
    Socket s = connect(address);
    try {
      RawZmtpClient c = new RawZmtpClient(s, serverKey.bytes());
      c.greet("CURVE");
      c.curveHandshake(clientKeys, properties);
      return c;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Connects to {@code address} with the NULL mechanism (a plain socket), sending {@code
   * properties} in its READY metadata after Socket-Type and Identity; returns after the server's
   * READY.
   */
  public static RawZmtpClient plain(String address, Map<String, String> properties)
      throws IOException {
    Socket s = connect(address);
    try {
      RawZmtpClient c = new RawZmtpClient(s, null);
      c.greet("NULL");
      c.writeFrame(
          true, concat(command("READY"), properties(dealerMetadata()), properties(properties)));
      expect(c.readFrame(), "READY", -1);
      return c;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private static Socket connect(String address) throws IOException {
    URI u = URI.create(address.substring("zmq+".length()));
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 5000);
      s.setSoTimeout(5000);
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private static Map<String, String> dealerMetadata() {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("Socket-Type", "DEALER");
    metadata.put("Identity", "");
    return metadata;
  }

  /** Whether the server answered the handshake with READY. */
  public boolean accepted() {
    return error == null;
  }

  /** The reason of the server's ERROR command, or null after READY. */
  public String error() {
    return error;
  }

  private void greet(String mechanismName) throws IOException {
    byte[] greeting = new byte[64];
    greeting[0] = (byte) 0xff; // signature: %xFF 8*%x00 %x7F
    greeting[9] = 0x7f;
    greeting[10] = 3; // ZMTP 3.0
    byte[] mechanism = ascii(mechanismName);
    System.arraycopy(mechanism, 0, greeting, 12, mechanism.length);
    out.write(greeting); // as-server 0 and filler: zeros
    out.flush();
    byte[] theirs = new byte[64];
    in.readFully(theirs);
    if ((theirs[0] & 0xff) != 0xff
        || theirs[9] != 0x7f
        || theirs[10] < 3
        || !Arrays.equals(Arrays.copyOfRange(theirs, 12, 12 + mechanism.length), mechanism)) {
      throw new IOException("not a ZMTP 3 " + mechanismName + " greeting: " + PyWire.hex(theirs));
    }
  }

  private void curveHandshake(CurveKeyPair clientKeys, Map<String, String> properties)
      throws IOException {
    // HELLO: version, anti-amplification padding, C', short nonce, Box[64 zeros](C'->S)
    byte[] helloNonce = nonce("CurveZMQHELLO---", nonce++);
    byte[] signature = box(new byte[64], helloNonce, serverKey, shortSecret);
    writeFrame(
        true,
        concat(
            command("HELLO"),
            new byte[] {1, 0},
            new byte[72],
            shortPublic,
            tail8(helloNonce),
            signature));

    // WELCOME: 16-byte nonce, Box[S' + cookie](S->C')
    byte[] welcome = readFrame();
    if (isCommand(welcome, "ERROR")) {
      error = reason(welcome);
      return;
    }
    expect(welcome, "WELCOME", 168);
    byte[] welcomeNonce = concat(ascii("WELCOME-"), Arrays.copyOfRange(welcome, 8, 24));
    byte[] opened =
        open(Arrays.copyOfRange(welcome, 24, 168), welcomeNonce, serverKey, shortSecret);
    serverShortKey = Arrays.copyOfRange(opened, 0, 32);
    byte[] cookie = Arrays.copyOfRange(opened, 32, 128);

    // INITIATE: cookie, short nonce, Box[C + vouch nonce + vouch + metadata](C'->S'), where
    // vouch = Box[C' + S](C->S')
    byte[] vouchNonce = concat(ascii("VOUCH---"), random(16));
    byte[] vouch =
        box(concat(shortPublic, serverKey), vouchNonce, serverShortKey, clientKeys.secretKey());
    byte[] plain =
        concat(
            clientKeys.publicKey().bytes(),
            Arrays.copyOfRange(vouchNonce, 8, 24),
            vouch,
            properties(dealerMetadata()),
            properties(properties));
    byte[] initiateNonce = nonce("CurveZMQINITIATE", nonce++);
    byte[] initiateBox = box(plain, initiateNonce, serverShortKey, shortSecret);
    writeFrame(true, concat(command("INITIATE"), cookie, tail8(initiateNonce), initiateBox));

    // READY: short nonce, Box[metadata](S'->C'); or ERROR when ZAP refused the key
    byte[] ready = readFrame();
    if (isCommand(ready, "ERROR")) {
      error = reason(ready);
      return;
    }
    expect(ready, "READY", -1);
    open(
        Arrays.copyOfRange(ready, 14, ready.length),
        concat(ascii("CurveZMQREADY---"), Arrays.copyOfRange(ready, 6, 14)),
        serverShortKey,
        shortSecret);
  }

  /** Sends {@code frames} as one multipart message (under CURVE, each frame a MESSAGE command). */
  public void send(byte[]... frames) throws IOException {
    for (int i = 0; i < frames.length; i++) {
      sendMessage(i < frames.length - 1 ? 0x01 : 0x00, frames[i]);
    }
    out.flush();
  }

  /** One frame; {@code flags}: 0x01 more, 0x02 a ZMTP command. */
  private void sendMessage(int flags, byte[] data) throws IOException {
    if (!curve) {
      boolean large = data.length > 255;
      out.write(
          ((flags & 0x01) != 0 ? 0x01 : 0) | ((flags & 0x02) != 0 ? 0x04 : 0) | (large ? 0x02 : 0));
      out.write(
          large
              ? ByteBuffer.allocate(8).putLong(data.length).array()
              : new byte[] {(byte) data.length});
      out.write(data);
      return;
    }
    byte[] n = nonce("CurveZMQMESSAGEC", nonce++);
    byte[] sealed = box(concat(new byte[] {(byte) flags}, data), n, serverShortKey, shortSecret);
    writeFrame(false, concat(command("MESSAGE"), tail8(n), sealed));
  }

  /**
   * The next whole message, or null if none begins within {@code timeoutMillis}; answers the
   * server's heartbeat PINGs meanwhile.
   */
  public List<byte[]> receive(long timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    List<byte[]> frames = new ArrayList<>();
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (frames.isEmpty() && left <= 0) {
        return null;
      }
      socket.setSoTimeout((int) Math.max(1, frames.isEmpty() ? left : 5000));
      int flags;
      byte[] data;
      try {
        flags = in.readUnsignedByte();
      } catch (SocketTimeoutException e) {
        if (frames.isEmpty()) {
          return null;
        }
        throw e;
      }
      byte[] frame = readBody(flags);
      if (curve) {
        expect(frame, "MESSAGE", -1);
        byte[] n = concat(ascii("CurveZMQMESSAGES"), Arrays.copyOfRange(frame, 8, 16));
        byte[] plain =
            open(Arrays.copyOfRange(frame, 16, frame.length), n, serverShortKey, shortSecret);
        flags = plain[0];
        data = Arrays.copyOfRange(plain, 1, plain.length);
      } else {
        data = frame;
        flags = (flags & 0x01) | ((flags & 0x04) != 0 ? 0x02 : 0);
      }
      if ((flags & 0x02)
          != 0) { // a ZMTP command: a heartbeat PING gets its PONG with the same context
        if (isCommand(data, "PING")) {
          sendMessage(0x02, concat(command("PONG"), Arrays.copyOfRange(data, 7, data.length)));
          out.flush();
        }
        continue;
      }
      frames.add(data);
      if ((flags & 0x01) == 0) {
        return frames;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  // ------------------------------------------------------------ ZMTP framing

  private void writeFrame(boolean command, byte[] body) throws IOException {
    boolean large = body.length > 255;
    out.write((command ? 0x04 : 0x00) | (large ? 0x02 : 0x00));
    if (large) {
      out.write(ByteBuffer.allocate(8).putLong(body.length).array());
    } else {
      out.write(body.length);
    }
    out.write(body);
    out.flush();
  }

  private byte[] readFrame() throws IOException {
    return readBody(in.readUnsignedByte());
  }

  /** The body of a frame whose flags byte was read. */
  private byte[] readBody(int flags) throws IOException {
    long size = (flags & 0x02) != 0 ? in.readLong() : in.readUnsignedByte();
    if (size < 0 || size > 1 << 20) {
      throw new IOException("frame of " + size + " bytes");
    }
    byte[] body = new byte[(int) size];
    in.readFully(body);
    return body;
  }

  // ------------------------------------------------------------ commands and properties

  private static byte[] command(String name) {
    return concat(new byte[] {(byte) name.length()}, ascii(name));
  }

  private static boolean isCommand(byte[] body, String name) {
    byte[] c = command(name);
    return body.length >= c.length && Arrays.equals(Arrays.copyOf(body, c.length), c);
  }

  private static void expect(byte[] body, String name, int size) throws IOException {
    if (!isCommand(body, name) || (size >= 0 && body.length != size)) {
      throw new IOException(
          "expected "
              + name
              + ", got "
              + PyWire.hex(Arrays.copyOf(body, Math.min(body.length, 16))));
    }
  }

  private static String reason(byte[] error) {
    int length = error.length > 6 ? error[6] & 0xff : 0;
    return new String(error, 7, Math.min(length, error.length - 7), StandardCharsets.US_ASCII);
  }

  /**
   * ZMTP metadata: per property a 1-byte name length, the name, a 4-byte value length, the value.
   */
  private static byte[] properties(Map<String, String> properties) {
    byte[] all = new byte[0];
    for (Map.Entry<String, String> p : properties.entrySet()) {
      byte[] name = ascii(p.getKey());
      byte[] value = p.getValue().getBytes(StandardCharsets.UTF_8);
      all =
          concat(
              all,
              new byte[] {(byte) name.length},
              name,
              ByteBuffer.allocate(4).putInt(value.length).array(),
              value);
    }
    return all;
  }

  // ------------------------------------------------------------ NaCl box (jnacl, as jeromq)

  /** Box[plain] (the 16-byte MAC and the ciphertext), as in CurveZMQ commands. */
  private static byte[] box(byte[] plain, byte[] nonce, byte[] publicKey, byte[] secretKey) {
    byte[] m = concat(new byte[ZERO], plain);
    byte[] c = new byte[m.length];
    if (curve25519xsalsa20poly1305.crypto_box(c, m, m.length, nonce, publicKey, secretKey) != 0) {
      throw new IllegalStateException("crypto_box failed");
    }
    return Arrays.copyOfRange(c, BOXZERO, c.length);
  }

  private static byte[] open(byte[] sealed, byte[] nonce, byte[] publicKey, byte[] secretKey)
      throws IOException {
    byte[] c = concat(new byte[BOXZERO], sealed);
    byte[] m = new byte[c.length];
    if (curve25519xsalsa20poly1305.crypto_box_open(m, c, c.length, nonce, publicKey, secretKey)
        != 0) {
      throw new IOException("a box from the server does not open");
    }
    return Arrays.copyOfRange(m, ZERO, m.length);
  }

  private static byte[] nonce(String prefix, long counter) {
    return ByteBuffer.allocate(24).put(ascii(prefix)).putLong(counter).array();
  }

  private static byte[] tail8(byte[] nonce) {
    return Arrays.copyOfRange(nonce, 16, 24);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }
}
