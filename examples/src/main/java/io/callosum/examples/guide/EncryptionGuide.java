package io.callosum.examples.guide;

import io.callosum.AuthenticationException;
import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.CertificateDirectoryAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.lower.zmq.ZmqTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The snippets of the user guide's section "Encryption" (docs/GUIDE.md): CURVE keys and
 * authenticators, over the TCP and the ZeroMQ lower.
 */
final class EncryptionGuide {
  private EncryptionGuide() {}

  /** Alice calls a CURVE server over TCP; returns the identity the handler saw, "alice". */
  static Object overTcp() {
    // guide:curveTcp
    CurveKeyPair serverKeys = CurveKeyPair.generate();
    CurveKeyPair aliceKeys = CurveKeyPair.generate();

    ServerAuthenticator allowed =
        new AllowListAuthenticator("api", serverKeys).allow(aliceKeys.publicKey(), "alice");
    Transport serverSide = new TcpTransport(TcpOptions.builder().curveServer(allowed).build());

    ClientAuthenticator alice = ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys);
    Transport aliceSide = new TcpTransport(TcpOptions.builder().curveClient(alice).build());
    // end guide:curveTcp
    return whoami(serverSide, aliceSide, "tcp://127.0.0.1:0");
  }

  /** The same over ZeroMQ; returns "alice". */
  static Object overZmq() {
    CurveKeyPair serverKeys = CurveKeyPair.generate();
    CurveKeyPair aliceKeys = CurveKeyPair.generate();
    ServerAuthenticator allowed =
        new AllowListAuthenticator("api", serverKeys).allow(aliceKeys.publicKey(), "alice");
    ClientAuthenticator alice = ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys);
    // guide:curveZmq
    Transport serverSide = new ZmqTransport(ZmqOptions.defaults().withCurveServer(allowed));
    Transport aliceSide = new ZmqTransport(ZmqOptions.defaults().withCurveClient(alice));
    // end guide:curveZmq
    return whoami(serverSide, aliceSide, "zmq+tcp://127.0.0.1:0");
  }

  /** A server with {@code serverSide} called by a client with {@code clientSide}. */
  static Object whoami(Transport serverSide, Transport clientSide, String bindAddress) {
    // guide:whoami
    try (BoundPeer server = Peer.builder().transport(serverSide).bind(bindAddress).build()) {
      server.handle("whoami", (ctx, body) -> ctx.identity().orElse("nobody")); // the user id
      server.start();

      try (ConnectedPeer client =
          Peer.builder().transport(clientSide).connect(server.address()).build().start()) {
        return client.invoke("whoami", null).join(); // "alice"
      }
    }
    // end guide:whoami
  }

  /**
   * Keys in certificate files, a directory of allowed clients; returns the identity the handler
   * saw, "alice".
   */
  static Object fromFiles(Path keys, Path allowedClients) throws IOException {
    // guide:curveFiles
    // once, as "./callosum keygen NAME --dir keys" does: NAME.key (public) and NAME.key_secret
    CurveCertificate.create(keys, "server", CurveKeyPair.generate(), false);
    CurveCertificate.create(keys, "alice", CurveKeyPair.generate(), false);
    Files.copy(keys.resolve("alice.key"), allowedClients.resolve("alice.key")); // let alice in

    // the server: its secret certificate, and a directory of the public ones it allows
    CurveKeyPair serverKeys =
        CurveCertificate.read(keys.resolve("server.key_secret")).keyPair().orElseThrow();
    ServerAuthenticator allowed =
        new CertificateDirectoryAuthenticator("api", serverKeys, allowedClients);

    // a client: the server's public certificate, and its own secret one
    ClientAuthenticator alice =
        ClientAuthenticator.fromCertificates(
            keys.resolve("server.key"), keys.resolve("alice.key_secret"));
    // end guide:curveFiles
    return whoami(
        new TcpTransport(TcpOptions.builder().curveServer(allowed).build()),
        new TcpTransport(TcpOptions.builder().curveClient(alice).build()),
        "tcp://127.0.0.1:0");
  }

  /** A client whose key the server does not allow; returns the refusal. */
  static AuthenticationException refused() {
    CurveKeyPair serverKeys = CurveKeyPair.generate();
    ServerAuthenticator allowed = new AllowListAuthenticator("api", serverKeys);
    try (BoundPeer server =
        Peer.builder()
            .transport(new TcpTransport(TcpOptions.builder().curveServer(allowed).build()))
            .bind("tcp://127.0.0.1:0")
            .build()
            .start()) {
      String address = server.address();
      // guide:curveRefused
      ClientAuthenticator stranger =
          ClientAuthenticator.of(serverKeys.publicKey(), CurveKeyPair.generate());
      try (ConnectedPeer client =
          Peer.builder()
              .transport(new TcpTransport(TcpOptions.builder().curveClient(stranger).build()))
              .connect(address)
              .build()) {
        client.start(); // throws: the server's authenticator refused this key
        return null;
      } catch (AuthenticationException e) {
        return e; // code AUTHENTICATION_FAILED
      }
      // end guide:curveRefused
    }
  }
}
