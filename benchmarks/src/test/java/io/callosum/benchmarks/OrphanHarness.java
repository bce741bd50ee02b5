package io.callosum.benchmarks;

import java.util.List;

/**
 * Not a test: a harness stand-in for {@link ChildJvmTest} that starts one worker, prints {@code
 * WORKER <pid>} and waits to be killed, so that the test can check the worker does not outlive it.
 */
public final class OrphanHarness {
  private OrphanHarness() {}

  public static void main(String[] args) throws Exception {
    ChildJvm worker =
        ChildJvm.open("orphan", ChildJvm.Spec.DEFAULT, Role.RAW_ECHO, List.of("4096"));
    System.out.println("WORKER " + worker.pid().getAsLong());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
