package io.callosum.lower.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificates a {@code rediss://} connection trusts, read from the PEM file of {@code
 * RedisOptions.trustedCertificates} when a session opens (so a renewed file counts from the next
 * session on). A file that is missing, unreadable or holds no certificate is refused before
 * anything connects, naming the file, instead of surfacing in the TLS handshake as a server's
 * certificate that is not trusted. Stateless.
 */
final class TrustFile {
  private TrustFile() {}

  /** Trust managers that trust exactly the certificates in {@code pem}. */
  static TrustManagerFactory read(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IOException("no certificate in it");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certificates) {
        store.setCertificateEntry("trusted-" + i++, c);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      return trust;
    } catch (IOException | GeneralSecurityException e) {
      throw new IOException(
          "cannot use RedisOptions.trustedCertificates " + pem + ": " + e.getMessage(), e);
    }
  }
}
