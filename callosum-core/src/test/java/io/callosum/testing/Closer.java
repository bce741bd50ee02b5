package io.callosum.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a test opened, newest first, after each test: {@code @RegisterExtension final Closer
 * closer = new Closer();} then {@code closer.later(peer)}.
 */
public final class Closer implements AfterEachCallback {
  private final List<AutoCloseable> open = new ArrayList<>();

  /** Registers {@code c} to be closed after the test, and returns it. */
  public synchronized <T extends AutoCloseable> T later(T c) {
    open.add(c);
    return c;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    List<AutoCloseable> closing;
    synchronized (this) {
      closing = new ArrayList<>(open);
      open.clear();
    }
    Collections.reverse(closing);
    Exception first = null;
    for (AutoCloseable c : closing) {
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
