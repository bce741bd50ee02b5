package io.callosum.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS 1.3 for the {@code tls-socket-copy} comparator: the serving side makes a fresh P-256 key and
 * a self-signed certificate valid for one day (bouncycastle's certificate builder), and tells the
 * certificate (public) to the harness, whose client trusts exactly that certificate. Nothing is
 * stored, so nothing expires in the repository.
 */
final class SelfSignedTls {
  static final String PROTOCOL = "TLSv1.3";
  private static final char[] NO_PASSWORD = new char[0];

  private final KeyPair keys;
  private final X509Certificate certificate;

  SelfSignedTls() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=callosum-bench");
    Instant now = Instant.now();
    try {
      certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  new JcaX509v3CertificateBuilder(
                          name,
                          BigInteger.valueOf(now.toEpochMilli()),
                          Date.from(now.minus(Duration.ofMinutes(5))),
                          Date.from(now.plus(Duration.ofDays(1))),
                          name,
                          keys.getPublic())
                      .build(
                          new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign the certificate: " + e, e);
    }
  }

  /** The server's context: this key and certificate. */
  SSLContext serverContext() throws GeneralSecurityException {
    KeyStore store = emptyStore();
    store.setKeyEntry("bench", keys.getPrivate(), NO_PASSWORD, new X509Certificate[] {certificate});
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(store, NO_PASSWORD);
    SSLContext context = SSLContext.getInstance(PROTOCOL);
    context.init(keyManagers.getKeyManagers(), null, null);
    return context;
  }

  /** The certificate as one word (base64 of its DER encoding). */
  String certificateWord() throws GeneralSecurityException {
    return Base64.getEncoder().encodeToString(certificate.getEncoded());
  }

  /** A client context that trusts only the certificate of {@link #certificateWord()}. */
  static SSLContext clientContext(String certificateWord) throws GeneralSecurityException {
    X509Certificate trusted =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new ByteArrayInputStream(Base64.getDecoder().decode(certificateWord)));
    KeyStore store = emptyStore();
    store.setCertificateEntry("bench", trusted);
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance(PROTOCOL);
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  private static KeyStore emptyStore() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    return store;
  }
}
