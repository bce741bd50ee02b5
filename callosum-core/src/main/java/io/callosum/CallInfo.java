package io.callosum;

/**
 * What an interceptor sees of a call when it starts.
 *
 * @param side whether this peer is the caller or the callee
 * @param method the method name
 * @param orderKey the order key
 * @param remote the other peer
 */
public record CallInfo(Side side, String method, OrderKey orderKey, RemotePeer remote) {
  /** Which end of the call this peer is. */
  public enum Side {
    CALLER,
    CALLEE
  }
}
