package io.callosum.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.neilalexander.jnacl.crypto.curve25519;
import io.callosum.auth.internal.Z85;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.zeromq.ZMQ;

/**
 * Curve25519 key pairs and public keys: derivation against jeromq and known vectors, checks,
 * secrecy.
 */
class CurveKeyPairTest {
  @Test
  void derivesThePublicKeyOfJeromqGeneratedSecrets() {
    for (int i = 0; i < 50; i++) {
      ZMQ.Curve.KeyPair zmq = ZMQ.Curve.generateKeyPair();
      CurveKeyPair ours = CurveKeyPair.fromSecretKeyZ85(zmq.secretKey);
      assertEquals(zmq.publicKey, ours.publicKey().z85());
      assertEquals(zmq.secretKey, Z85.encode(ours.secretKey()));
    }
  }

  @Test
  void jeromqsNaclDerivesThePublicKeyOfOurSecrets() {
    for (int i = 0; i < 50; i++) {
      CurveKeyPair ours = CurveKeyPair.generate();
      byte[] nacl = new byte[32];
      curve25519.crypto_scalarmult_base(nacl, ours.secretKey());
      assertArrayEquals(nacl, ours.publicKey().bytes());
    }
  }

  @Test
  void zmqCurveManualPageKeys() {
    // The example keys of libzmq's zmq_curve(7).
    assertEquals(
        "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
        CurveKeyPair.fromSecretKeyZ85("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
            .publicKey()
            .z85());
    assertEquals(
        "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
        CurveKeyPair.fromSecretKeyZ85("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
            .publicKey()
            .z85());
  }

  @Test
  void rfc7748Vector() {
    HexFormat hex = HexFormat.of();
    CurveKeyPair alice =
        CurveKeyPair.fromSecretKey(
            hex.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    assertEquals(
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        hex.formatHex(alice.publicKey().bytes()));
  }

  @Test
  void generatedPairsDifferAndRoundTripThroughBytesAndZ85() {
    CurveKeyPair a = CurveKeyPair.generate();
    CurveKeyPair b = CurveKeyPair.generate(new SecureRandom());
    assertNotEquals(a.publicKey(), b.publicKey());
    assertEquals(a.publicKey(), CurveKeyPair.fromSecretKey(a.secretKey()).publicKey());
    assertEquals(
        a.publicKey(), CurveKeyPair.fromSecretKeyZ85(Z85.encode(a.secretKey())).publicKey());
    assertEquals(a.publicKey(), CurvePublicKey.of(a.publicKey().bytes()));
    assertEquals(a.publicKey(), CurvePublicKey.fromZ85(a.publicKey().z85()));
    assertEquals(a.publicKey().hashCode(), CurvePublicKey.fromZ85(a.publicKey().z85()).hashCode());
  }

  @Test
  void copiesInAndOut() {
    byte[] secret = new byte[32];
    secret[0] = 7;
    CurveKeyPair pair = CurveKeyPair.fromSecretKey(secret);
    secret[0] = 8;
    assertEquals(7, pair.secretKey()[0]);
    pair.secretKey()[0] = 9;
    assertEquals(7, pair.secretKey()[0]);

    byte[] pub = pair.publicKey().bytes();
    CurvePublicKey key = CurvePublicKey.of(pub);
    pub[0] ^= 1;
    assertEquals(pair.publicKey(), key);
    key.bytes()[0] ^= 1;
    assertEquals(pair.publicKey(), key);
  }

  @Test
  void rejectsWrongLengthsClearly() {
    assertMessage(
        "a Curve25519 secret key is 32 bytes, not 31",
        () -> CurveKeyPair.fromSecretKey(new byte[31]));
    assertMessage(
        "a Curve25519 public key is 32 bytes, not 33", () -> CurvePublicKey.of(new byte[33]));
    assertMessage(
        "a Curve25519 public key in Z85 is 40 characters, not 10",
        () -> CurvePublicKey.fromZ85("HelloWorld"));
    assertMessage(
        "a Curve25519 secret key in Z85 is 40 characters, not 0",
        () -> CurveKeyPair.fromSecretKeyZ85(""));
  }

  @Test
  void aBadSecretKeyIsNeverQuoted() {
    String bad = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh\"";
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CurveKeyPair.fromSecretKeyZ85(bad));
    assertEquals(
        "the secret key is not Z85: the character at index 39 is not in the Z85 alphabet",
        e.getMessage());
    IllegalArgumentException overflow =
        assertThrows(
            IllegalArgumentException.class, () -> CurveKeyPair.fromSecretKeyZ85("#".repeat(40)));
    assertFalse(overflow.getMessage().contains("#####"), overflow.getMessage());
  }

  @Test
  void aBadPublicKeyIsQuoted() {
    String bad = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf~";
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CurvePublicKey.fromZ85(bad));
    assertTrue(
        e.getMessage().startsWith("the public key '" + bad + "' is not Z85: "), e.getMessage());
  }

  @Test
  void toStringShowsThePublicKeyOnly() {
    for (int i = 0; i < 20; i++) {
      CurveKeyPair pair = CurveKeyPair.generate();
      String secret = Z85.encode(pair.secretKey());
      String publicZ85 = pair.publicKey().z85();
      assertEquals(publicZ85, pair.publicKey().toString());
      assertEquals("CurveKeyPair[public=" + publicZ85 + "]", pair.toString());
      for (Object o :
          new Object[] {
            pair,
            CurveCertificate.of(pair),
            ClientAuthenticator.of(pair.publicKey(), pair),
            new AllowListAuthenticator("d", pair)
          }) {
        assertFalse(o.toString().contains(secret), o::toString);
        assertTrue(o.toString().contains(publicZ85), o::toString);
      }
    }
  }

  @Test
  void destroyClearsTheSecretAndKeepsThePublicKey() {
    CurveKeyPair pair = CurveKeyPair.generate();
    CurvePublicKey publicKey = pair.publicKey();
    try (CurveKeyPair closing = pair) {
      assertFalse(closing.isDestroyed());
    }
    assertTrue(pair.isDestroyed());
    IllegalStateException e = assertThrows(IllegalStateException.class, pair::secretKey);
    assertEquals("the secret key of " + publicKey + " was destroyed", e.getMessage());
    assertEquals(publicKey, pair.publicKey());
    assertEquals("CurveKeyPair[public=" + publicKey + ", destroyed]", pair.toString());
    pair.destroy();
    assertTrue(pair.isDestroyed());
  }

  @Test
  void equalityIsByValueForPublicKeysAndByIdentityForPairs() {
    byte[] secret = CurveKeyPair.generate().secretKey();
    CurveKeyPair a = CurveKeyPair.fromSecretKey(secret);
    CurveKeyPair b = CurveKeyPair.fromSecretKey(secret);
    assertEquals(a.publicKey(), b.publicKey());
    assertNotEquals(a, b);
    assertNotEquals(a.publicKey(), CurveKeyPair.generate().publicKey());
    assertNotEquals(a.publicKey(), (Object) a.publicKey().z85());
  }

  private static void assertMessage(String message, Executable call) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
  }
}
