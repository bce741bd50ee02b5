package io.callosum.lower.zmq;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;

/**
 * Test transports with CURVE on both roles: a server identity that allows one client key, and that
 * client.
 */
final class CurveTransports {
  private CurveTransports() {}

  /**
   * One transport whose bound peers are CURVE servers in {@code domain} and whose connecting peers
   * are the allowed client.
   */
  static ZmqTransport serverAndClient(String domain) {
    CurveKeyPair server = CurveKeyPair.generate();
    CurveKeyPair client = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator(domain, server);
    allow.allow(client.publicKey(), domain + "-client");
    return new ZmqTransport(
        ZmqOptions.defaults()
            .withCurveServer(allow)
            .withCurveClient(ClientAuthenticator.of(server.publicKey(), client)));
  }
}
