package io.callosum.lower.tcp.internal.curve;

import com.goterl.lazysodium.utils.LibraryLoader;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@link SecretBox} from libsodium's {@code crypto_secretbox_easy} and {@code
 * crypto_secretbox_open_easy}: the system's libsodium when there is one, else the one
 * lazysodium-java bundles, loaded by lazysodium's {@link LibraryLoader} and bound here through
 * JNA's direct mapping. About eight times bouncycastle's speed on 64 KiB boxes and twice on small
 * ones (docs/PERFORMANCE.md, *CurveZMQ boxes: libsodium*).
 *
 * <p>A box is made in place in native memory: the message is copied into a scratch buffer, sealed
 * or opened there (libsodium allows the overlap) and copied out, so a box costs two copies and no
 * allocation. Scratch buffers of {@value #SCRATCH_BYTES} bytes are pooled (at most {@value #POOLED}
 * of them, so the native memory this keeps is bounded); a larger box takes a buffer of its own,
 * which the garbage collector frees.
 */
final class SodiumSecretBox implements SecretBox {
  /** The bytes of a pooled scratch buffer: a 64 KiB stream item with room for its framing. */
  static final int SCRATCH_BYTES = (128 << 10) + 64;

  /** How many scratch buffers the pool keeps. */
  static final int POOLED = 8;

  /** The pooled scratch buffers; null slots are free. Taken and given back without a lock. */
  private final AtomicReferenceArray<Scratch> pool = new AtomicReferenceArray<>(POOLED);

  private SodiumSecretBox() {}

  /**
   * Loads libsodium, binds this class's functions to it and initialises it.
   *
   * @throws LinkageError or a runtime exception of lazysodium's loader if no libsodium loads here
   */
  static SodiumSecretBox load() {
    new LibraryLoader(List.of(Libsodium.class))
        .loadLibrary(LibraryLoader.Mode.PREFER_SYSTEM, "sodium");
    if (Libsodium.sodium_init() < 0) {
      throw new IllegalStateException("sodium_init() failed");
    }
    return new SodiumSecretBox();
  }

  @Override
  public void seal(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] out, int outOff) {
    checkKeyAndNonce(key, nonce);
    int boxLength = length + NaclBox.TAG_LENGTH;
    Scratch scratch = take(boxLength);
    try {
      scratch.buffer.put(NaclBox.TAG_LENGTH, in, inOff, length);
      if (Libsodium.crypto_secretbox_easy(scratch.start, scratch.afterTag, length, nonce, key)
          != 0) {
        throw new IllegalStateException("libsodium's crypto_secretbox_easy failed");
      }
      scratch.buffer.get(0, out, outOff, boxLength);
    } finally {
      give(scratch);
    }
  }

  @Override
  public boolean open(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] head, Reader reader) {
    checkKeyAndNonce(key, nonce);
    if (length - NaclBox.TAG_LENGTH < head.length) {
      return false;
    }
    Scratch scratch = take(length);
    try {
      scratch.buffer.put(0, in, inOff, length);
      // libsodium checks the tag before it decrypts.
      if (Libsodium.crypto_secretbox_open_easy(scratch.afterTag, scratch.start, length, nonce, key)
          != 0) {
        return false;
      }
      scratch.buffer.get(NaclBox.TAG_LENGTH, head, 0, head.length);
      int rest = NaclBox.TAG_LENGTH + head.length;
      reader.read(head, length - rest, scratch.rest(rest, length));
      return true;
    } finally {
      give(scratch);
    }
  }

  @Override
  public String name() {
    return "libsodium";
  }

  /** A pooled scratch buffer, or one of its own for a box larger than pooled ones. */
  private Scratch take(int bytes) {
    if (bytes > SCRATCH_BYTES) {
      return new Scratch(bytes);
    }
    for (int i = 0; i < POOLED; i++) {
      Scratch scratch = pool.get(i);
      if (scratch != null && pool.compareAndSet(i, scratch, null)) {
        return scratch;
      }
    }
    return new Scratch(SCRATCH_BYTES);
  }

  private void give(Scratch scratch) {
    if (scratch.buffer.capacity() != SCRATCH_BYTES) {
      return;
    }
    for (int i = 0; i < POOLED; i++) {
      if (pool.get(i) == null && pool.compareAndSet(i, null, scratch)) {
        return;
      }
    }
    // The pool is full: this one is left to the garbage collector.
  }

  /** The native functions read 32 key bytes and 24 nonce bytes, whatever the arrays hold. */
  private static void checkKeyAndNonce(byte[] key, byte[] nonce) {
    if (key.length != NaclBox.KEY_LENGTH || nonce.length != NaclBox.NONCE_LENGTH) {
      throw new IllegalArgumentException(
          "a secretbox takes a 32-byte key and a 24-byte nonce, not "
              + key.length
              + " and "
              + nonce.length);
    }
  }

  /**
   * A direct buffer and pointers to its start and to the byte after a tag; while a box is opened in
   * it, the {@link SecretBox.Rest} of its message (one taker at a time: the scratch is not pooled
   * meanwhile).
   */
  private static final class Scratch implements SecretBox.Rest {
    final ByteBuffer buffer;
    final Pointer start;
    final Pointer afterTag;
    private int at;
    private int end;

    Scratch(int bytes) {
      buffer = ByteBuffer.allocateDirect(bytes);
      start = Native.getDirectBufferPointer(buffer);
      afterTag = start.share(NaclBox.TAG_LENGTH);
    }

    /** Hands out the bytes from {@code from} to {@code to} in order. */
    SecretBox.Rest rest(int from, int to) {
      at = from;
      end = to;
      return this;
    }

    @Override
    public void next(byte[] into, int off, int length) {
      Objects.checkFromIndexSize(at, length, end);
      buffer.get(at, into, off, length);
      at += length;
    }
  }

  /**
   * The libsodium functions, bound by JNA's direct mapping ({@code Native.register} through
   * lazysodium's loader). Key and nonce arrays are copied by JNA (56 bytes); the boxes are native
   * memory.
   */
  static final class Libsodium {
    private Libsodium() {}

    static native int sodium_init();

    /** {@code c} receives the tag and the ciphertext of the {@code mlen} bytes at {@code m}. */
    static native int crypto_secretbox_easy(Pointer c, Pointer m, long mlen, byte[] n, byte[] k);

    /**
     * {@code m} receives the {@code clen - 16} bytes of the message of the box at {@code c};
     * non-zero if the tag does not match.
     */
    static native int crypto_secretbox_open_easy(
        Pointer m, Pointer c, long clen, byte[] n, byte[] k);
  }
}
