package io.callosum.examples;

import io.callosum.Ordering;
import io.callosum.auth.CertificateFormatException;
import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** How the commands' option values are read from text. Each converter is stateless. */
final class OptionConverters {
  private OptionConverters() {}

  /**
   * A positive duration: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, or a bare number of
   * seconds such as {@code 1.5}.
   */
  static final class Timeout implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      BigDecimal millisPerUnit = BigDecimal.valueOf(1000);
      if (t.endsWith("ms")) {
        t = t.substring(0, t.length() - 2);
        millisPerUnit = BigDecimal.ONE;
      } else if (t.endsWith("s")) {
        t = t.substring(0, t.length() - 1);
      } else if (t.endsWith("m")) {
        t = t.substring(0, t.length() - 1);
        millisPerUnit = BigDecimal.valueOf(60_000);
      } else if (t.endsWith("h")) {
        t = t.substring(0, t.length() - 1);
        millisPerUnit = BigDecimal.valueOf(3_600_000);
      }
      BigDecimal millis;
      try {
        millis = new BigDecimal(t.trim()).multiply(millisPerUnit);
      } catch (NumberFormatException e) {
        throw new TypeConversionException(
            "'" + text + "' is not a duration (e.g. 250ms, 5s, 2m, 1h, 1.5)");
      }
      BigDecimal nanos = millis.movePointRight(6);
      if (nanos.compareTo(BigDecimal.ONE) < 0
          || nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw new TypeConversionException("'" + text + "' is not a positive duration");
      }
      return Duration.ofNanos(nanos.longValue());
    }
  }

  /** A grace period: a {@link Timeout} duration, or {@code 0} for none (stop at once). */
  static final class GracePeriod implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      if (text.trim().matches("(?i)0+(\\.0+)?\\s*(ms|s|m|h)?")) {
        return Duration.ZERO;
      }
      return new Timeout().convert(text);
    }
  }

  /** {@code none}, {@code return-ordered} or {@code serialized}; also the help's candidate list. */
  static final class OrderingName implements ITypeConverter<Ordering>, Iterable<String> {
    private static final Map<String, Ordering> NAMES =
        Map.of(
            "none",
            Ordering.NONE,
            "return-ordered",
            Ordering.KEY_RETURN_ORDERED,
            "serialized",
            Ordering.KEY_SERIALIZED);

    @Override
    public Ordering convert(String text) {
      Ordering o = NAMES.get(text.trim().toLowerCase(Locale.ROOT));
      if (o == null) {
        throw new TypeConversionException(
            "'" + text + "' is not one of " + String.join(", ", this));
      }
      return o;
    }

    @Override
    public Iterator<String> iterator() {
      return List.of("none", "return-ordered", "serialized").iterator();
    }
  }

  /**
   * An address of the form {@code SCHEME://REST}. Whether a lower serves the scheme is decided
   * later, by the core, which names the schemes it has.
   */
  static final class Address implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      try {
        URI uri = new URI(text);
        if (uri.getScheme() != null
            && text.startsWith(uri.getScheme() + "://")
            && text.length() > uri.getScheme().length() + 3) {
          return text;
        }
      } catch (URISyntaxException e) {
        // reported below, with the expected form
      }
      throw new TypeConversionException(
          "'" + text + "' is not an address of the form SCHEME://..., e.g. inproc://demo");
    }
  }

  /**
   * A secret certificate file ({@code NAME.key_secret}, as {@code callosum keygen} writes): its key
   * pair, which the command destroys when done.
   */
  static final class SecretCertificate implements ITypeConverter<CurveKeyPair> {
    @Override
    public CurveKeyPair convert(String text) {
      CurveCertificate certificate = readCertificate(text);
      return certificate
          .keyPair()
          .orElseThrow(
              () ->
                  new TypeConversionException(
                      "'"
                          + text
                          + "' is a public"
                          + " certificate; this option needs a secret one (NAME"
                          + CurveCertificate.SECRET_SUFFIX
                          + ")"));
    }
  }

  /**
   * A server's public key: its 40 Z85 characters, as {@code callosum keygen} prints them, or the
   * path of a certificate file that holds it ({@code NAME.key}).
   */
  static final class ServerPublicKey implements ITypeConverter<CurvePublicKey> {
    @Override
    public CurvePublicKey convert(String text) {
      if (isFile(text)) {
        return readCertificate(text).publicKey();
      }
      try {
        return CurvePublicKey.fromZ85(text);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'"
                + text
                + "' is neither a public key ("
                + CurvePublicKey.Z85_LENGTH
                + " characters of Z85) nor a certificate file");
      }
    }

    private static boolean isFile(String text) {
      try {
        return Files.isRegularFile(Path.of(text));
      } catch (InvalidPathException e) {
        return false; // Z85 has characters that some file systems do not allow in names
      }
    }
  }

  /** Reads a certificate file; what makes it unreadable becomes the conversion error. */
  static CurveCertificate readCertificate(String file) {
    try {
      return CurveCertificate.read(Path.of(file));
    } catch (CertificateFormatException e) {
      throw new TypeConversionException("cannot use " + e.getMessage()); // FILE:LINE: what is wrong
    } catch (NoSuchFileException e) {
      throw new TypeConversionException("no such file: " + file);
    } catch (IOException | InvalidPathException e) {
      throw new TypeConversionException("cannot read " + file + ": " + e);
    }
  }
}
