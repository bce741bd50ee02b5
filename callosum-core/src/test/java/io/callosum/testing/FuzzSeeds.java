package io.callosum.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The seed inputs of a module's fuzz targets, made from real messages by code, and the files Jazzer
 * replays them from ({@code src/test/resources/<package>/<Class>Inputs/<method>/seed-<name>};
 * docs/FUZZING.md). {@link #check} fails when a file is missing or differs, naming the command that
 * writes them again ({@code -Dfuzz.seeds=write}); findings and corpus entries kept beside the seeds
 * are not touched.
 */
public final class FuzzSeeds {
  /**
   * The system property that makes {@link #check} write the seed files instead of comparing them.
   */
  public static final String WRITE = "fuzz.seeds";

  private FuzzSeeds() {}

  /**
   * Compares (or, with {@code -Dfuzz.seeds=write}, writes) the seeds of {@code target}'s methods:
   * {@code seeds} maps a method name to its seeds by name.
   */
  public static void check(Class<?> target, Map<String, Map<String, byte[]>> seeds) {
    Path base =
        Path.of("src", "test", "resources")
            .resolve(target.getPackageName().replace('.', '/'))
            .resolve(target.getSimpleName() + "Inputs");
    boolean write = "write".equals(System.getProperty(WRITE));
    List<String> stale = new ArrayList<>();
    try {
      for (Map.Entry<String, Map<String, byte[]>> method : seeds.entrySet()) {
        Path dir = base.resolve(method.getKey());
        for (Map.Entry<String, byte[]> seed : method.getValue().entrySet()) {
          Path file = dir.resolve("seed-" + seed.getKey());
          if (write) {
            Files.createDirectories(dir);
            Files.write(file, seed.getValue());
          } else if (!Files.exists(file)
              || !Arrays.equals(Files.readAllBytes(file), seed.getValue())) {
            stale.add(file.toString());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!stale.isEmpty()) {
      throw new AssertionError(
          "fuzz seeds missing or out of date: "
              + stale
              + "; write them with mvn -pl <module> -am test -Dtest="
              + target.getSimpleName()
              + "#seeds -Dfuzz.seeds=write -Dsurefire.failIfNoSpecifiedTests=false");
    }
  }
}
