package io.callosum.lower.redis.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisConnectionException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The hints a failed connect gets, for the exception chains Lettuce builds; the end-to-end cases (a
 * real Redis on a TLS port, an untrusted certificate) are in RedisTlsTest, where which of Lettuce's
 * chains arrives depends on timing.
 */
class ConnectFailureTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private static String explain(String address, Throwable cause) {
    IOException e =
        ConnectFailure.explain(
            RedisAddress.parse(URI.create(address)),
            TIMEOUT,
            new RedisConnectionException("Unable to connect to 127.0.0.1:6380", cause));
    return e.getMessage();
  }

  /**
   * A TLS-only Redis closes a plain connection at once; when the close beats Lettuce's look for its
   * handshake handler, Lettuce names the missing handler instead of the close.
   */
  @Test
  public void aCloseBeforeLettucesHandshakeIsAPlainConnectionToATlsPort() {
    String message =
        explain(
            "redis://127.0.0.1:6380/k",
            new IllegalStateException("RedisHandshakeHandler not registered"));
    assertTrue(message.contains("needs rediss://"), message);
    assertTrue(message.contains("RedisHandshakeHandler not registered"), message);
  }

  @Test
  public void aCloseInWordsIsOneToo() {
    String message =
        explain("redis://127.0.0.1:6380/k", new IOException("Connection closed prematurely"));
    assertTrue(message.contains("needs rediss://"), message);
  }

  @Test
  public void anUnrelatedIllegalStateGetsNoHint() {
    String message =
        explain("redis://127.0.0.1:6380/k", new IllegalStateException("something else"));
    assertFalse(message.contains("rediss://"), message);
    assertTrue(message.startsWith("cannot reach Redis at 127.0.0.1:6380: "), message);
  }
}
