package io.callosum.lower.tcp.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns away an accepted socket that is over a connection limit, as WIRE.md says: the preamble and
 * an {@code ABORT} <i>limit exceeded</i> with the reason, written without blocking (best effort: a
 * socket whose buffer is full just closes), then the socket is closed. For a bound endpoint and a
 * gateway's listeners; the caller logs. Loop thread.
 */
public final class OverLimit {
  private static final Logger LOG = LoggerFactory.getLogger(OverLimit.class);

  private OverLimit() {}

  /** Refuses {@code sc}, which would have spoken {@code mechanism}, saying {@code reason}. */
  public static void refuse(SocketChannel sc, String mechanism, String reason) {
    try {
      sc.configureBlocking(false);
      byte[] abort = Wire.abort(Wire.LIMIT, reason);
      ByteBuffer b = ByteBuffer.allocate(Wire.PREAMBLE_SIZE + 4 + abort.length);
      b.put(Wire.preamble(mechanism)).putInt(abort.length).put(abort).flip();
      sc.write(b);
    } catch (IOException e) {
      LOG.debug("refusal not sent: {}", e.toString());
    }
    try {
      sc.close();
    } catch (IOException e) {
      LOG.debug("close failed", e);
    }
  }
}
