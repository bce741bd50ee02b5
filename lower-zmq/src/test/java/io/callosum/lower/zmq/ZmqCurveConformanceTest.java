package io.callosum.lower.zmq;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Transport;
import io.callosum.testing.ConformanceSuite;

/** The conformance suite over ZeroMQ with CURVE: every peer authenticates through ZAP. */
class ZmqCurveConformanceTest extends ConformanceSuite {
  private static final ZmqTransport TRANSPORT;

  static {
    CurveKeyPair server = CurveKeyPair.generate();
    CurveKeyPair client = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator("conformance", server);
    allow.allow(client.publicKey(), "conformance-client");
    TRANSPORT = new ZmqTransport(ZmqOptions.defaults()
        .withCurveServer(allow)
        .withCurveClient(ClientAuthenticator.of(server.publicKey(), client)));
  }

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "zmq+tcp://127.0.0.1:0";
  }

  @Override
  protected int openCloseCycles() {
    return 300; // each cycle runs a CURVE handshake
  }
}
