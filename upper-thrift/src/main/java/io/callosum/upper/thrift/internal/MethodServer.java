package io.callosum.upper.thrift.internal;

import io.callosum.Payload;

/** Serves one Thrift method: the request message's bytes in, the reply message's bytes out. */
@FunctionalInterface
public interface MethodServer {
  /**
   * Throws {@link io.callosum.CodecException} for a malformed request (the caller sees {@code
   * CODEC_ERROR}) and the implementation's undeclared exceptions as they are (the caller sees a
   * {@code RemoteUserException} naming them).
   */
  Payload serve(byte[] request) throws Exception;
}
