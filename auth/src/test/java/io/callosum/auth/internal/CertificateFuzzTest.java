package io.callosum.auth.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.auth.CertificateFormatException;
import io.callosum.auth.CurveKeyPair;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of what certificate files hold (docs/FUZZING.md): Z85 text, ZPL text and whole
 * certificate files, as a user (or whoever can write into an allow-list directory) gives them. Only
 * the documented exceptions are thrown ({@link IllegalArgumentException} for Z85, {@link
 * CertificateFormatException} for ZPL and certificates), Z85 decoding allocates at most a bound
 * linear in the input, ZPL keeps at most an entry a line, Z85 round-trips both ways, and a
 * certificate that reads writes back to one that reads the same (keys and metadata).
 */
class CertificateFuzzTest {
  private static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("callosum-cert-fuzz");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterAll
  static void clean() throws IOException {
    try (var files = Files.list(DIR)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(DIR);
  }

  @FuzzTest
  void z85(byte[] data) throws Exception {
    String text = new String(data, StandardCharsets.ISO_8859_1);
    byte[][] decoded = new byte[1][];
    try {
      ThreadAllocation.atMost(
          (64 << 10) + 4L * data.length, "Z85.decode", () -> decoded[0] = Z85.decode(text));
    } catch (IllegalArgumentException e) {
      return;
    }
    assertEquals(text, Z85.encode(decoded[0]), "Z85 text encodes back");
    if (data.length % 4 == 0) {
      assertArrayEquals(data, Z85.decode(Z85.encode(data)), "bytes decode back");
    }
  }

  @FuzzTest
  void zpl(byte[] data) throws Exception {
    String text = new String(data, StandardCharsets.UTF_8);
    Map<String, Zpl.Entry> entries;
    try {
      // Not measured: what Jazzer's hooks on strings and regular expressions allocate here dwarfs
      // the parser's own garbage, and the text is a local file of at most 64 KiB. What it keeps is
      // checked.
      entries = Zpl.parse(DIR.resolve("f"), text);
    } catch (CertificateFormatException e) {
      assertTrue(e.getMessage().contains("f"), "the message names the file");
      return;
    }
    assertTrue(entries.size() <= text.split("\n", -1).length, "at most one entry a line");
    for (Zpl.Entry e : entries.values()) {
      assertTrue(e.value() == null || text.contains(e.value()), "a value is text of the file");
    }
  }

  @FuzzTest
  void certificate(byte[] data) throws Exception {
    Path file = DIR.resolve("fuzzed");
    write(file, data);
    CertificateFiles.Content c;
    try {
      c = CertificateFiles.read(file);
    } catch (CertificateFormatException e) {
      return;
    }
    assertTrue(
        c.metadata().values().stream().mapToInt(String::length).sum() <= data.length,
        "metadata no bigger than the file");
    Path again = DIR.resolve("again");
    write(
        again,
        CertificateFiles.text(c.publicKey(), c.keyPair(), c.metadata())
            .getBytes(StandardCharsets.UTF_8));
    CertificateFiles.Content d = CertificateFiles.read(again);
    assertEquals(c.publicKey(), d.publicKey());
    assertEquals(c.metadata(), d.metadata());
    assertEquals(c.keyPair() == null, d.keyPair() == null);
    if (c.keyPair() != null) {
      assertArrayEquals(c.keyPair().secretKey(), d.keyPair().secretKey());
    }
  }

  /** Writes {@code bytes} owner-only (as a secret certificate must be). */
  private static void write(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }

  @Test
  void seeds() {
    CurveKeyPair keys =
        CurveKeyPair.fromSecretKey(
            new byte[] {
              1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32
            });
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("name", "alice");
    metadata.put("quote", "it's \"fine\"");
    String secret =
        CertificateFiles.text(keys.publicKey(), keys, metadata)
            .replaceFirst("Generated on [0-9: -]+", "Generated on 2026-01-01");
    String pub =
        CertificateFiles.text(keys.publicKey(), null, Map.of())
            .replaceFirst("Generated on [0-9: -]+", "Generated on 2026-01-01");
    Map<String, byte[]> certificates = new LinkedHashMap<>();
    certificates.put("secret", secret.getBytes(StandardCharsets.UTF_8));
    certificates.put("public", pub.getBytes(StandardCharsets.UTF_8));
    Map<String, byte[]> zpl = new LinkedHashMap<>();
    zpl.put(
        "nested",
        "# comment\nroot\n    child = 'single'\n    other = bare\n        deep = \"x\"\n"
            .getBytes(StandardCharsets.UTF_8));
    Map<String, byte[]> z85 = new LinkedHashMap<>();
    z85.put("hello", "HelloWorld".getBytes(StandardCharsets.US_ASCII));
    z85.put("key", keys.publicKey().z85().getBytes(StandardCharsets.US_ASCII));
    FuzzSeeds.check(getClass(), Map.of("certificate", certificates, "zpl", zpl, "z85", z85));
  }
}
