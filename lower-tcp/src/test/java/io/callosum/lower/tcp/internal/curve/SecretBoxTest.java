package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both {@link SecretBox} implementations against NaCl's vector and against each other, at every
 * offset form {@link NaclBox}'s callers use, and the choice between them.
 */
class SecretBoxTest {
  // NaCl's box of tests/box.c under Alice and Bob's box key (tests/secretbox.c).
  private static final byte[] KEY = NaclBoxTest.FIRST_KEY;
  private static final byte[] NONCE = NaclBoxTest.NONCE;
  private static final byte[] MESSAGE = NaclBoxTest.MESSAGE;
  private static final byte[] BOX = NaclBoxTest.BOX;

  private static final SecretBox SODIUM = SodiumSecretBox.load();

  static List<SecretBox> boxes() {
    return List.of(SODIUM, BouncyCastleSecretBox.INSTANCE);
  }

  @ParameterizedTest
  @MethodSource("boxes")
  void sealsAndOpensNaclsVector(SecretBox box) {
    byte[] sealed = new byte[BOX.length];
    box.seal(KEY, NONCE, MESSAGE, 0, MESSAGE.length, sealed, 0);
    assertArrayEquals(BOX, sealed);
    byte[] opened = new byte[MESSAGE.length];
    assertTrue(box.open(KEY, NONCE, BOX, 0, BOX.length, opened, 0));
    assertArrayEquals(MESSAGE, opened);
  }

  @ParameterizedTest
  @MethodSource("boxes")
  void sealsInPlaceAndBetweenOffsets(SecretBox box) {
    // In place, as Session seals a MESSAGE: the message at 16 + offset, the box at offset.
    byte[] frame = new byte[32 + MESSAGE.length];
    System.arraycopy(MESSAGE, 0, frame, 32, MESSAGE.length);
    box.seal(KEY, NONCE, frame, 32, MESSAGE.length, frame, 16);
    assertArrayEquals(BOX, Arrays.copyOfRange(frame, 16, frame.length));
    // Opened from an offset into an offset of a larger array, the bytes around it untouched.
    byte[] out = new byte[MESSAGE.length + 10];
    assertTrue(box.open(KEY, NONCE, frame, 16, BOX.length, out, 5));
    assertArrayEquals(MESSAGE, Arrays.copyOfRange(out, 5, 5 + MESSAGE.length));
    assertArrayEquals(new byte[5], Arrays.copyOfRange(out, 0, 5));
    assertArrayEquals(new byte[5], Arrays.copyOfRange(out, out.length - 5, out.length));
  }

  @ParameterizedTest
  @MethodSource("boxes")
  void opensAMessagesHeadAndRestIntoTwoArrays(SecretBox box) {
    for (int split : new int[] {0, 1, 32, MESSAGE.length}) {
      byte[] head = new byte[split];
      byte[] rest = new byte[MESSAGE.length - split + 3];
      assertTrue(box.open(KEY, NONCE, BOX, 0, BOX.length, head, rest, 3), "split " + split);
      assertArrayEquals(Arrays.copyOfRange(MESSAGE, 0, split), head, "head of " + split);
      assertArrayEquals(
          Arrays.copyOfRange(MESSAGE, split, MESSAGE.length),
          Arrays.copyOfRange(rest, 3, rest.length),
          "rest after " + split);
    }
    byte[] tooLong = new byte[MESSAGE.length + 1];
    assertFalse(
        box.open(KEY, NONCE, BOX, 0, BOX.length, tooLong, new byte[0], 0),
        "a head longer than the message");
    byte[] forged = BOX.clone();
    forged[BOX.length - 1] ^= 1;
    byte[] head = new byte[1];
    assertFalse(box.open(KEY, NONCE, forged, 0, forged.length, head, new byte[MESSAGE.length], 0));
    assertArrayEquals(new byte[1], head, "nothing written from a forged box");
  }

  @ParameterizedTest
  @MethodSource("boxes")
  void aReaderPutsTheRestWhereTheHeadSaysPieceByPiece(SecretBox box) {
    byte[] message = bytes(11, 70_000);
    byte[] sealed = new byte[message.length + NaclBox.TAG_LENGTH];
    box.seal(KEY, NONCE, message, 0, message.length, sealed, 0);
    byte[] head = new byte[10];
    byte[] first = new byte[1000];
    byte[] second = new byte[message.length - 10 - 1000 + 4];
    int[] told = {-1};
    SecretBox.Reader reader =
        (h, rest, text) -> {
          told[0] = rest;
          text.next(first, 0, first.length);
          text.next(second, 4, rest - first.length);
          assertThrows(IndexOutOfBoundsException.class, () -> text.next(new byte[1], 0, 1));
        };
    assertTrue(box.open(KEY, NONCE, sealed, 0, sealed.length, head, reader));
    assertEquals(message.length - 10, told[0]);
    assertArrayEquals(Arrays.copyOfRange(message, 0, 10), head);
    assertArrayEquals(Arrays.copyOfRange(message, 10, 1010), first);
    assertArrayEquals(
        Arrays.copyOfRange(message, 1010, message.length),
        Arrays.copyOfRange(second, 4, second.length));
    sealed[sealed.length - 1] ^= 1;
    SecretBox.Reader never = (h, rest, text) -> fail("a reader called for a forged box");
    assertFalse(box.open(KEY, NONCE, sealed, 0, sealed.length, head, never));
  }

  @Test
  void bothGiveTheSameBytesAtEveryLengthAndOpenEachOther() {
    int[] lengths = {
      0,
      1,
      15,
      16,
      17,
      63,
      64,
      65,
      127,
      128,
      1000,
      4095,
      4096,
      65536,
      65537,
      SodiumSecretBox.SCRATCH_BYTES - 16,
      SodiumSecretBox.SCRATCH_BYTES - 15,
      300_000
    };
    for (int length : lengths) {
      byte[] key = bytes(length, 32);
      byte[] nonce = bytes(length + 1, 24);
      byte[] message = bytes(length + 2, length);
      byte[] fromSodium = new byte[length + 16];
      byte[] fromBc = new byte[length + 16];
      SODIUM.seal(key, nonce, message, 0, length, fromSodium, 0);
      BouncyCastleSecretBox.INSTANCE.seal(key, nonce, message, 0, length, fromBc, 0);
      assertArrayEquals(fromBc, fromSodium, "length " + length);
      byte[] opened = new byte[length];
      assertTrue(SODIUM.open(key, nonce, fromBc, 0, fromBc.length, opened, 0));
      assertArrayEquals(message, opened);
      byte[] openedByBc = new byte[length];
      assertTrue(
          BouncyCastleSecretBox.INSTANCE.open(
              key, nonce, fromSodium, 0, fromSodium.length, openedByBc, 0));
      assertArrayEquals(message, openedByBc);
    }
  }

  @Test
  void threadsSealingAndOpeningAtOnceShareTheScratchBuffersSafely() throws Exception {
    int threads = SodiumSecretBox.POOLED + 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        work.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    int length = (seed * 7919 + i * 104729) % 140_000;
                    byte[] key = bytes(seed * 1000L + i, 32);
                    byte[] nonce = bytes(seed * 1000L + i + 1, 24);
                    byte[] message = bytes(seed * 1000L + i + 2, length);
                    byte[] ours = new byte[length + 16];
                    byte[] reference = new byte[length + 16];
                    SODIUM.seal(key, nonce, message, 0, length, ours, 0);
                    BouncyCastleSecretBox.INSTANCE.seal(
                        key, nonce, message, 0, length, reference, 0);
                    assertArrayEquals(reference, ours);
                    byte[] opened = new byte[length];
                    assertTrue(SODIUM.open(key, nonce, ours, 0, ours.length, opened, 0));
                    assertArrayEquals(message, opened);
                  }
                  return null;
                }));
      }
      for (Future<?> f : work) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @ParameterizedTest
  @MethodSource("boxes")
  void aFlippedBitKeepsTheBoxShutAndWritesNothing(SecretBox box) {
    for (int i = 0; i < BOX.length; i += 7) {
      byte[] damaged = Fixtures.flip(BOX, i, i % 8);
      byte[] out = new byte[MESSAGE.length];
      assertFalse(box.open(KEY, NONCE, damaged, 0, damaged.length, out, 0), "byte " + i);
      assertArrayEquals(new byte[MESSAGE.length], out, "nothing written");
    }
    byte[] otherKey = KEY.clone();
    otherKey[0] ^= 1;
    assertFalse(box.open(otherKey, NONCE, BOX, 0, BOX.length, new byte[MESSAGE.length], 0));
  }

  @Test
  void libsodiumRefusesKeysAndNoncesOfTheWrongLengthInsteadOfReadingPastThem() {
    byte[] out = new byte[16];
    assertThrows(
        IllegalArgumentException.class,
        () -> SODIUM.seal(new byte[31], NONCE, new byte[0], 0, 0, out, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> SODIUM.open(KEY, new byte[23], new byte[16], 0, 16, new byte[0], 0));
  }

  @Test
  void libsodiumIsChosenWhereItLoadsUnlessThePropertySaysNo() {
    assertEquals("libsodium", NaclBox.chooseSecretBox(null).name());
    assertEquals("libsodium", NaclBox.chooseSecretBox("true").name());
    assertSame(BouncyCastleSecretBox.INSTANCE, NaclBox.chooseSecretBox("false"));
    assertEquals("libsodium", NaclBox.secretBoxName(), "this test JVM seals with libsodium");
  }

  @Test
  void theLoadCheckTellsBoxesThatDifferApart() {
    SecretBox broken =
        new SecretBox() {
          @Override
          public void seal(
              byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] out, int outOff) {
            SODIUM.seal(key, nonce, in, inOff, length, out, outOff);
            out[outOff] ^= 1;
          }

          @Override
          public boolean open(
              byte[] key,
              byte[] nonce,
              byte[] in,
              int inOff,
              int length,
              byte[] head,
              SecretBox.Reader reader) {
            return SODIUM.open(key, nonce, in, inOff, length, head, reader);
          }

          @Override
          public String name() {
            return "broken";
          }
        };
    assertTrue(NaclBox.agree(SODIUM, BouncyCastleSecretBox.INSTANCE));
    assertFalse(NaclBox.agree(broken, BouncyCastleSecretBox.INSTANCE));
  }
}
