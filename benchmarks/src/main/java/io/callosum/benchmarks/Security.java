package io.callosum.benchmarks;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.lower.zmq.ZmqTransport;
import java.net.URI;

/**
 * The lower a Callosum serving side uses, from its security word: {@code plain} (the scheme's
 * default lower), {@code curve:CLIENT_KEY} (a fresh TCP or ZeroMQ transport with CurveZMQ; the
 * serving side makes its own key pair, allows the client's Z85 public key only, and tells its
 * public key after the address) or {@code gateway:URI} (a TCP transport whose peers go through the
 * gateway at URI). Only public keys cross processes.
 */
record Security(Transport transport, String serverPublicKey) {
  static final String PLAIN = "plain";

  /** The serving side's lower for {@code address} and {@code word}. */
  static Security server(String address, String word) {
    if (word.equals(PLAIN)) {
      return new Security(null, null);
    }
    if (word.startsWith("gateway:")) {
      return new Security(
          new TcpTransport(TcpOptions.builder().gateway(URI.create(word.substring(8))).build()),
          null);
    }
    if (!word.startsWith("curve:")) {
      throw new IllegalArgumentException(
          "security must be plain, curve:KEY or gateway:URI, not " + word);
    }
    CurveKeyPair serverKeys = CurveKeyPair.generate();
    AllowListAuthenticator allow =
        new AllowListAuthenticator("callosum", serverKeys)
            .allow(CurvePublicKey.fromZ85(word.substring(6)), "bench");
    Transport transport =
        address.startsWith("zmq+")
            ? new ZmqTransport(ZmqOptions.defaults().withCurveServer(allow))
            : new TcpTransport(TcpOptions.builder().curveServer(allow).build());
    return new Security(transport, serverKeys.publicKey().z85());
  }

  /**
   * The word that asks a serving side for CurveZMQ letting in {@code clientKeys}, or for a plain
   * lower if they are null.
   */
  static String word(CurveKeyPair clientKeys) {
    return clientKeys == null ? PLAIN : "curve:" + clientKeys.publicKey().z85();
  }

  /**
   * A client lower for {@code address} with CurveZMQ: {@code clientKeys}, pinning the server's Z85
   * public key.
   */
  static Transport curveClient(String address, CurveKeyPair clientKeys, String serverPublicKey) {
    ClientAuthenticator client =
        ClientAuthenticator.of(CurvePublicKey.fromZ85(serverPublicKey), clientKeys);
    return address.startsWith("zmq+")
        ? new ZmqTransport(ZmqOptions.defaults().withCurveClient(client))
        : new TcpTransport(TcpOptions.builder().curveClient(client).build());
  }

  /** The public facts a serving side reports after its address. */
  String[] facts() {
    return serverPublicKey == null ? new String[0] : new String[] {serverPublicKey};
  }
}
