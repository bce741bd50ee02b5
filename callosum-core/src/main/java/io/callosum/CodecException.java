package io.callosum;

/** The upper (codec) could not encode or decode a value. */
public final class CodecException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message) {
    super(ErrorCode.CODEC_ERROR, message, null, false);
  }

  public CodecException(String message, Throwable cause) {
    super(ErrorCode.CODEC_ERROR, message, cause, false);
  }

  /** For failures that the remote peer reported. */
  public CodecException(String message, Throwable cause, boolean remote) {
    super(ErrorCode.CODEC_ERROR, message, cause, remote);
  }
}
