package io.callosum.lower.tcp;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;

/**
 * Test transports with CurveZMQ on both roles: a server identity that allows one client key, and
 * that client.
 */
final class CurveTransports {
  private CurveTransports() {}

  /**
   * One transport whose bound peers are CURVE servers in {@code domain} and whose connecting peers
   * are the allowed client.
   */
  static TcpTransport serverAndClient(String domain) {
    CurveKeyPair server = CurveKeyPair.generate();
    CurveKeyPair client = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator(domain, server);
    allow.allow(client.publicKey(), domain + "-client");
    return new TcpTransport(
        TcpOptions.builder()
            .curveServer(allow)
            .curveClient(ClientAuthenticator.of(server.publicKey(), client))
            .build());
  }
}
