package io.callosum.lower.redis.internal;

import io.lettuce.core.RedisCommandTimeoutException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Says why a connection to Redis could not be made, in words that point at the fix: Lettuce's
 * exception chain names the TLS failure or the reset only deep inside ("PKIX path building failed",
 * "Connection reset"), and not that a certificate is untrusted or that the port speaks the other
 * protocol. Stateless.
 */
final class ConnectFailure {
  private static final String HANDSHAKE_HANDLER_GONE = "RedisHandshakeHandler not registered";

  private ConnectFailure() {}

  /** The {@link IOException} for a connect to {@code address} that failed with {@code e}. */
  static IOException explain(RedisAddress address, Duration timeout, Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    StringBuilder why = new StringBuilder();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
      String m = t.getMessage();
      if (m != null && why.indexOf(m) < 0) {
        why.append(why.length() == 0 ? "" : ": ").append(m); // e.g. NOAUTH, WRONGPASS
      }
    }
    String hint = hint(address, timeout, chain);
    return new IOException(
        "cannot reach Redis at "
            + address.hostPort()
            + (hint.isEmpty() ? "" : " (" + hint + ")")
            + ": "
            + why,
        e);
  }

  private static String hint(RedisAddress address, Duration timeout, List<Throwable> chain) {
    boolean timedOut =
        any(chain, SslHandshakeTimeoutException.class)
            || any(chain, RedisCommandTimeoutException.class);
    if (timedOut) {
      return (address.tls() ? "no TLS handshake or no answer" : "no answer")
          + " within "
          + timeout.toMillis()
          + " ms"
          + (address.tls() ? ": is " + address.hostPort() + " a TLS port?" : "");
    }
    if (any(chain, CertificateException.class)
        || any(chain, CertPathBuilderException.class)
        || any(chain, CertPathValidatorException.class)) {
      return "TLS: the server's certificate is not trusted, or does not name "
          + address.host()
          + "; RedisOptions.trustedCertificates names the certificates to trust";
    }
    if (any(chain, SSLException.class)) {
      return "the TLS handshake failed: is " + address.hostPort() + " a TLS port?";
    }
    boolean closed =
        any(chain, ClosedChannelException.class)
            || (any(chain, SocketException.class) && !any(chain, ConnectException.class))
            || chain.stream().anyMatch(ConnectFailure::saysClosed);
    if (!address.tls() && closed) {
      return "Redis closed the connection unanswered: a port that speaks TLS only needs rediss://";
    }
    return "";
  }

  /**
   * Whether {@code t} reports the connection closed. Lettuce says so in words, or — when the server
   * closed the channel before Lettuce looked for its handshake handler, which the close removed
   * from the pipeline — as "RedisHandshakeHandler not registered".
   */
  private static boolean saysClosed(Throwable t) {
    String m = String.valueOf(t.getMessage());
    return m.contains("closed")
        || (t instanceof IllegalStateException && m.contains(HANDSHAKE_HANDLER_GONE));
  }

  private static boolean any(List<Throwable> chain, Class<? extends Throwable> type) {
    return chain.stream().anyMatch(type::isInstance);
  }
}
