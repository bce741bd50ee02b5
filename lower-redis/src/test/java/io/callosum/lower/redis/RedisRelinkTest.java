package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connecting peer whose link ends (its bound peer's bye, a lost connection) makes the group of
 * its own stream again before it looks for a bound peer; when Redis refuses that, it says so at
 * WARN (the failure was logged at DEBUG only). A Redis server of its own, with an ACL user for the
 * client.
 */
class RedisRelinkTest {
  @RegisterExtension final Closer closer = new Closer();
  private final RedisTransport transport = new RedisTransport(RedisTests.options());

  @BeforeAll
  static void logs() {
    LogLines.install();
  }

  @Test
  public void aGroupThatCannotBeMadeAgainAfterAByeIsLoggedAtWarn() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    redis.command("ACL", "SETUSER", "client", "on", ">pw", "~*", "&*", "+@all");
    String key = "relink";
    BoundPeer server =
        closer.later(Peer.builder().transport(transport).bind(redis.address(key)).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(transport)
                .connect("redis://client:pw@127.0.0.1:" + redis.port() + "/" + key)
                .build());
    client.start();
    assertEquals("hi", client.invokeAndWait("echo", "hi"));

    // from now on the client may not make groups; the server's close says bye to it
    redis.command("ACL", "SETUSER", "client", "-xgroup|create");
    long mark = LogLines.mark();
    server.close();

    Await.until(
        "the failure logged at WARN",
        () -> warnings(mark).size() == 1,
        () -> LogLines.since(mark, l -> true).toString());
    String line = warnings(mark).get(0);
    assertTrue(line.contains("group callosum on " + key + ".conn."), line);
    assertTrue(line.contains("NOPERM"), line);
  }

  private static List<String> warnings(long mark) {
    return LogLines.since(mark, l -> l.contains(" WARN ") && l.contains("XGROUP CREATE"));
  }
}
