package io.callosum.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.internal.CertificateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ZeroMQ certificate files: writing, reading pyzmq's, and rejecting malformed ones. */
class CurveCertificateTest {
  /** zmq_curve(7)'s example server keys. */
  static final String PUBLIC = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

  static final String SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

  /** What pyzmq's {@code zmq.auth.create_certificates(dir, "server", metadata={...})} writes. */
  static final String PYZMQ_SECRET =
      "#   ****  Generated on 2024-05-02 11:22:33.123456 by pyzmq  ****\n"
          + "#   ZeroMQ CURVE **Secret** Certificate\n"
          + "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n"
          + "\n"
          + "metadata\n"
          + "    name = server-1\n"
          + "    role = api\n"
          + "curve\n"
          + "    public-key = \""
          + PUBLIC
          + "\"\n"
          + "    secret-key = \""
          + SECRET
          + "\"\n";

  static final String PYZMQ_PUBLIC =
      "#   ****  Generated on 2024-05-02 11:22:33.123456 by pyzmq  ****\n"
          + "#   ZeroMQ CURVE Public Certificate\n"
          + "#   Exchange securely, or use a secure mechanism to verify the contents\n"
          + "#   of this file after exchange. Store public certificates in your home\n"
          + "#   directory, in the .curve subdirectory.\n"
          + "\n"
          + "metadata\n"
          + "curve\n"
          + "    public-key = \""
          + PUBLIC
          + "\"\n";

  @TempDir Path dir;

  @Test
  void readsPyzmqFiles() throws IOException {
    CurveCertificate secret = CurveCertificate.read(write("server.key_secret", PYZMQ_SECRET));
    assertEquals(PUBLIC, secret.publicKey().z85());
    assertEquals(PUBLIC, secret.keyPair().orElseThrow().publicKey().z85());
    assertEquals(Map.of("name", "server-1", "role", "api"), secret.metadata());
    assertEquals(List.of("name", "role"), List.copyOf(secret.metadata().keySet()));

    CurveCertificate pub = CurveCertificate.read(write("server.key", PYZMQ_PUBLIC));
    assertEquals(PUBLIC, pub.publicKey().z85());
    assertTrue(pub.keyPair().isEmpty());
    assertEquals(Map.of(), pub.metadata());
  }

  @Test
  void readsZplVariants() throws IOException {
    String text =
        "# czmq writes no blank line and quotes nothing\r\n"
            + "metadata\r\n"
            + "    email = ops@example.com   # trailing comment\r\n"
            + "    empty\r\n"
            + "    nested\r\n"
            + "        deeper = 'ignored'\r\n"
            + "other-section = 1\r\n"
            + "    x = \"y\"\r\n"
            + "curve\r\n"
            + "    # a comment inside a section\r\n"
            + "\r\n"
            + "    public-key = '"
            + PUBLIC
            + "'\r\n"
            + "    secret-key="
            + SECRET
            + "#no space before the comment\r\n";
    CurveCertificate cert = CurveCertificate.read(write("variant.key_secret", text));
    assertEquals(PUBLIC, cert.publicKey().z85());
    assertTrue(cert.keyPair().isPresent());
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("email", "ops@example.com");
    expected.put("empty", "");
    expected.put("nested", "");
    assertEquals(expected, cert.metadata());
  }

  @Test
  void createWritesBothFilesLikePyzmq() throws IOException {
    CurveKeyPair pair = CurveKeyPair.fromSecretKeyZ85(SECRET);
    CurveCertificate.create(dir.resolve("keys"), "server", pair, false);
    Path publicFile = dir.resolve("keys/server.key");
    Path secretFile = dir.resolve("keys/server.key_secret");

    String publicText = Files.readString(publicFile);
    assertTrue(
        publicText.matches(
            "(?s)#   \\*\\*\\*\\*  Generated on \\S+ \\S+ by Callosum  \\*\\*\\*\\*\n.*"),
        publicText);
    assertTrue(
        publicText.endsWith(PYZMQ_PUBLIC.substring(PYZMQ_PUBLIC.indexOf('\n') + 1)), publicText);
    assertFalse(publicText.contains(SECRET));
    String secretText = Files.readString(secretFile);
    assertTrue(secretText.contains("#   ZeroMQ CURVE **Secret** Certificate\n"), secretText);
    assertTrue(
        secretText.endsWith(
            "\nmetadata\ncurve\n    public-key = \""
                + PUBLIC
                + "\"\n    secret-key = \""
                + SECRET
                + "\"\n"),
        secretText);

    assertEquals(pair.publicKey(), CurveCertificate.read(publicFile).publicKey());
    CurveKeyPair read = CurveCertificate.read(secretFile).keyPair().orElseThrow();
    assertArrayEquals(pair.secretKey(), read.secretKey());
    assertEquals(
        List.of(publicFile, secretFile), listing(dir.resolve("keys")), "no temporary file is left");

    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secretFile)));
      assertEquals(
          "rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(publicFile)));
    }
  }

  @Test
  void createOverwritesOnlyWhenTold() throws IOException {
    CurveKeyPair first = CurveKeyPair.generate();
    CurveCertificate.create(dir, "n", first, false);
    Files.delete(dir.resolve("n.key"));
    // One file of the pair is enough to refuse, and then neither is touched.
    FileAlreadyExistsException e =
        assertThrows(
            FileAlreadyExistsException.class,
            () -> CurveCertificate.create(dir, "n", CurveKeyPair.generate(), false));
    assertEquals(dir.resolve("n.key_secret").toString(), e.getFile());
    assertEquals(List.of(dir.resolve("n.key_secret")), listing(dir));
    assertEquals(first.publicKey(), CurveCertificate.read(dir.resolve("n.key_secret")).publicKey());

    CurveKeyPair second = CurveKeyPair.generate();
    CurveCertificate.create(dir, "n", second, true);
    assertEquals(second.publicKey(), CurveCertificate.read(dir.resolve("n.key")).publicKey());
    assertEquals(
        second.publicKey(), CurveCertificate.read(dir.resolve("n.key_secret")).publicKey());
    assertThrows(
        FileAlreadyExistsException.class,
        () -> CurveCertificate.of(second).writePublic(dir.resolve("n.key"), false));
  }

  @Test
  void metadataRoundTrips() throws IOException {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("name", "alice smith");
    metadata.put("quote", "say \"hi\"");
    metadata.put("empty", "");
    CurveKeyPair pair = CurveKeyPair.generate();
    CurveCertificate cert = CurveCertificate.of(pair).withMetadata(metadata);
    cert.writeSecret(dir.resolve("a.key_secret"), false);
    cert.writePublic(dir.resolve("a.key"), false);
    assertEquals(metadata, CurveCertificate.read(dir.resolve("a.key_secret")).metadata());
    assertEquals(metadata, CurveCertificate.read(dir.resolve("a.key")).metadata());
    assertTrue(CurveCertificate.read(dir.resolve("a.key")).keyPair().isEmpty());
  }

  @Test
  void rejectsBadMetadataAndMissingSecrets() {
    CurveCertificate cert = CurveCertificate.of(CurveKeyPair.generate().publicKey());
    assertThrows(IllegalArgumentException.class, () -> cert.withMetadata(Map.of("two words", "x")));
    assertThrows(
        IllegalArgumentException.class, () -> cert.withMetadata(Map.of("k", "line\nbreak")));
    assertThrows(IllegalArgumentException.class, () -> cert.withMetadata(Map.of("k", "\"'")));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> cert.writeSecret(dir.resolve("x"), false));
    assertTrue(e.getMessage().endsWith("has no secret key"), e.getMessage());
    for (String name : new String[] {"", ".", "..", "a/b", "a\\b"}) {
      assertThrows(
          IllegalArgumentException.class,
          () -> CurveCertificate.create(dir, name, CurveKeyPair.generate(), false),
          name);
    }
  }

  @Test
  void rejectsMalformedFilesNamingFileAndLine() throws IOException {
    String pub = "    public-key = \"" + PUBLIC + "\"\n";
    String other = CurveKeyPair.generate().publicKey().z85();
    Object[][] cases = {
      {"metadata\n", 0, "no public-key = \"<Z85>\" in a 'curve' section"},
      {"public-key = \"" + PUBLIC + "\"\n", 0, "no public-key"},
      {"curve\n    public-key\n", 2, "no public-key"},
      {"curve\n\tpublic-key = \"" + PUBLIC + "\"\n", 2, "indentation must be spaces"},
      {"curve\n  public-key = \"" + PUBLIC + "\"\n", 2, "indented by 2 spaces"},
      {"curve\n        public-key = \"" + PUBLIC + "\"\n", 2, "indented deeper than one level"},
      {"curve\n    public-key = \"" + PUBLIC + "\n", 2, "is not closed on this line"},
      {"curve\n    public-key = \"" + PUBLIC + "\" extra\n", 2, "unexpected text after the value"},
      {"curve\n    public key = \"" + PUBLIC + "\"\n", 2, "expected '=' or the end of the line"},
      {"curve\n    = \"" + PUBLIC + "\"\n", 2, "expected a name"},
      {"curve\n" + pub + pub, 3, "'curve/public-key' appears twice (first on line 2)"},
      {
        "curve\n    public-key = \"" + PUBLIC.substring(1) + "\"\n",
        2,
        "public-key: a Curve25519 public key in Z85 is 40 characters, not 39"
      },
      {
        "curve\n    public-key = \"" + PUBLIC.replace('r', '~') + "\"\n",
        2,
        "public-key: the public key '"
      },
      {
        "curve\n    public-key = \"" + other + "\"\n    secret-key = \"" + SECRET + "\"\n",
        3,
        "secret-key does not belong to public-key " + other
      },
      {
        "curve\n" + pub + "    secret-key = \"" + SECRET.substring(0, 39) + "\"\n",
        3,
        "secret-key: a Curve25519 secret key in Z85 is 40 characters, not 39"
      },
      {
        "curve\n" + pub + "    secret-key\n",
        3,
        "secret-key: a Curve25519 secret key in Z85 is 40 characters, not 0"
      },
    };
    for (Object[] c : cases) {
      Path file = write("bad.key", (String) c[0]);
      CertificateFormatException e =
          assertThrows(
              CertificateFormatException.class, () -> CurveCertificate.read(file), (String) c[0]);
      assertEquals(file, e.file());
      assertEquals((int) c[1], e.line(), e.getMessage());
      String prefix = (int) c[1] == 0 ? file + ": " : file + ":" + c[1] + ": ";
      assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
      assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
    }
  }

  @Test
  void aMalformedSecretKeyIsNeverQuoted() throws IOException {
    String bad = SECRET.substring(0, 20) + "~" + SECRET.substring(21);
    Path file =
        write(
            "s.key_secret",
            "curve\n    public-key = \"" + PUBLIC + "\"\n    secret-key = \"" + bad + "\" junk\n");
    CertificateFormatException junk =
        assertThrows(CertificateFormatException.class, () -> CurveCertificate.read(file));
    assertFalse(junk.getMessage().contains(SECRET.substring(0, 20)), junk.getMessage());
    Files.writeString(
        file, "curve\n    public-key = \"" + PUBLIC + "\"\n    secret-key = \"" + bad + "\"\n");
    CertificateFormatException e =
        assertThrows(CertificateFormatException.class, () -> CurveCertificate.read(file));
    assertEquals(
        file
            + ":3: secret-key: the secret key is not Z85: the character at index 20 is not in the"
            + " Z85 alphabet",
        e.getMessage());
  }

  @Test
  void refusesASecretCertificateThatOthersMayUseAsOpenSshRefusesAPrivateKey() throws IOException {
    Assumptions.assumeTrue(posix(), "POSIX permissions");
    Path file = write("server.key_secret", PYZMQ_SECRET);
    Path pub = write("server.key", PYZMQ_PUBLIC);
    for (String mode :
        new String[] {"rw-r--r--", "rw-r-----", "rw----r--", "rw-----w-", "rwx--x---"}) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
      CertificateFormatException e =
          assertThrows(CertificateFormatException.class, () -> CurveCertificate.read(file), mode);
      assertEquals(file, e.file());
      assertTrue(
          e.getMessage()
              .startsWith(
                  file
                      + ": permissions 0"
                      + octal(mode)
                      + " ("
                      + mode
                      + ") are too open for a secret"
                      + " certificate"),
          e.getMessage());
      assertTrue(e.getMessage().endsWith("chmod 600 " + file), e.getMessage());
      assertFalse(e.getMessage().contains(SECRET), e.getMessage());
      assertThrows(
          CertificateFormatException.class,
          () -> ClientAuthenticator.fromCertificates(pub, file),
          mode);
    }
    for (String mode : new String[] {"rw-------", "r--------"}) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
      assertEquals(
          PUBLIC, CurveCertificate.read(file).keyPair().orElseThrow().publicKey().z85(), mode);
    }
    // A public certificate is for everyone to read.
    Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertEquals(PUBLIC, CurveCertificate.read(pub).publicKey().z85());
  }

  /** The octal digits of a mode such as {@code rw-r--r--} (644). */
  private static String octal(String mode) {
    int bits = 0;
    for (int i = 0; i < 9; i++) {
      bits = bits << 1 | (mode.charAt(i) == '-' ? 0 : 1);
    }
    return Integer.toOctalString(bits);
  }

  @Test
  void rejectsFilesThatAreNotText() throws IOException {
    Path big = write("big.key", "#" + "x".repeat(CertificateFiles.MAX_SIZE) + "\n");
    assertTrue(
        assertThrows(CertificateFormatException.class, () -> CurveCertificate.read(big))
            .getMessage()
            .contains("larger than"));
    Path binary = dir.resolve("binary.key");
    Files.write(binary, new byte[] {'c', 'u', (byte) 0xff, (byte) 0xfe, '\n'});
    CertificateFormatException e =
        assertThrows(CertificateFormatException.class, () -> CurveCertificate.read(binary));
    assertEquals(binary + ": not UTF-8 text: not a certificate", e.getMessage());
  }

  @Test
  void clientAuthenticatorFromCertificates() throws IOException {
    CurveKeyPair server = CurveKeyPair.generate();
    CurveKeyPair client = CurveKeyPair.generate();
    CurveCertificate.create(dir, "server", server, false);
    CurveCertificate.create(dir, "client", client, false);
    ClientAuthenticator auth =
        ClientAuthenticator.fromCertificates(
            dir.resolve("server.key"), dir.resolve("client.key_secret"));
    assertEquals(server.publicKey(), auth.serverPublicKey());
    assertEquals(client.publicKey(), auth.clientKeyPair().publicKey());
    assertArrayEquals(client.secretKey(), auth.clientKeyPair().secretKey());
    CertificateFormatException e =
        assertThrows(
            CertificateFormatException.class,
            () ->
                ClientAuthenticator.fromCertificates(
                    dir.resolve("server.key"), dir.resolve("client.key")));
    assertTrue(e.getMessage().contains("no secret-key"), e.getMessage());
  }

  /**
   * Writes {@code text} to {@code name}; a secret certificate (by its name) owner-only, as pyzmq
   * leaves it.
   */
  private Path write(String name, String text) throws IOException {
    Path file = Files.write(dir.resolve(name), text.getBytes(StandardCharsets.UTF_8));
    if (name.endsWith(CurveCertificate.SECRET_SUFFIX) && posix()) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
    return file;
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  private static List<Path> listing(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.sorted().toList();
    }
  }
}
