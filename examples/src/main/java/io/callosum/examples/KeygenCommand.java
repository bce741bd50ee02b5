package io.callosum.examples;

import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code callosum keygen}: makes a Curve25519 key pair and writes it as the two ZeroMQ certificate
 * files that pyzmq's {@code zmq.auth.create_certificates} writes, printing the public key.
 */
@Command(
    name = "keygen",
    header = "Make a key pair for encrypted connections and write its certificate files.",
    description = {
      "Makes a Curve25519 key pair and writes DIR/NAME"
          + CurveCertificate.PUBLIC_SUFFIX
          + " (the public"
          + " certificate, to hand out) and DIR/NAME"
          + CurveCertificate.SECRET_SUFFIX
          + " (the secret"
          + " certificate, readable by its owner only), in the ZeroMQ format that pyzmq's"
          + " zmq.auth.create_certificates writes and Python Callosum deployments use.",
      "",
      "Prints the public key (40 characters of Z85) as the only line on stdout, and the paths of"
          + " the two files on stderr. A server lets a client in when it holds the client's public"
          + " certificate; a client needs the server's public certificate and its own secret one."
    },
    exitCodeList = {
      ExitCodes.OK + ":the files were written; the public key is on stdout",
      ExitCodes.FAILED
          + ":a file of that name exists (use --force), or the files could not be written",
      ExitCodes.USAGE_HELP,
      ExitCodes.UNEXPECTED_HELP
    })
final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description =
          "The name of the key pair, a plain file name: the files are NAME.key and"
              + " NAME.key_secret.")
  String name;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Where to write the files; created if missing. Default: the current directory.")
  Path directory = Path.of("");

  @Option(
      names = {"-f", "--force"},
      description = "Replace existing files of that name.")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (CurveKeyPair pair = CurveKeyPair.generate()) {
      CurveCertificate.create(directory, name, pair, force);
      out.println(pair.publicKey().z85());
      err.println(
          "public certificate: " + directory.resolve(name + CurveCertificate.PUBLIC_SUFFIX));
      err.println(
          "secret certificate: " + directory.resolve(name + CurveCertificate.SECRET_SUFFIX));
      return ExitCodes.OK;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "NAME: " + e.getMessage(), e);
    } catch (FileAlreadyExistsException e) {
      err.println("callosum: " + e.getFile() + " exists; use --force to replace it");
      return ExitCodes.FAILED;
    } catch (IOException e) {
      err.println(
          "callosum: cannot write the certificates in " + directory.toAbsolutePath() + ": " + e);
      return ExitCodes.FAILED;
    } finally {
      out.flush();
      err.flush();
    }
  }
}
