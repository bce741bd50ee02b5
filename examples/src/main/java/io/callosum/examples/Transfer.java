package io.callosum.examples;

import io.callosum.Body;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * What {@code send} and {@code receive} (and the demo's stream step) share: the method that carries
 * a file as a client stream, and its offer ({@link ProgressLine} is their progress bar).
 *
 * <p>The sender calls {@link #METHOD} with {@code {stream: NAME, size: BYTES or -1}} and streams
 * the bytes upstream in {@link #ITEM}-byte items; the receiver answers {@code {bytes: N}} once it
 * has written them all. The stream's credit makes a sender wait for a slow receiver: neither side
 * holds more than the receiver's window.
 */
final class Transfer {
  /** The stream method a receiver serves. */
  static final String METHOD = "callosum.transfer";

  /** Bytes per stream item. */
  static final int ITEM = 64 << 10;

  private Transfer() {}

  /** The call's argument: which stream, and how many bytes follow (-1: unknown). */
  static Map<String, Object> offer(String stream, long size) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stream", stream);
    m.put("size", size);
    return m;
  }

  /** The stream name of an offer; an {@link IllegalArgumentException} for anything else. */
  static String stream(Body offer) {
    if (offer.value() instanceof Map<?, ?> m && m.get("stream") instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException(
        "not a transfer offer (expected {stream: NAME, size: BYTES}): " + offer.value());
  }

  /** The announced size of an offer, or -1. */
  static long size(Body offer) {
    return offer.value() instanceof Map<?, ?> m && m.get("size") instanceof Number n
        ? Math.max(-1, n.longValue())
        : -1;
  }

  /**
   * The size of what {@code in} will deliver, when it is a file (stdin redirected from one, too);
   * -1 for a pipe, a terminal or any other stream.
   */
  @SuppressWarnings("resource") // closing it would close stdin
  static long sizeOf(InputStream in) {
    try {
      FileInputStream file =
          in == System.in
              ? new FileInputStream(FileDescriptor.in)
              : in instanceof FileInputStream f ? f : null;
      if (file == null) {
        return -1;
      }
      long left = file.getChannel().size() - file.getChannel().position();
      return left > 0 ? left : -1;
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }

  /** A failure of this side's own stdin or stdout, told apart from a failure of the stream. */
  static final class LocalFailure extends IOException {
    private static final long serialVersionUID = 1L;

    LocalFailure(String what, IOException cause) {
      super(what + ": " + cause.getMessage(), cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  /** {@code in}, whose read failures are {@link LocalFailure}s. */
  static InputStream reads(InputStream in, String what) {
    return new FilterInputStream(in) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (IOException e) {
          throw new LocalFailure(what, e);
        }
      }
    };
  }

  /** {@code out}, whose write and flush failures are {@link LocalFailure}s. */
  static OutputStream writes(OutputStream out, String what) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          out.write(b, off, len);
        } catch (IOException e) {
          throw new LocalFailure(what, e);
        }
      }

      @Override
      public void flush() throws IOException {
        try {
          out.flush();
        } catch (IOException e) {
          throw new LocalFailure(what, e);
        }
      }
    };
  }

  /**
   * Copies {@code in} to {@code out} in {@link #ITEM}-byte reads, telling {@code step} each count;
   * returns the bytes copied.
   */
  static long copy(InputStream in, OutputStream out, LongConsumer step) throws IOException {
    byte[] buffer = new byte[ITEM];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) != -1) {
      out.write(buffer, 0, n);
      total += n;
      step.accept(n);
    }
    return total;
  }
}
