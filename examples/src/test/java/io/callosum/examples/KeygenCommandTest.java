package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code callosum keygen}: the certificate files it writes and what it prints. */
class KeygenCommandTest {
  private static final String NL = System.lineSeparator();

  @TempDir Path dir;

  @Test
  void writesBothCertificatesAndPrintsOnlyThePublicKey() throws IOException {
    Path keys = dir.resolve("keys");
    ToolRun run = ToolRun.of("keygen", "server", "--dir", keys.toString()).assertExit(ExitCodes.OK);
    String publicKey = run.out().strip();
    assertEquals(publicKey + NL, run.out(), run::toString);
    assertEquals(CurvePublicKey.Z85_LENGTH, publicKey.length(), run::toString);
    assertEquals(
        "public certificate: "
            + keys.resolve("server.key")
            + NL
            + "secret certificate: "
            + keys.resolve("server.key_secret")
            + NL,
        run.err());

    assertEquals(publicKey, CurveCertificate.read(keys.resolve("server.key")).publicKey().z85());
    CurveKeyPair pair =
        CurveCertificate.read(keys.resolve("server.key_secret")).keyPair().orElseThrow();
    assertEquals(publicKey, pair.publicKey().z85());
  }

  @Test
  void refusesToOverwriteWithoutForce() throws IOException {
    String first =
        ToolRun.of("keygen", "client", "--dir", dir.toString()).assertExit(ExitCodes.OK).out();
    Path secret = dir.resolve("client.key_secret");
    String secretText = Files.readString(secret);

    ToolRun again =
        ToolRun.of("keygen", "client", "--dir", dir.toString())
            .assertExit(
                ExitCodes.FAILED, dir.resolve("client.key") + " exists; use --force to replace it");
    assertEquals("", again.out(), again::toString);
    assertEquals(secretText, Files.readString(secret));

    String second =
        ToolRun.of("keygen", "--force", "client", "--dir", dir.toString())
            .assertExit(ExitCodes.OK)
            .out();
    assertNotEquals(first, second);
    assertEquals(second.strip(), CurveCertificate.read(secret).publicKey().z85());
  }

  @Test
  void aNameWithAPathIsAUsageError() {
    ToolRun run =
        ToolRun.of("keygen", "../x", "--dir", dir.toString())
            .assertExit(
                ExitCodes.USAGE,
                "NAME: '../x' is not a plain file name",
                "--help' for more information.");
    assertEquals("", run.out(), run::toString);
  }

  @Test
  void anUnwritableDirectoryFails() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "");
    ToolRun.of("keygen", "k", "--dir", file.toString())
        .assertExit(
            ExitCodes.FAILED,
            "callosum: cannot write the certificates in "
                + file
                + ": java.nio.file.NotDirectoryException");
    assertTrue(Files.isRegularFile(file));
  }
}
