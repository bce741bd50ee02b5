package io.callosum.gateway.internal;

import io.callosum.lower.tcp.internal.FrameConnection;
import java.util.HashMap;
import java.util.Map;

/**
 * A local peer's connection (always accepted): it opens channels and registers names. Loop thread
 * only.
 */
final class LocalPeer extends Side {
  /** The names this peer registered, by registration token. */
  final Map<Integer, String> registrations = new HashMap<>();

  LocalPeer(FrameConnection conn) {
    super(conn, Direction.ACCEPTED);
  }

  @Override
  String describe() {
    return "local peer " + conn.remote();
  }
}
