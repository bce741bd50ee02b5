package io.callosum.lower.tcp;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Transport;
import io.callosum.testing.FanoutSuite;

/** Broadcast and pipelines over TCP encrypted with CurveZMQ (the bound side is the CURVE server). */
class TcpCurveFanoutTest extends FanoutSuite {
  private static final TcpTransport TRANSPORT;

  static {
    CurveKeyPair server = CurveKeyPair.generate();
    CurveKeyPair client = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator("fanout", server);
    allow.allow(client.publicKey(), "fanout-client");
    TRANSPORT = new TcpTransport(TcpOptions.builder().curveServer(allow).curveClient(ClientAuthenticator.of(server.publicKey(), client)).build());
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
  protected int slowSubscriberItemSize() {
    return 4 << 10; // credits, not socket buffers, bound what is in flight: small items show it
  }
}
