package io.callosum.auth;

import io.callosum.auth.internal.FixedClientAuthenticator;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The authentication of a connecting (client) endpoint: the server public key it expects, and the
 * key pair it proves itself with. The same role as Python Callosum's {@code
 * AbstractClientAuthenticator} ({@code server_public_key()}, {@code client_identity()}, {@code
 * client_public_key()}); the client's domain is left out, as it has no effect in ZeroMQ. A lower
 * given a client authenticator refuses a server whose key differs.
 *
 * <p><b>Threads.</b> Both methods are read when the lower connects (or reconnects), on the caller's
 * or the lower's I/O thread; implementations must be thread-safe and must not block.
 */
public interface ClientAuthenticator {
  /** The public key the server must prove it holds the secret key of. */
  CurvePublicKey serverPublicKey();

  /** This client's key pair; the server's authenticator decides on its public key. */
  CurveKeyPair clientKeyPair();

  /** A client authenticator with fixed keys. */
  static ClientAuthenticator of(CurvePublicKey serverPublicKey, CurveKeyPair clientKeyPair) {
    return new FixedClientAuthenticator(serverPublicKey, clientKeyPair);
  }

  /**
   * A client authenticator with fixed keys read from certificate files: the server's public
   * certificate ({@code server.key}, or its secret one) and this client's secret certificate
   * ({@code client.key_secret}).
   *
   * @throws CertificateFormatException if a file is not a certificate, or the client's has no
   *     secret key
   * @throws IOException if a file cannot be read
   */
  static ClientAuthenticator fromCertificates(Path serverCertificate, Path clientSecretCertificate)
      throws IOException {
    CurvePublicKey server = CurveCertificate.read(serverCertificate).publicKey();
    CurveKeyPair client =
        CurveCertificate.read(clientSecretCertificate)
            .keyPair()
            .orElseThrow(
                () ->
                    new CertificateFormatException(
                        clientSecretCertificate,
                        0,
                        "no secret-key: a client needs its secret certificate (NAME"
                            + CurveCertificate.SECRET_SUFFIX
                            + ")"));
    return of(server, client);
  }
}
