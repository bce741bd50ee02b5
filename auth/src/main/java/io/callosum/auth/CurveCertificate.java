package io.callosum.auth;

import io.callosum.auth.internal.CertificateFiles;
import io.callosum.auth.internal.Zpl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A ZeroMQ CURVE certificate: a public key, maybe its secret key, and free-form metadata, stored in
 * the text files that czmq, pyzmq's {@code zmq.auth.create_certificates(dir, name)} and Python
 * Callosum deployments use: {@code NAME.key} holds the public key and may be handed out; {@code
 * NAME.key_secret} also holds the secret key and is readable by its owner only.
 *
 * <pre>
 * #   ZeroMQ CURVE Public Certificate
 * metadata
 *     name = "alice"
 * curve
 *     public-key = "rq:rM&gt;}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 * </pre>
 *
 * <p>Files are read as ZPL (ZeroMQ RFC 4); anything beyond {@code curve/public-key}, {@code
 * curve/secret-key} and {@code metadata/*} is ignored. Writes replace the file in one step, so a
 * reader never sees half a file. Instances are immutable and thread-safe; {@link #toString()} shows
 * the public key only.
 */
public final class CurveCertificate {
  /** The file name suffix of a public certificate: {@code NAME.key}. */
  public static final String PUBLIC_SUFFIX = ".key";

  /** The file name suffix of a secret certificate: {@code NAME.key_secret}. */
  public static final String SECRET_SUFFIX = ".key_secret";

  private final CurvePublicKey publicKey;
  private final CurveKeyPair keyPair;
  private final Map<String, String> metadata;

  private CurveCertificate(
      CurvePublicKey publicKey, CurveKeyPair keyPair, Map<String, String> metadata) {
    this.publicKey = publicKey;
    this.keyPair = keyPair;
    this.metadata = metadata;
  }

  /** A public certificate of {@code publicKey}, without metadata. */
  public static CurveCertificate of(CurvePublicKey publicKey) {
    return new CurveCertificate(Objects.requireNonNull(publicKey, "publicKey"), null, Map.of());
  }

  /** A secret certificate of {@code keyPair} (not copied: destroying it destroys this one's). */
  public static CurveCertificate of(CurveKeyPair keyPair) {
    return new CurveCertificate(keyPair.publicKey(), keyPair, Map.of());
  }

  /**
   * This certificate with {@code metadata} (in iteration order) in place of its own.
   *
   * @throws IllegalArgumentException if a name is not a ZPL name (letters, digits and {@code
   *     $-_@.&+/}) or a value holds a line break or both kinds of quote
   */
  public CurveCertificate withMetadata(Map<String, String> metadata) {
    Map<String, String> copy = new LinkedHashMap<>();
    metadata.forEach(
        (name, value) -> {
          if (!Zpl.isName(name)) {
            throw new IllegalArgumentException(
                "'" + name + "' is not a metadata name (letters, digits and $-_@.&+/)");
          }
          boolean lineBreak = value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0;
          if (lineBreak || (value.indexOf('"') >= 0 && value.indexOf('\'') >= 0)) {
            throw new IllegalArgumentException(
                "the value of metadata '" + name + "' holds a line break or both kinds of quote");
          }
          copy.put(name, value);
        });
    return new CurveCertificate(publicKey, keyPair, Collections.unmodifiableMap(copy));
  }

  /**
   * Reads a public or secret certificate file.
   *
   * @throws CertificateFormatException if the file is not a valid certificate (the message names
   *     the file and line), or it holds a secret key and, on a POSIX file system, its group or
   *     others have any permission on it (as OpenSSH refuses such a private key; the message gives
   *     the mode and says {@code chmod 600})
   * @throws IOException if the file cannot be read
   */
  public static CurveCertificate read(Path file) throws IOException {
    CertificateFiles.Content c = CertificateFiles.read(file);
    CurveCertificate cert = new CurveCertificate(c.publicKey(), c.keyPair(), Map.of());
    return c.metadata().isEmpty() ? cert : cert.withMetadata(c.metadata());
  }

  /**
   * Writes {@code DIRECTORY/NAME.key} (public) and {@code DIRECTORY/NAME.key_secret} (secret,
   * owner-only) for {@code keyPair}, like pyzmq's {@code zmq.auth.create_certificates}. Creates the
   * directory if needed.
   *
   * @throws java.nio.file.FileAlreadyExistsException if either file exists and {@code overwrite} is
   *     false; then neither is written
   * @throws IllegalArgumentException if {@code name} is empty or not a plain file name
   */
  public static void create(Path directory, String name, CurveKeyPair keyPair, boolean overwrite)
      throws IOException {
    CertificateFiles.checkName(name);
    Path publicFile = directory.resolve(name + PUBLIC_SUFFIX);
    Path secretFile = directory.resolve(name + SECRET_SUFFIX);
    if (!overwrite) {
      CertificateFiles.checkAbsent(publicFile, secretFile);
    }
    CurveCertificate cert = of(keyPair);
    cert.writeSecret(secretFile, overwrite);
    cert.writePublic(publicFile, overwrite);
  }

  /**
   * Writes the public certificate (never the secret key) to {@code file}, readable by everyone
   * where POSIX permissions apply.
   *
   * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists and {@code overwrite}
   *     is false
   */
  public void writePublic(Path file, boolean overwrite) throws IOException {
    CertificateFiles.write(
        file, CertificateFiles.text(publicKey, null, metadata), false, overwrite);
  }

  /**
   * Writes the secret certificate to {@code file}, readable and writable by its owner only where
   * POSIX permissions apply.
   *
   * @throws IllegalStateException if this certificate has no secret key, or it was destroyed
   * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists and {@code overwrite}
   *     is false
   */
  public void writeSecret(Path file, boolean overwrite) throws IOException {
    if (keyPair == null) {
      throw new IllegalStateException("the certificate of " + publicKey + " has no secret key");
    }
    CertificateFiles.write(
        file, CertificateFiles.text(publicKey, keyPair, metadata), true, overwrite);
  }

  /** The public key. */
  public CurvePublicKey publicKey() {
    return publicKey;
  }

  /** The key pair, for a secret certificate; empty for a public one. */
  public Optional<CurveKeyPair> keyPair() {
    return Optional.ofNullable(keyPair);
  }

  /** The {@code metadata} entries, in file order (unmodifiable). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** {@code CurveCertificate[public=<Z85>, secret]}, or without {@code secret} for a public one. */
  @Override
  public String toString() {
    return "CurveCertificate[public=" + publicKey + (keyPair != null ? ", secret]" : "]");
  }
}
