package io.callosum.auth.internal;

import io.callosum.auth.CertificateFormatException;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reading and writing the text of ZeroMQ certificate files, in the layout that czmq and pyzmq
 * write. Stateless.
 */
public final class CertificateFiles {
  /**
   * Certificates are a few hundred bytes; anything much larger is not one (and is not read whole).
   */
  public static final int MAX_SIZE = 64 * 1024;

  private static final String PUBLIC_KEY = "curve/public-key";
  private static final String SECRET_KEY = "curve/secret-key";
  private static final String METADATA = "metadata/";

  /**
   * What a secret certificate must not allow (OpenSSH's rule for private keys: mode & 077 == 0).
   */
  private static final Set<PosixFilePermission> NOT_OWNER =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private static final DateTimeFormatter GENERATED =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private CertificateFiles() {}

  /** What a certificate file holds. {@code keyPair} is null for a public certificate. */
  public record Content(
      CurvePublicKey publicKey, CurveKeyPair keyPair, Map<String, String> metadata) {}

  /**
   * Reads and checks a certificate file.
   *
   * @throws CertificateFormatException if it is not a certificate, or holds a secret key and others
   *     than its owner may use it (POSIX file systems)
   */
  public static Content read(Path file) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SIZE + 1);
    }
    if (bytes.length > MAX_SIZE) {
      throw new CertificateFormatException(
          file, 0, "larger than " + MAX_SIZE + " bytes: not a certificate");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new CertificateFormatException(file, 0, "not UTF-8 text: not a certificate");
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
    Map<String, Zpl.Entry> entries = Zpl.parse(file, text);

    Zpl.Entry pub = entries.get(PUBLIC_KEY);
    if (pub == null || pub.value() == null) {
      int line = pub == null ? 0 : pub.line();
      throw new CertificateFormatException(
          file, line, "no public-key = \"<Z85>\" in a 'curve' section");
    }
    CurvePublicKey publicKey;
    try {
      publicKey = CurvePublicKey.fromZ85(pub.value());
    } catch (IllegalArgumentException e) {
      throw new CertificateFormatException(file, pub.line(), "public-key: " + e.getMessage());
    }

    CurveKeyPair keyPair = null;
    Zpl.Entry secret = entries.get(SECRET_KEY);
    if (secret != null) {
      try {
        keyPair = CurveKeyPair.fromSecretKeyZ85(secret.value() == null ? "" : secret.value());
      } catch (IllegalArgumentException e) {
        throw new CertificateFormatException(file, secret.line(), "secret-key: " + e.getMessage());
      }
      if (!keyPair.publicKey().equals(publicKey)) {
        keyPair.destroy();
        throw new CertificateFormatException(
            file, secret.line(), "secret-key does not belong to public-key " + publicKey);
      }
      try {
        checkOwnerOnly(file);
      } catch (IOException e) {
        keyPair.destroy();
        throw e;
      }
    }

    Map<String, String> metadata = new LinkedHashMap<>();
    for (Zpl.Entry e : entries.values()) {
      String name = e.path().startsWith(METADATA) ? e.path().substring(METADATA.length()) : "";
      if (!name.isEmpty() && name.indexOf('/') < 0) {
        metadata.put(name, e.value() == null ? "" : e.value());
      }
    }
    return new Content(publicKey, keyPair, Collections.unmodifiableMap(metadata));
  }

  /**
   * Refuses a secret certificate that its group or others may read, write or run, as OpenSSH
   * refuses such a private key: whoever else can read the file holds the key too. Only where the
   * file system has POSIX permissions; elsewhere nothing is checked.
   *
   * @throws CertificateFormatException naming the file and its mode, and saying to run {@code chmod
   *     600}
   */
  private static void checkOwnerOnly(Path file) throws IOException {
    PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (posix == null) {
      return;
    }
    Set<PosixFilePermission> mode = posix.readAttributes().permissions();
    if (!Collections.disjoint(mode, NOT_OWNER)) {
      throw new CertificateFormatException(
          file,
          0,
          "permissions "
              + octal(mode)
              + " ("
              + PosixFilePermissions.toString(mode)
              + ") are too open for a secret certificate: others than its owner may use it, so it"
              + " is refused. Make it readable by its owner only: chmod 600 "
              + file);
    }
  }

  /** A mode as {@code chmod} writes it, e.g. {@code 0644}. */
  private static String octal(Set<PosixFilePermission> mode) {
    int bits = 0;
    for (PosixFilePermission p : mode) {
      bits |=
          switch (p) {
            case OWNER_READ -> 0400;
            case OWNER_WRITE -> 0200;
            case OWNER_EXECUTE -> 0100;
            case GROUP_READ -> 040;
            case GROUP_WRITE -> 020;
            case GROUP_EXECUTE -> 010;
            case OTHERS_READ -> 04;
            case OTHERS_WRITE -> 02;
            case OTHERS_EXECUTE -> 01;
          };
    }
    return String.format("0%03o", bits);
  }

  /** The text of a public certificate ({@code keyPair} null) or of a secret one. */
  public static String text(
      CurvePublicKey publicKey, CurveKeyPair keyPair, Map<String, String> metadata) {
    StringBuilder b = new StringBuilder();
    b.append("#   ****  Generated on ")
        .append(LocalDateTime.now(ZoneId.systemDefault()).format(GENERATED)) // local time, as czmq
        .append(" by Callosum  ****\n");
    if (keyPair == null) {
      b.append("#   ZeroMQ CURVE Public Certificate\n")
          .append("#   Exchange securely, or use a secure mechanism to verify the contents\n")
          .append("#   of this file after exchange. Store public certificates in your home\n")
          .append("#   directory, in the .curve subdirectory.\n");
    } else {
      b.append("#   ZeroMQ CURVE **Secret** Certificate\n")
          .append("#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n");
    }
    b.append("\nmetadata\n");
    metadata.forEach(
        (name, value) ->
            b.append("    ").append(name).append(" = ").append(quoted(value)).append('\n'));
    b.append("curve\n");
    b.append("    public-key = \"").append(publicKey.z85()).append("\"\n");
    if (keyPair != null) {
      byte[] secret = keyPair.secretKey();
      try {
        b.append("    secret-key = \"").append(Z85.encode(secret)).append("\"\n");
      } finally {
        Arrays.fill(secret, (byte) 0);
      }
    }
    return b.toString();
  }

  /** A ZPL value: in double quotes, or single quotes if it holds a double one, or bare if both. */
  private static String quoted(String value) {
    if (value.indexOf('"') < 0) {
      return '"' + value + '"';
    }
    // Only a value read bare from a file can hold both quotes; bare it stays valid.
    return value.indexOf('\'') < 0 ? '\'' + value + '\'' : value;
  }

  /**
   * Replaces (or, without {@code overwrite}, creates) {@code file} with {@code text} in one step:
   * the text goes to a temporary file beside it, created owner-only, that is then moved into place.
   * A public file is then made readable by everyone, where POSIX permissions apply.
   */
  public static void write(Path file, String text, boolean secret, boolean overwrite)
      throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(directory);
    } catch (FileAlreadyExistsException e) {
      throw new NotDirectoryException(
          directory.toString()); // a file stands where the directory should be
    }
    // Created rw------- on POSIX file systems, so a secret is never readable by others, even
    // briefly.
    Path temporary = Files.createTempFile(directory, "." + file.getFileName() + ".", ".tmp");
    try {
      PosixFileAttributeView posix =
          Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
      if (posix != null) {
        posix.setPermissions(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
      }
      Files.writeString(temporary, text, StandardCharsets.UTF_8);
      if (!overwrite) {
        Files.move(temporary, file);
      } else {
        try {
          Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /**
   * Checks that {@code name} names a file in a directory, not a path.
   *
   * @throws IllegalArgumentException if {@code name} is not a plain file name
   */
  public static void checkName(String name) {
    if (name.isEmpty()
        || name.equals(".")
        || name.equals("..")
        || name.indexOf('/') >= 0
        || name.indexOf('\\') >= 0
        || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("'" + name + "' is not a plain file name");
    }
  }

  /**
   * Checks that none of {@code files} exists (a dangling link counts as existing).
   *
   * @throws FileAlreadyExistsException for the first of {@code files} that exists
   */
  public static void checkAbsent(Path... files) throws FileAlreadyExistsException {
    for (Path f : files) {
      if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(f.toString());
      }
    }
  }
}
