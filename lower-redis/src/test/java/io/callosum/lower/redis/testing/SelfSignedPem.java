package io.callosum.lower.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fresh self-signed certificate for {@code 127.0.0.1} (its name and its IP subject alternative
 * name, valid two days) and its RSA key, as the PEM files {@code redis-server} reads: {@code
 * cert.pem} (which clients trust) and {@code key.pem} (PKCS#8). Made with the JDK's own {@code
 * keytool}, so that the tests need no {@code openssl}; nothing is stored in the repository, so
 * nothing expires there.
 *
 * @param certificate the certificate, {@code -----BEGIN CERTIFICATE-----}
 * @param key the private key, {@code -----BEGIN PRIVATE KEY-----}
 */
public record SelfSignedPem(Path certificate, Path key) {
  private static final String ALIAS = "redis";
  private static final char[] STORE_PASSWORD = "callosum".toCharArray();

  /** Makes the pair in {@code dir} (files deleted when the JVM ends). */
  public static SelfSignedPem make(Path dir) throws IOException {
    Path store = dir.resolve("redis.p12");
    keytool(
        store,
        "-genkeypair",
        "-alias",
        ALIAS,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "SAN=ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        store.toString(),
        "-storepass",
        new String(STORE_PASSWORD));
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        keys.load(in, STORE_PASSWORD);
      }
      Certificate cert = keys.getCertificate(ALIAS);
      Key key = keys.getKey(ALIAS, STORE_PASSWORD);
      SelfSignedPem pem = new SelfSignedPem(dir.resolve("cert.pem"), dir.resolve("key.pem"));
      write(pem.certificate, "CERTIFICATE", cert.getEncoded());
      write(pem.key, "PRIVATE KEY", key.getEncoded()); // PKCS#8, as a PKCS12 store keeps it
      return pem;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the key store keytool made: " + e, e);
    } finally {
      Files.deleteIfExists(store);
    }
  }

  private static void keytool(Path store, String... args) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> cmd = new ArrayList<>(List.of(keytool.toString()));
    cmd.addAll(List.of(args));
    Path log = store.resolveSibling("keytool.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("keytool did not finish within 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "keytool failed (" + p.exitValue() + "): " + Files.readString(log).strip());
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool ran", e);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static void write(Path file, String label, byte[] der) throws IOException {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(
        file, "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n");
    file.toFile().deleteOnExit();
  }
}
