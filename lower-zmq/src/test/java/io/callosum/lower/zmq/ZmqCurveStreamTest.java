package io.callosum.lower.zmq;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Transport;
import io.callosum.testing.StreamSuite;

/** Streams, chunked messages and named pipes between two Java peers over ZeroMQ with CURVE. */
class ZmqCurveStreamTest extends StreamSuite {
  private static final ZmqTransport TRANSPORT;

  static {
    CurveKeyPair server = CurveKeyPair.generate();
    CurveKeyPair client = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator("streams", server);
    allow.allow(client.publicKey(), "stream-client");
    TRANSPORT = new ZmqTransport(ZmqOptions.defaults().withCurveServer(allow).withCurveClient(ClientAuthenticator.of(server.publicKey(), client)));
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
  protected int bigMessageBytes() {
    return 20 << 20;
  }

  @Override
  protected int largeStreamItems() {
    return 256;
  }
}
