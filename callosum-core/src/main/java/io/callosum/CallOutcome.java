package io.callosum;

import java.time.Duration;

/**
 * How a call ended, for interceptors.
 *
 * @param error null on success, else the kind of failure
 * @param failure the exception (caller side) or the handler's exception (callee side), or null
 * @param duration from start to the reply (caller) or from arrival to the reply leaving (callee)
 * @param bytesOut bytes this peer sent for the call (header plus body frames)
 * @param bytesIn bytes this peer received for the call
 */
public record CallOutcome(
    ErrorCode error, Throwable failure, Duration duration, long bytesOut, long bytesIn) {
  public boolean isSuccess() {
    return error == null;
  }
}
