package io.callosum.auth;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A certificate file that is not a valid ZeroMQ certificate: not ZPL, no {@code curve/public-key},
 * a key that is not Z85, or a secret key that does not belong to the public key; or a secret
 * certificate that is not kept secret: on a POSIX file system, one whose group or others have any
 * permission on it (the message gives the mode and says {@code chmod 600 FILE}). The message starts
 * with {@code FILE:LINE:} (or {@code FILE:} when no one line is at fault) and never quotes a secret
 * key.
 */
public final class CertificateFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final int line;

  /**
   * A problem on {@code line} of {@code file}, or with the file as a whole if {@code line} is 0.
   */
  public CertificateFormatException(Path file, int line, String problem) {
    super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    this.file = file;
    this.line = line;
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The line at fault, counting from 1, or 0 when the file as a whole is at fault. */
  public int line() {
    return line;
  }
}
