package io.callosum.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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

  /**
   * A one-thread daemon executor for background work of a test, shut down after the test. Create it
   * before opening sockets: closed last, it outlives what its tasks may be blocked on.
   */
  public ExecutorService executor(String threadName) {
    ExecutorService e =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    later(
        () -> {
          e.shutdownNow();
          if (!e.awaitTermination(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(threadName + " did not stop within " + Await.LIMIT);
          }
        });
    return e;
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
