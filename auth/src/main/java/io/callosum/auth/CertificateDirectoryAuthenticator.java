package io.callosum.auth;

import io.callosum.auth.internal.ClientKeyCheck;
import io.callosum.auth.internal.DirectorySnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ServerAuthenticator} that lets in the clients whose public certificates lie in a
 * directory: every {@code NAME.key} file (as {@code zmq.auth.create_certificates} writes it, or as
 * czmq's {@code zauth} reads them) allows its public key as user {@code NAME}. Adding a file lets a
 * client in, removing it locks the client out, without a restart.
 *
 * <p>The directory is read when the authenticator is made, and then looked at again when a client
 * is checked and at least the check interval (default {@value #DEFAULT_CHECK_INTERVAL_MILLIS} ms)
 * has passed on the clock: when a {@code *.key} file was added, removed, or its content changed
 * (compared by a SHA-256 digest, so a certificate replaced by another of the same size and
 * modification time is noticed too), all files are read again. A file that is not a valid
 * certificate, or that holds a secret key its group or others may read, is skipped with a warning;
 * the other files still count. If the directory cannot be listed, every client is rejected until it
 * can. Hidden files (names starting with {@code .}) are ignored.
 *
 * <p><b>Threads.</b> All methods are thread-safe. {@link #checkClient} runs on the lower's
 * authentication thread; it looks a key up in memory, and at most once per interval lists the
 * directory, reads each {@code *.key} file to digest it (at most 64 KiB of each; a certificate is a
 * few hundred bytes) and, if something changed, parses the certificates. It logs the outcome with
 * the client's public key (accepted at DEBUG, rejected at INFO).
 */
public final class CertificateDirectoryAuthenticator implements ServerAuthenticator {
  /** How often, at most, the directory is looked at unless told otherwise: {@value} ms. */
  public static final long DEFAULT_CHECK_INTERVAL_MILLIS = 1000;

  private static final Logger LOG =
      LoggerFactory.getLogger(CertificateDirectoryAuthenticator.class);

  private final String domain;
  private final CurveKeyPair serverKeyPair;
  private final Path directory;
  private final Duration checkInterval;
  private final InstantSource clock;
  private volatile DirectorySnapshot snapshot;
  private volatile Instant nextCheck;

  /**
   * An authenticator for the endpoint {@code domain} with this key pair, allowing the keys in
   * {@code directory}, looked at again at most once a second.
   *
   * @throws IOException if {@code directory} is not a directory that can be listed
   */
  public CertificateDirectoryAuthenticator(
      String domain, CurveKeyPair serverKeyPair, Path directory) throws IOException {
    this(
        domain,
        serverKeyPair,
        directory,
        Duration.ofMillis(DEFAULT_CHECK_INTERVAL_MILLIS),
        InstantSource.system());
  }

  /**
   * An authenticator that looks at {@code directory} again at most once per {@code checkInterval}
   * of {@code clock} (tests pass a clock they advance by hand; a zero interval looks at every
   * check).
   *
   * @throws IOException if {@code directory} is not a directory that can be listed
   * @throws IllegalArgumentException if {@code checkInterval} is negative
   */
  public CertificateDirectoryAuthenticator(
      String domain,
      CurveKeyPair serverKeyPair,
      Path directory,
      Duration checkInterval,
      InstantSource clock)
      throws IOException {
    this.domain = Objects.requireNonNull(domain, "domain");
    this.serverKeyPair = Objects.requireNonNull(serverKeyPair, "serverKeyPair");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (checkInterval.isNegative()) {
      throw new IllegalArgumentException("the check interval cannot be negative: " + checkInterval);
    }
    this.snapshot = DirectorySnapshot.read(directory, DirectorySnapshot.stamps(directory), LOG);
    this.nextCheck = clock.instant().plus(checkInterval);
  }

  /** The directory of certificates. */
  public Path directory() {
    return directory;
  }

  /** The allowed keys and their user ids (file names without {@code .key}), as last read. */
  public Map<CurvePublicKey, String> allowed() {
    return snapshot.keys();
  }

  /** Reads the directory again now, whatever the interval and whether or not anything changed. */
  public synchronized void reload() {
    nextCheck = clock.instant().plus(checkInterval);
    snapshot = DirectorySnapshot.refresh(directory, null, LOG);
  }

  @Override
  public String domain() {
    return domain;
  }

  @Override
  public CurveKeyPair serverKeyPair() {
    return serverKeyPair;
  }

  @Override
  public AuthResult checkClient(Credential credential) {
    refreshIfDue();
    return ClientKeyCheck.decide(
        domain, credential, snapshot.keys().get(credential.publicKey()), LOG);
  }

  private void refreshIfDue() {
    if (clock.instant().isBefore(nextCheck)) {
      return;
    }
    synchronized (this) {
      Instant now = clock.instant();
      if (now.isBefore(nextCheck)) {
        return; // another thread just looked
      }
      nextCheck = now.plus(checkInterval);
      snapshot = DirectorySnapshot.refresh(directory, snapshot, LOG);
    }
  }

  /** The domain, the server's public key, the directory and the number of allowed keys. */
  @Override
  public String toString() {
    return "CertificateDirectoryAuthenticator[domain="
        + domain
        + ", server="
        + serverKeyPair.publicKey()
        + ", directory="
        + directory
        + ", "
        + snapshot.keys().size()
        + " keys]";
  }
}
