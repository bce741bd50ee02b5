package io.callosum.testing;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The bytes of one fuzz input read as a sequence of simple values, so that a target can take
 * structured inputs and its seeds can be written from real messages ({@link Writer}). Reading past
 * the end gives zeros and empty arrays, never an exception: every byte string is a valid input.
 * Big-endian, like the wire formats it feeds.
 */
public final class FuzzInput {
  private final byte[] data;
  private int at;

  public FuzzInput(byte[] data) {
    this.data = data;
  }

  /** Whether unread bytes remain. */
  public boolean more() {
    return at < data.length;
  }

  public int remaining() {
    return data.length - at;
  }

  public int u8() {
    return at < data.length ? data[at++] & 0xff : 0;
  }

  public boolean bool() {
    return (u8() & 1) != 0;
  }

  public int u16() {
    return u8() << 8 | u8();
  }

  public int u32() {
    return u16() << 16 | u16();
  }

  public long u64() {
    return (long) u32() << 32 | (u32() & 0xffffffffL);
  }

  /** A value in {@code 0..n-1} (one byte, or two when {@code n} is above 256). */
  public int below(int n) {
    return (n <= 256 ? u8() : u16()) % n;
  }

  /** Up to {@code n} bytes (fewer at the end of the input). */
  public byte[] bytes(int n) {
    int k = Math.max(0, Math.min(n, data.length - at));
    byte[] b = Arrays.copyOfRange(data, at, at + k);
    at += k;
    return b;
  }

  /**
   * A byte string written by {@link Writer#chunk}: a two-byte length, then up to that many bytes.
   */
  public byte[] chunk() {
    return bytes(u16());
  }

  /** Every unread byte. */
  public byte[] rest() {
    return bytes(remaining());
  }

  /**
   * Writes inputs that a {@link FuzzInput} reads back value by value: for seeds made from real
   * messages.
   */
  public static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Writer u8(int v) {
      out.write(v);
      return this;
    }

    public Writer bool(boolean v) {
      return u8(v ? 1 : 0);
    }

    public Writer u16(int v) {
      return u8(v >>> 8).u8(v);
    }

    public Writer u32(int v) {
      return u16(v >>> 16).u16(v);
    }

    public Writer u64(long v) {
      return u32((int) (v >>> 32)).u32((int) v);
    }

    public Writer bytes(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    /** {@code b} behind its two-byte length ({@code b} must be shorter than 64 KiB). */
    public Writer chunk(byte[] b) {
      if (b.length > 0xffff) {
        throw new IllegalArgumentException("a chunk of " + b.length + " bytes");
      }
      return u16(b.length).bytes(b);
    }

    public byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
