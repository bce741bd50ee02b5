package io.callosum.examples;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.CertificateDirectoryAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.ServerAuthenticator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * What {@code serve} and {@code call} share for CURVE, the encryption and authentication of the
 * ZeroMQ lower (ZeroMQ CURVE with ZAP) and of the TCP lower (the CurveZMQ handshake): options that
 * come in pairs and the allow-list of a server ({@link Lowers} picks the lower). Every mistake is a
 * usage error that names the option at fault.
 */
final class Curve {
  /** The ZAP domain of {@code serve} unless {@code --curve-domain} names another. */
  static final String DEFAULT_DOMAIN = "callosum";

  private Curve() {}

  /**
   * A usage error unless both options or neither were given; {@code why} says what the pair is for.
   */
  static void requireBoth(
      CommandSpec spec,
      String first,
      Object firstValue,
      String second,
      Object secondValue,
      String why) {
    if ((firstValue == null) != (secondValue == null)) {
      String given = firstValue != null ? first : second;
      String missing = firstValue != null ? second : first;
      throw new ParameterException(
          spec.commandLine(), given + " needs " + missing + " as well: " + why);
    }
  }

  /**
   * The authenticator of a CURVE server with {@code keys} in {@code domain} that lets in the
   * clients of {@code allow}: the public certificates in a directory (user id: the file name
   * without {@code .key}; files added or removed count without a restart), or the one certificate
   * file {@code allow} (user id: its name without its extension).
   */
  static ServerAuthenticator allowList(
      CommandSpec spec, String domain, CurveKeyPair keys, Path allow) {
    if (Files.isDirectory(allow)) {
      try {
        return new CertificateDirectoryAuthenticator(domain, keys, allow);
      } catch (IOException e) {
        throw new ParameterException(
            spec.commandLine(), "--curve-allow: cannot list the directory " + allow + ": " + e, e);
      }
    }
    String name = allow.getFileName().toString();
    String user = name.lastIndexOf('.') > 0 ? name.substring(0, name.lastIndexOf('.')) : name;
    try {
      return new AllowListAuthenticator(domain, keys)
          .allow(OptionConverters.readCertificate(allow.toString()).publicKey(), user);
    } catch (TypeConversionException e) {
      throw new ParameterException(spec.commandLine(), "--curve-allow: " + e.getMessage(), e);
    }
  }
}
