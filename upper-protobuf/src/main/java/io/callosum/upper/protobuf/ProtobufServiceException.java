package io.callosum.upper.protobuf;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.RemoteUserException;
import io.callosum.upper.protobuf.internal.Failures;
import java.util.Objects;

/**
 * The declared error of a protobuf service. Protobuf has no declared exceptions, so the convention
 * is: a handler throws this exception with a <em>status message</em> of any message type (e.g.
 * {@code DemoError { string reason = 1; }}); the caller's future fails with a {@code
 * ProtobufServiceException} carrying the same status type and bytes, read back with {@link
 * #status(Message)}. On the wire it is an ordinary FAILURE reply (so a Python peer sees a remote
 * error whose text names the status type); its text carries the status as base64 (see README).
 *
 * <p>Any other exception a handler throws reaches the caller as {@link RemoteUserException}.
 */
public final class ProtobufServiceException extends CallosumException {
  private static final long serialVersionUID = 1L;

  private final String statusType;
  private final byte[] status;

  /** Thrown by a handler: fails the call with {@code status}, described by {@code message}. */
  public ProtobufServiceException(Message status, String message) {
    this(status.getDescriptorForType().getFullName(), status.toByteArray(), message, null, false);
  }

  /** Thrown by a handler, described by the status type's name. */
  public ProtobufServiceException(Message status) {
    this(status, status.getDescriptorForType().getFullName());
  }

  /** The caller's side: rebuilt from a remote's FAILURE reply, which is the cause. */
  public ProtobufServiceException(
      String statusType, byte[] status, String message, RemoteUserException cause) {
    this(statusType, status, message, cause, true);
  }

  private ProtobufServiceException(
      String statusType, byte[] status, String message, Throwable cause, boolean remote) {
    super(ErrorCode.REMOTE_USER_ERROR, message, cause, remote);
    this.statusType = Objects.requireNonNull(statusType, "statusType");
    this.status = status.clone();
  }

  /** The full protobuf name of the status message type, e.g. {@code callosum.demo.DemoError}. */
  public String statusType() {
    return statusType;
  }

  /** The status message's encoding. */
  public byte[] statusBytes() {
    return status.clone();
  }

  /** Whether the status is of {@code prototype}'s type. */
  public boolean hasStatus(Message prototype) {
    return prototype.getDescriptorForType().getFullName().equals(statusType);
  }

  /**
   * The status parsed as {@code prototype}'s type (e.g. {@code DemoError.getDefaultInstance()}).
   *
   * @throws IllegalArgumentException if the status is of another type or does not parse
   */
  @SuppressWarnings("unchecked")
  public <T extends Message> T status(T prototype) {
    if (!hasStatus(prototype)) {
      throw new IllegalArgumentException(
          "the status is a "
              + statusType
              + ", not a "
              + prototype.getDescriptorForType().getFullName());
    }
    try {
      return (T) prototype.getParserForType().parseFrom(status);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "the status does not parse as " + statusType + ": " + e.getMessage(), e);
    }
  }

  // The core sends a handler's exception as its toString() (Python's repr), so the status goes
  // there; getMessage() stays the plain message.
  @SuppressWarnings("OverrideThrowableToString")
  @Override
  public String toString() {
    // The FAILURE reply's text: the caller parses the status back out of it (internal.Failures).
    return Failures.describe(this);
  }
}
