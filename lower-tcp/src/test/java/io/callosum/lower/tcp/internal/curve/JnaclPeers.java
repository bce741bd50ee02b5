package io.callosum.lower.tcp.internal.curve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bouncycastle.util.Pack;

/**
 * A CurveZMQ client and server written from RFC 26 and ZMTP 3 with jnacl only (no {@link NaclBox},
 * no {@link CurveSecurity} code): the independent peers that {@link CurveSecurity} must talk to.
 * Their knobs forge what an attacker could send.
 */
final class JnaclPeers {
  private JnaclPeers() {}

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] nonce(String prefix, byte[] rest) {
    byte[] n = concat(ascii(prefix), rest);
    assertEquals(24, n.length);
    return n;
  }

  static byte[] shortNonce(long n) {
    return Pack.longToBigEndian(n);
  }

  static byte[] name(String name) {
    return concat(new byte[] {(byte) name.length()}, ascii(name));
  }

  static byte[] property(String name, byte[] value) {
    return concat(
        new byte[] {(byte) name.length()}, ascii(name), Pack.intToBigEndian(value.length), value);
  }

  static byte[] slice(byte[] b, int from, int to) {
    return Arrays.copyOfRange(b, from, to);
  }

  /**
   * What both sides hold: long-term and short-term keys, the session key, and the nonces of both
   * directions.
   */
  abstract static class Side {
    final byte[] secret;
    final byte[] publicKey;
    final SplittableRandom random;
    final byte[] shortSecret;
    final byte[] shortPublic;
    private final String sendPrefix;
    private final String receivePrefix;
    byte[] sessionKey;
    long nonce = 1;
    long remoteNonce;

    Side(byte[] secret, long seed, String sendPrefix, String receivePrefix) {
      this.secret = secret;
      this.publicKey = Jnacl.publicKey(secret);
      this.random = new SplittableRandom(seed);
      this.shortSecret = randomBytes(32);
      this.shortPublic = Jnacl.publicKey(shortSecret);
      this.sendPrefix = sendPrefix;
      this.receivePrefix = receivePrefix;
    }

    byte[] randomBytes(int n) {
      byte[] b = new byte[n];
      random.nextBytes(b);
      return b;
    }

    byte[] message(byte[] payload) {
      byte[] n = shortNonce(nonce++);
      byte[] box = Jnacl.boxAfternm(concat(new byte[1], payload), nonce(sendPrefix, n), sessionKey);
      return concat(name("MESSAGE"), n, box);
    }

    byte[] open(byte[] frame) {
      assertArrayEquals(name("MESSAGE"), slice(frame, 0, 8));
      long n = Pack.bigEndianToLong(frame, 8);
      assertEquals(true, Long.compareUnsigned(n, remoteNonce) > 0, "nonces increase");
      remoteNonce = n;
      byte[] plain =
          Jnacl.openAfternm(
              slice(frame, 16, frame.length),
              nonce(receivePrefix, slice(frame, 8, 16)),
              sessionKey);
      assertNotNull(plain, "MESSAGE opens with jnacl");
      assertEquals(0, plain[0], "flags");
      return slice(plain, 1, plain.length);
    }
  }

  /** A client: long-term keys c/C, the expected server key S. */
  static final class Client extends Side {
    final byte[] serverKey;
    byte[] serverShort;
    byte[] cookie;
    byte[] readyMetadata;

    // Forgeries for HELLO and INITIATE.
    byte[] helloSignature = new byte[64];
    byte[] claimedKey;
    byte[] vouchSigner;
    byte[] vouchShort;
    byte[] vouchServer;
    Long initiateNonce;

    Client(byte[] secret, byte[] serverKey, long seed) {
      super(secret, seed, "CurveZMQMESSAGEC", "CurveZMQMESSAGES");
      this.serverKey = serverKey;
    }

    byte[] hello() {
      byte[] n = shortNonce(nonce++);
      byte[] box = Jnacl.box(helloSignature, nonce("CurveZMQHELLO---", n), serverKey, shortSecret);
      return concat(name("HELLO"), new byte[] {1, 0}, new byte[72], shortPublic, n, box);
    }

    void welcome(byte[] frame) {
      assertEquals(168, frame.length);
      assertArrayEquals(name("WELCOME"), slice(frame, 0, 8));
      byte[] plain =
          Jnacl.open(
              slice(frame, 24, 168),
              nonce("WELCOME-", slice(frame, 8, 24)),
              serverKey,
              shortSecret);
      assertNotNull(plain, "WELCOME opens with jnacl");
      serverShort = slice(plain, 0, 32);
      cookie = slice(plain, 32, 128);
      sessionKey = Jnacl.beforenm(serverShort, shortSecret);
    }

    byte[] initiate(byte[] metadata) {
      byte[] vouchNonce = randomBytes(16);
      byte[] vouch =
          Jnacl.box(
              concat(
                  vouchShort != null ? vouchShort : shortPublic,
                  vouchServer != null ? vouchServer : serverKey),
              nonce("VOUCH---", vouchNonce),
              serverShort,
              vouchSigner != null ? vouchSigner : secret);
      byte[] plain =
          concat(claimedKey != null ? claimedKey : publicKey, vouchNonce, vouch, metadata);
      byte[] n = shortNonce(initiateNonce != null ? initiateNonce : nonce++);
      byte[] box = Jnacl.box(plain, nonce("CurveZMQINITIATE", n), serverShort, shortSecret);
      return concat(name("INITIATE"), cookie, n, box);
    }

    void ready(byte[] frame) {
      assertArrayEquals(name("READY"), slice(frame, 0, 6));
      remoteNonce = Pack.bigEndianToLong(frame, 6);
      readyMetadata =
          Jnacl.openAfternm(
              slice(frame, 14, frame.length),
              nonce("CurveZMQREADY---", slice(frame, 6, 14)),
              sessionKey);
      assertNotNull(readyMetadata, "READY opens with jnacl");
    }
  }

  /** A server: long-term keys s/S. */
  static final class Server extends Side {
    byte[] clientShort;
    byte[] clientKey;
    byte[] initiateMetadata;

    Server(byte[] secret, long seed) {
      super(secret, seed, "CurveZMQMESSAGES", "CurveZMQMESSAGEC");
    }

    void hello(byte[] frame) {
      assertEquals(200, frame.length);
      assertArrayEquals(
          concat(name("HELLO"), new byte[] {1, 0}, new byte[72]), slice(frame, 0, 80));
      clientShort = slice(frame, 80, 112);
      remoteNonce = Pack.bigEndianToLong(frame, 112);
      byte[] signature =
          Jnacl.open(
              slice(frame, 120, 200),
              nonce("CurveZMQHELLO---", slice(frame, 112, 120)),
              clientShort,
              secret);
      assertArrayEquals(
          new byte[64], signature, "HELLO's signature box opens with jnacl to 64 zeros");
    }

    byte[] welcome() {
      // The cookie is the server's own business; an opaque 96 bytes to the client.
      byte[] cookie = randomBytes(96);
      byte[] n = randomBytes(16);
      byte[] box =
          Jnacl.box(concat(shortPublic, cookie), nonce("WELCOME-", n), clientShort, secret);
      return concat(name("WELCOME"), n, box);
    }

    void initiate(byte[] frame) {
      assertArrayEquals(name("INITIATE"), slice(frame, 0, 9));
      long n = Pack.bigEndianToLong(frame, 105);
      assertEquals(
          true, Long.compareUnsigned(n, remoteNonce) > 0, "INITIATE's nonce is above HELLO's");
      remoteNonce = n;
      byte[] plain =
          Jnacl.open(
              slice(frame, 113, frame.length),
              nonce("CurveZMQINITIATE", slice(frame, 105, 113)),
              clientShort,
              shortSecret);
      assertNotNull(plain, "INITIATE opens with jnacl");
      clientKey = slice(plain, 0, 32);
      byte[] vouch =
          Jnacl.open(
              slice(plain, 48, 128),
              nonce("VOUCH---", slice(plain, 32, 48)),
              clientKey,
              shortSecret);
      assertArrayEquals(concat(clientShort, publicKey), vouch, "the vouch names C' and S");
      initiateMetadata = slice(plain, 128, plain.length);
      sessionKey = Jnacl.beforenm(clientShort, shortSecret);
    }

    byte[] ready(byte[] metadata) {
      byte[] n = shortNonce(nonce++);
      return concat(
          name("READY"), n, Jnacl.boxAfternm(metadata, nonce("CurveZMQREADY---", n), sessionKey));
    }
  }
}
