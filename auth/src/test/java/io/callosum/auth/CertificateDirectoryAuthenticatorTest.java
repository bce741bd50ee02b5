package io.callosum.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.internal.Z85;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory of public certificates, read again on change; time comes from a manual clock. */
class CertificateDirectoryAuthenticatorTest {
  private static final Duration INTERVAL = Duration.ofSeconds(5);

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock();
  private final CurveKeyPair server = CurveKeyPair.generate();
  private final CurveKeyPair alice = CurveKeyPair.generate();
  private final CurveKeyPair bob = CurveKeyPair.generate();
  private final CurveKeyPair carol = CurveKeyPair.generate();

  @BeforeEach
  void aliceAndBob() throws IOException {
    // As create_certificates leaves them: the secret files beside the public ones are not clients.
    CurveCertificate.create(dir, "alice", alice, false);
    CurveCertificate.create(dir, "bob", bob, false);
  }

  @Test
  void acceptsTheKeysOfTheFilesAsTheirNames() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    assertEquals(AuthResult.accept("alice"), check(auth, alice));
    assertEquals(AuthResult.accept("bob"), check(auth, bob));
    assertEquals(AuthResult.reject(), check(auth, carol));
    assertEquals(AuthResult.reject(), auth.checkClient(new Credential("other", alice.publicKey())));
    assertEquals(Map.of(alice.publicKey(), "alice", bob.publicKey(), "bob"), auth.allowed());
    assertEquals("api", auth.domain());
    assertEquals(server, auth.serverKeyPair());
    assertEquals(dir, auth.directory());
    assertTrue(auth.toString().endsWith("directory=" + dir + ", 2 keys]"), auth.toString());
  }

  @Test
  void aNewFileCountsOnceTheIntervalHasPassed() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    CurveCertificate.of(carol.publicKey()).writePublic(dir.resolve("carol.key"), false);
    assertEquals(AuthResult.reject(), check(auth, carol));
    clock.advance(INTERVAL.minusMillis(1));
    assertEquals(AuthResult.reject(), check(auth, carol));
    clock.advance(Duration.ofMillis(1));
    assertEquals(AuthResult.accept("carol"), check(auth, carol));
  }

  @Test
  void aRemovedFileLocksItsKeyOut() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    Files.delete(dir.resolve("bob.key"));
    assertEquals(AuthResult.accept("bob"), check(auth, bob));
    clock.advance(INTERVAL);
    assertEquals(AuthResult.reject(), check(auth, bob));
    assertEquals(AuthResult.accept("alice"), check(auth, alice));
  }

  @Test
  void aChangedFileIsReadAgain() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    Path file = dir.resolve("alice.key");
    FileTime before = Files.getLastModifiedTime(file);
    CurveCertificate.of(carol.publicKey()).writePublic(file, true);
    // The same size; only the modification time tells (set here so a coarse clock cannot hide it).
    Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 2000));
    clock.advance(INTERVAL);
    assertEquals(AuthResult.reject(), check(auth, alice));
    assertEquals(AuthResult.accept("alice"), check(auth, carol));
  }

  @Test
  void aFileReplacedWithTheSameSizeAndModificationTimeIsReadAgain() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    Path file = dir.resolve("alice.key");
    FileTime before = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    CurveCertificate.of(carol.publicKey()).writePublic(file, true);
    Files.setLastModifiedTime(file, before);
    assertEquals(size, Files.size(file), "every Z85 certificate of a kind has one size");
    clock.advance(INTERVAL);
    assertEquals(AuthResult.reject(), check(auth, alice));
    assertEquals(AuthResult.accept("alice"), check(auth, carol));
  }

  @Test
  void aSecretCertificateThatOthersMayReadIsSkippedWithAWarning() throws IOException {
    Assumptions.assumeTrue(
        FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
        "POSIX permissions");
    Path file = dir.resolve("carol.key");
    CurveCertificate.of(carol).writeSecret(file, false);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (StderrCapture err = new StderrCapture()) {
      CertificateDirectoryAuthenticator auth = authenticator();
      assertEquals(AuthResult.reject(), check(auth, carol));
      assertTrue(
          err.text()
              .contains("skipped client certificate " + file + ": " + file + ": permissions 0644"),
          err.text());
      assertTrue(err.text().contains("chmod 600 " + file), err.text());
    }
  }

  @Test
  void nothingIsReadWhenNothingChanged() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    Map<CurvePublicKey, String> before = auth.allowed();
    clock.advance(INTERVAL);
    check(auth, alice);
    assertSame(before, auth.allowed(), "the same snapshot is kept");
  }

  @Test
  void aMalformedFileIsSkippedWithAWarning() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    Path bad = dir.resolve("broken.key");
    Files.writeString(bad, "curve\n    public-key = \"not a key\"\n");
    String log;
    try (StderrCapture err = new StderrCapture()) {
      clock.advance(INTERVAL);
      assertEquals(AuthResult.accept("alice"), check(auth, alice));
      assertEquals(AuthResult.accept("bob"), check(auth, bob));
      log = err.text();
    }
    assertTrue(log.contains("WARN"), log);
    assertTrue(
        log.contains("skipped client certificate " + bad + ": " + bad + ":2: public-key:"), log);
    assertEquals(2, auth.allowed().size());
  }

  @Test
  void aSecretCertificateAmongThePublicOnesCountsButIsNeverLogged() throws IOException {
    CurveCertificate.of(carol).writeSecret(dir.resolve("carol.key"), false);
    String secret = Z85.encode(carol.secretKey());
    String log;
    try (StderrCapture err = new StderrCapture()) {
      CertificateDirectoryAuthenticator auth = authenticator();
      assertEquals(AuthResult.accept("carol"), check(auth, carol));
      log = err.text();
    }
    assertTrue(log.contains(dir.resolve("carol.key") + " holds a secret key"), log);
    assertFalse(log.contains(secret), log);
  }

  @Test
  void theFirstFileOfADuplicateKeyWinsAndOthersAreIgnored() throws IOException {
    CurveCertificate.of(alice.publicKey()).writePublic(dir.resolve("zed.key"), false);
    CurveCertificate.of(bob.publicKey()).writePublic(dir.resolve(".hidden.key"), false);
    Files.createDirectory(dir.resolve("sub.key"));
    try (StderrCapture err = new StderrCapture()) {
      CertificateDirectoryAuthenticator auth = authenticator();
      assertEquals(Map.of(alice.publicKey(), "alice", bob.publicKey(), "bob"), auth.allowed());
      assertTrue(
          err.text()
              .contains(
                  "skipped client certificate "
                      + dir.resolve("zed.key")
                      + ": the same public key as alice.key"),
          err.text());
    }
  }

  @Test
  void aVanishedDirectoryRejectsEveryoneUntilItIsBack() throws IOException {
    Path keys = Files.createDirectory(dir.resolve("keys"));
    CurveCertificate.of(alice.publicKey()).writePublic(keys.resolve("alice.key"), false);
    CertificateDirectoryAuthenticator auth =
        new CertificateDirectoryAuthenticator("api", server, keys, INTERVAL, clock);
    assertEquals(AuthResult.accept("alice"), check(auth, alice));
    Files.delete(keys.resolve("alice.key"));
    Files.delete(keys);
    clock.advance(INTERVAL);
    try (StderrCapture err = new StderrCapture()) {
      assertEquals(AuthResult.reject(), check(auth, alice));
      assertTrue(err.text().contains("rejecting every client"), err.text());
    }
    Files.createDirectory(keys);
    CurveCertificate.of(alice.publicKey()).writePublic(keys.resolve("alice.key"), false);
    clock.advance(INTERVAL);
    assertEquals(AuthResult.accept("alice"), check(auth, alice));
  }

  @Test
  void reloadReadsNowAndAZeroIntervalLooksEveryTime() throws IOException {
    CertificateDirectoryAuthenticator auth = authenticator();
    CurveCertificate.of(carol.publicKey()).writePublic(dir.resolve("carol.key"), false);
    auth.reload();
    assertEquals(AuthResult.accept("carol"), check(auth, carol));

    CertificateDirectoryAuthenticator eager =
        new CertificateDirectoryAuthenticator("api", server, dir, Duration.ZERO, clock);
    Files.delete(dir.resolve("carol.key"));
    assertEquals(AuthResult.reject(), check(eager, carol));
  }

  @Test
  void refusesAMissingDirectoryOrAFile() {
    assertThrows(
        NoSuchFileException.class,
        () ->
            new CertificateDirectoryAuthenticator(
                "api", server, dir.resolve("missing"), INTERVAL, clock));
    assertThrows(
        NotDirectoryException.class,
        () ->
            new CertificateDirectoryAuthenticator(
                "api", server, dir.resolve("alice.key"), INTERVAL, clock));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new CertificateDirectoryAuthenticator(
                "api", server, dir, Duration.ofMillis(-1), clock));
  }

  private CertificateDirectoryAuthenticator authenticator() throws IOException {
    return new CertificateDirectoryAuthenticator("api", server, dir, INTERVAL, clock);
  }

  private static AuthResult check(ServerAuthenticator auth, CurveKeyPair client) {
    return auth.checkClient(new Credential("api", client.publicKey()));
  }
}
