package io.callosum;

/**
 * What went wrong with a call: the one small code list behind every {@link CallosumException}.
 *
 * <p>Codes that start with {@code REMOTE_} or are listed as "remote" came back in a reply from the
 * other peer; the rest were decided locally. {@link CallosumException#code()} gives the code.
 */
public enum ErrorCode {
  /** The remote handler threw: a FAILURE reply ({@link RemoteUserException}). */
  REMOTE_USER_ERROR,
  /**
   * The remote framework failed while serving the call: an ERROR reply ({@link
   * RemoteInternalException}).
   */
  REMOTE_INTERNAL_ERROR,
  /** The remote peer has no handler for the method (an ERROR reply naming it). */
  NO_SUCH_METHOD,
  /** The call's deadline passed before its reply arrived; a CANCEL was sent. */
  TIMEOUT,
  /** The call was cancelled, locally (future cancelled) or by the remote (CANCELLED reply). */
  CANCELLED,
  /** The connection carrying the call went away, or the peer was closed, before the reply. */
  CONNECTION_LOST,
  /** Too many calls in flight, locally or at the remote. Nothing was dropped silently. */
  OVERLOADED,
  /** A message exceeded {@link Limits#maxMessageSize()}, locally or at the remote. */
  MESSAGE_TOO_LARGE,
  /** A value could not be encoded or decoded by the upper (codec). */
  CODEC_ERROR,
  /** A malformed message: bad msgpack, bad snappy data, missing header keys, wrong types. */
  BAD_MESSAGE,
  /** The remote refused this peer's credentials, or the remote's identity could not be verified. */
  AUTHENTICATION_FAILED,
  /**
   * The remote lacks what the call needs (e.g. streams, with a Python Callosum peer); refused
   * locally before anything was sent.
   */
  UNSUPPORTED,
  /**
   * A peer is shutting down and takes no new calls ({@link ShuttingDownException}): this one (its
   * new calls are not sent) or the remote (it said so, or answered with an error reply). Nothing of
   * the call ran: it may be made again elsewhere.
   */
  SHUTTING_DOWN
}
