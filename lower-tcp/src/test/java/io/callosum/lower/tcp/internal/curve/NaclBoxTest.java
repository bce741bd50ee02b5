package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link NaclBox} against NaCl's published test vectors and against jnacl, in both directions. */
class NaclBoxTest {
  private static final HexFormat HEX = HexFormat.of();

  // NaCl tests/box.c, box2.c, core1.c (also in libsodium's tests): Alice and Bob.
  private static final byte[] ALICE_SK =
      HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  private static final byte[] ALICE_PK =
      HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  private static final byte[] BOB_SK =
      HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  private static final byte[] BOB_PK =
      HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  static final byte[] NONCE = HEX.parseHex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  static final byte[] MESSAGE =
      HEX.parseHex(
          "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b"
              + "64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f4"
              + "1db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556a"
              + "d6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52"
              + "f0a089bc76897040e082f937763848645e0705");
  static final byte[] BOX =
      HEX.parseHex(
          "f3ffc7703f9400e52a7dfb4b3d3305d9" // the Poly1305 tag
              + "8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c"
              + "531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928f"
              + "e2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224"
              + "368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5"
              + "f9b37973f622a43d14a6599b1f654cb45a74e355a5");
  // NaCl tests/core1.c: HSalsa20 of the X25519 secret Alice and Bob share, with a zero input: their
  // box key.
  private static final byte[] SHARED =
      HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  static final byte[] FIRST_KEY =
      HEX.parseHex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");

  @Test
  void boxKeyIsHsalsa20OfTheSharedSecretAsInNaclCore1() {
    byte[] key = new byte[32];
    NaclBox.hsalsa20(SHARED, new byte[16], key);
    assertArrayEquals(FIRST_KEY, key);
    byte[] fromAlice = new byte[32];
    byte[] fromBob = new byte[32];
    assertTrue(NaclBox.beforenm(BOB_PK, ALICE_SK, fromAlice));
    assertTrue(NaclBox.beforenm(ALICE_PK, BOB_SK, fromBob));
    assertArrayEquals(FIRST_KEY, fromAlice);
    assertArrayEquals(FIRST_KEY, fromBob);
    assertArrayEquals(FIRST_KEY, Jnacl.beforenm(BOB_PK, ALICE_SK));
  }

  @Test
  void aliceBoxesForBobAsInNaclBox() {
    assertArrayEquals(BOX, seal(FIRST_KEY, NONCE, MESSAGE));
    assertArrayEquals(
        BOX, Jnacl.box(MESSAGE, NONCE, BOB_PK, ALICE_SK), "jnacl agrees with the vector");
  }

  @Test
  void bobOpensAlicesBoxAsInNaclBox2() {
    byte[] key = new byte[32];
    assertTrue(NaclBox.beforenm(ALICE_PK, BOB_SK, key));
    assertArrayEquals(MESSAGE, open(key, NONCE, BOX));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 4096, 65536})
  void oursOpenWithJnaclAndJnaclsOpenWithOurs(int length) {
    for (long seed = 0; seed < 4; seed++) {
      byte[] aliceSecret = bytes(100 * length + seed, 32);
      byte[] bobSecret = bytes(100 * length + seed + 50, 32);
      byte[] alicePublic = Jnacl.publicKey(aliceSecret);
      byte[] bobPublic = Jnacl.publicKey(bobSecret);
      byte[] nonce = bytes(seed + 7, 24);
      byte[] message = bytes(seed + 11 * length, length);

      byte[] key = new byte[32];
      assertTrue(NaclBox.beforenm(bobPublic, aliceSecret, key));
      assertArrayEquals(Jnacl.beforenm(bobPublic, aliceSecret), key, "beforenm");

      byte[] ours = seal(key, nonce, message);
      assertArrayEquals(
          Jnacl.box(message, nonce, bobPublic, aliceSecret), ours, "the same bytes as jnacl's box");
      assertArrayEquals(
          message, Jnacl.open(ours, nonce, alicePublic, bobSecret), "jnacl opens ours");

      byte[] theirs = Jnacl.box(message, nonce, alicePublic, bobSecret);
      byte[] bobKey = new byte[32];
      assertTrue(NaclBox.beforenm(alicePublic, bobSecret, bobKey));
      assertArrayEquals(message, open(key, nonce, theirs), "we open jnacl's");
      assertArrayEquals(
          message, Jnacl.openAfternm(seal(bobKey, nonce, message), nonce, key), "afternm too");
    }
  }

  @Test
  void publicKeysAgreeWithJnacl() {
    for (long seed = 0; seed < 16; seed++) {
      byte[] secret = bytes(seed, 32);
      assertArrayEquals(
          Jnacl.publicKey(secret), Fixtures.keyPairFromSecret(secret).publicKey().bytes());
    }
  }

  @Test
  void aFlippedBitAnywhereKeepsTheBoxShut() {
    byte[] box = BOX;
    for (int i = 0; i < box.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        assertNull(
            open(FIRST_KEY, NONCE, Fixtures.flip(box, i, bit)),
            "flip of byte " + i + " bit " + bit);
      }
    }
    byte[] otherNonce = NONCE.clone();
    otherNonce[23] ^= 1;
    assertNull(open(FIRST_KEY, otherNonce, box), "another nonce");
    assertNotNull(open(FIRST_KEY, NONCE, box));
  }

  @Test
  void aBoxShorterThanItsTagNeverOpens() {
    for (int length = 0; length < NaclBox.TAG_LENGTH; length++) {
      assertFalse(NaclBox.open(FIRST_KEY, NONCE, new byte[length], 0, length, new byte[0], 0));
    }
    assertNull(
        open(FIRST_KEY, NONCE, Arrays.copyOf(BOX, 16)), "a bare tag of nothing is not this box");
  }

  @Test
  void aLowOrderPublicKeyGivesNoBoxKey() {
    byte[] key = bytes(1, 32);
    assertFalse(NaclBox.beforenm(new byte[32], ALICE_SK, key), "the zero point");
    assertArrayEquals(new byte[32], key, "and the key is zeroed");
    byte[] one = new byte[32];
    one[0] = 1;
    assertFalse(NaclBox.beforenm(one, ALICE_SK, new byte[32]), "u = 1, a point of order 4");
  }

  @Test
  void sealWorksInPlace() {
    byte[] buffer = new byte[16 + MESSAGE.length];
    System.arraycopy(MESSAGE, 0, buffer, 16, MESSAGE.length);
    NaclBox.seal(FIRST_KEY, NONCE, buffer, 16, MESSAGE.length, buffer, 0);
    assertArrayEquals(BOX, buffer);
  }

  static byte[] seal(byte[] key, byte[] nonce, byte[] message) {
    byte[] out = new byte[NaclBox.TAG_LENGTH + message.length];
    NaclBox.seal(key, nonce, message, 0, message.length, out, 0);
    return out;
  }

  static byte[] open(byte[] key, byte[] nonce, byte[] box) {
    byte[] out = new byte[Math.max(0, box.length - NaclBox.TAG_LENGTH)];
    return NaclBox.open(key, nonce, box, 0, box.length, out, 0) ? out : null;
  }
}
