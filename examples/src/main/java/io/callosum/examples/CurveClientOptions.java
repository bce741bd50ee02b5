package io.callosum.examples;

import io.callosum.ConnectedPeer;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.lower.Transport;
import java.net.URI;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The CURVE options of a command that connects a peer ({@code call}, {@code send}). */
final class CurveClientOptions implements AutoCloseable {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--curve-client-secret",
      paramLabel = "FILE",
      converter = OptionConverters.SecretCertificate.class,
      description =
          "Connect with CURVE as the key pair in FILE, this client's secret certificate"
              + " (NAME.key_secret, as 'callosum keygen' writes). ZeroMQ and TCP addresses; needs"
              + " --curve-server-public.")
  CurveKeyPair secret;

  @Option(
      names = "--curve-server-public",
      paramLabel = "KEY",
      converter = OptionConverters.ServerPublicKey.class,
      description =
          "The server's public key: 40 characters of Z85 (as 'callosum keygen' prints), or the path"
              + " of the server's public certificate (NAME.key). Needs --curve-client-secret. A"
              + " server that does not hold its secret key fails the handshake (exit 9, or 6 at the"
              + " connect timeout).")
  CurvePublicKey serverPublic;

  /**
   * Makes {@code b}, connecting to {@code address}, a CURVE client when the options ask for one,
   * through {@code gateway} (null: none) when the address is a {@code tunnel://} one.
   */
  void apply(ConnectedPeer.Builder b, String address, URI gateway) {
    Curve.requireBoth(
        spec,
        "--curve-client-secret",
        secret,
        "--curve-server-public",
        serverPublic,
        "a CURVE client needs its own secret certificate and the public key of the server");
    Transport t =
        Lowers.forConnect(
            spec,
            address,
            secret == null ? null : ClientAuthenticator.of(serverPublic, secret),
            gateway);
    if (t != null) {
      b.transport(t);
    }
  }

  /** Whether the options ask for CURVE (checked for both options' presence by {@link #apply}). */
  boolean given() {
    return secret != null;
  }

  /** Wipes the secret key, if one was read. */
  @Override
  public void close() {
    if (secret != null) {
      secret.close();
    }
  }
}
