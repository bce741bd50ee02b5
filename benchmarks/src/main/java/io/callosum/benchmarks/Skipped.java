package io.callosum.benchmarks;

/** A contender that cannot run on this machine; the message says what to install. */
final class Skipped extends Exception {
  private static final long serialVersionUID = 1L;

  Skipped(String message) {
    super(message);
  }
}
