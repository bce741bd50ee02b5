package io.callosum.inproc;

/**
 * For tests, also those of other modules (this class ships in the core's test-jar): what the
 * in-process lower holds in its tables — bound names, their links, broadcast and pipeline
 * endpoints. 0 once everything in-process has closed. It lives in the lower's package to read them.
 */
public final class InProcessEntries {
  private InProcessEntries() {}

  /** The entries the in-process lower holds now, in this JVM. */
  public static int count() {
    return InProcessTransport.entries();
  }
}
