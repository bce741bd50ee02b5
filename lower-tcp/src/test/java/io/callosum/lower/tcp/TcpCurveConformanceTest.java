package io.callosum.lower.tcp;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Transport;
import io.callosum.testing.ConformanceSuite;

/** The conformance suite over TCP encrypted with CurveZMQ: every message in MESSAGE boxes. */
class TcpCurveConformanceTest extends ConformanceSuite {
  private static final TcpTransport TRANSPORT;

  static {
    CurveKeyPair server = CurveKeyPair.generate();
    CurveKeyPair client = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator("conformance", server);
    allow.allow(client.publicKey(), "conformance-client");
    TRANSPORT = new TcpTransport(TcpOptions.builder()
        .curveServer(allow)
        .curveClient(ClientAuthenticator.of(server.publicKey(), client))
        .build());
  }

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "tcp://127.0.0.1:0";
  }

  @Override
  protected int openCloseCycles() {
    return 300; // each cycle runs a CurveZMQ handshake
  }
}
