package io.callosum.auth.internal;

import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;

/**
 * What a directory of public certificates allowed when it was last read: the {@code *.key} files
 * with a digest of their content (to notice any change, even one that keeps the size and the
 * modification time, as every Z85 certificate of a kind has one size), and the keys they hold with
 * their user ids. Immutable.
 *
 * @param stamps file name to stamp, sorted; null if the directory could not be listed
 * @param keys allowed public key to user id (the file name without {@code .key})
 */
public record DirectorySnapshot(Map<String, Stamp> stamps, Map<CurvePublicKey, String> keys) {
  /**
   * What identifies a version of a file: the SHA-256 of its first {@link CertificateFiles#MAX_SIZE}
   * + 1 bytes (a larger file is no certificate, whatever follows), in hex.
   */
  public record Stamp(String digest) {}

  /**
   * The {@code *.key} regular files of {@code directory}, hidden ones left out, sorted by name,
   * each with the digest of its content. Reads each file (certificates are a few hundred bytes; at
   * most {@link CertificateFiles#MAX_SIZE} + 1 bytes of any file).
   *
   * @throws IOException if the directory cannot be listed (e.g. {@link
   *     java.nio.file.NotDirectoryException})
   */
  public static Map<String, Stamp> stamps(Path directory) throws IOException {
    Map<String, Stamp> stamps = new TreeMap<>();
    try (DirectoryStream<Path> files =
        Files.newDirectoryStream(directory, "*" + CurveCertificate.PUBLIC_SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith(".") || !Files.isRegularFile(file)) {
          continue;
        }
        try {
          stamps.put(name, new Stamp(digest(file)));
        } catch (NoSuchFileException e) {
          // removed since the listing: no stamp
        } catch (IOException e) {
          stamps.put(
              name,
              new Stamp("unreadable: " + e)); // read() says why; once readable, the stamp differs
        }
      }
    }
    return Collections.unmodifiableMap(stamps);
  }

  private static String digest(Path file) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return HexFormat.of().formatHex(sha256.digest(in.readNBytes(CertificateFiles.MAX_SIZE + 1)));
    }
  }

  /** Reads the certificates named in {@code stamps}, skipping (with a warning) those that fail. */
  public static DirectorySnapshot read(Path directory, Map<String, Stamp> stamps, Logger log) {
    Map<CurvePublicKey, String> keys = new HashMap<>();
    int skipped = 0;
    for (String name : stamps.keySet()) {
      Path file = directory.resolve(name);
      CurveCertificate cert;
      try {
        cert = CurveCertificate.read(file);
      } catch (IOException e) {
        log.warn("skipped client certificate {}: {}", file, e.getMessage());
        skipped++;
        continue;
      }
      cert.keyPair()
          .ifPresent(
              (CurveKeyPair pair) -> {
                pair.destroy();
                log.warn(
                    "{} holds a secret key: move it away; clients need only their public"
                        + " certificates here",
                    file);
              });
      String userId = name.substring(0, name.length() - CurveCertificate.PUBLIC_SUFFIX.length());
      String first = keys.putIfAbsent(cert.publicKey(), userId);
      if (first != null) {
        log.warn(
            "skipped client certificate {}: the same public key as {}{}",
            file,
            first,
            CurveCertificate.PUBLIC_SUFFIX);
        skipped++;
      }
    }
    log.info(
        "allowing {} client keys from {}{}",
        keys.size(),
        directory,
        skipped > 0 ? " (" + skipped + " files skipped)" : "");
    return new DirectorySnapshot(stamps, Map.copyOf(keys));
  }

  /**
   * The snapshot of {@code directory} now: {@code previous} if no {@code *.key} file changed, else
   * the certificates read again; with nothing allowed if the directory cannot be listed.
   *
   * @param previous the last snapshot, or null to read the files whatever their stamps
   */
  public static DirectorySnapshot refresh(Path directory, DirectorySnapshot previous, Logger log) {
    Map<String, Stamp> stamps;
    try {
      stamps = stamps(directory);
    } catch (IOException e) {
      if (previous == null || previous.stamps() != null) {
        log.warn(
            "cannot list client certificates in {} ({}): rejecting every client until it can be"
                + " listed",
            directory,
            e.toString());
      }
      return new DirectorySnapshot(null, Map.of());
    }
    if (previous != null && stamps.equals(previous.stamps())) {
      return previous;
    }
    return read(directory, stamps, log);
  }
}
