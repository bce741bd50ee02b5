package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.Transport;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The CURVE options of a command that binds a peer ({@code serve}, {@code receive}). */
final class CurveServerOptions implements AutoCloseable {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--curve-server-secret",
      paramLabel = "FILE",
      converter = OptionConverters.SecretCertificate.class,
      description =
          "Be a CURVE server with the key pair in FILE, a secret certificate (NAME.key_secret, as"
              + " 'callosum keygen' writes). ZeroMQ and TCP addresses; needs --curve-allow.")
  CurveKeyPair secret;

  @Option(
      names = "--curve-allow",
      paramLabel = "DIR-or-FILE",
      description =
          "The clients a CURVE server lets in: every public certificate NAME.key in DIR (user id"
              + " NAME; adding or removing a file takes effect without a restart), or the one"
              + " public certificate FILE (user id: its name without extension). Needs"
              + " --curve-server-secret.")
  Path allow;

  @Option(
      names = "--curve-domain",
      paramLabel = "NAME",
      description =
          "The ZAP domain of the CURVE server (default: "
              + Curve.DEFAULT_DOMAIN
              + "). Needs --curve-server-secret.")
  String domain;

  /**
   * Makes {@code b}, bound at {@code address}, a CURVE server when the options ask for one, through
   * {@code gateway} (null: none) when the address is a {@code tunnel://} one; a usage error for an
   * incomplete pair. Returns the authenticator, or null for a plain peer.
   */
  ServerAuthenticator apply(BoundPeer.Builder b, String address, URI gateway) {
    Curve.requireBoth(
        spec,
        "--curve-server-secret",
        secret,
        "--curve-allow",
        allow,
        "a CURVE server needs its own secret certificate and the public keys of the clients it lets"
            + " in");
    if (secret == null) {
      if (domain != null) {
        throw new ParameterException(
            spec.commandLine(), "--curve-domain needs --curve-server-secret and --curve-allow");
      }
      Transport plain = Lowers.forBind(spec, address, null, gateway);
      if (plain != null) {
        b.transport(plain);
      }
      return null;
    }
    ServerAuthenticator auth =
        Curve.allowList(
            spec, Objects.requireNonNullElse(domain, Curve.DEFAULT_DOMAIN), secret, allow);
    b.transport(Lowers.forBind(spec, address, auth, gateway));
    return auth;
  }

  /** Wipes the secret key, if one was read. */
  @Override
  public void close() {
    if (secret != null) {
      secret.close();
    }
  }
}
