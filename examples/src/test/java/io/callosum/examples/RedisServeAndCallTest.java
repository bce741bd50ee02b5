package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.redis.testing.RedisServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --bind} and {@code call --connect} take {@code redis://HOST:PORT/STREAM_KEY}
 * addresses like any other, against a real redis-server on a loopback ephemeral port (skipped,
 * saying how to install it, without one).
 */
class RedisServeAndCallTest {
  private static RedisServer redis;

  @BeforeAll
  static void redis() {
    Assumptions.assumeTrue(RedisServer.installed(), RedisServer.INSTALL);
    redis = RedisServer.shared();
  }

  private static ToolRun bounded(String... args) {
    return assertTimeoutPreemptively(ServeRun.WAIT, () -> ToolRun.of(args));
  }

  @Test
  void serveAndCallMeetOnTheStreamsOfAKey() throws Exception {
    String address = redis.freshAddress("cli");
    try (ServeRun server = ServeRun.at(address)) {
      assertEquals(address, server.address);
      ToolRun echo = server.call("echo", "\"hi\"");
      assertEquals(ExitCodes.OK, echo.exit(), echo::toString);
      assertEquals("\"hi\"" + System.lineSeparator(), echo.out(), echo::toString);
      ToolRun add =
          bounded("call", "--connect", address + "?group=cli", "add", "{\"a\":2,\"b\":3}");
      assertEquals("{\"result\":5}" + System.lineSeparator(), add.out(), add::toString);
    }
  }

  @Test
  void anAddressWithoutStreamKeyIsAUsageError() {
    ToolRun noKey = bounded("call", "--connect", "redis://127.0.0.1:" + redis.port(), "echo", "1");
    assertEquals(ExitCodes.USAGE, noKey.exit(), noKey::toString);
    assertTrue(noKey.err().contains("no stream key"), noKey::toString);
  }
}
