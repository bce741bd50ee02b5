package io.callosum.lower.zmq.internal;

import io.callosum.auth.AuthResult;
import io.callosum.auth.Credential;
import io.callosum.auth.CurvePublicKey;
import io.callosum.auth.ServerAuthenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * The ZAP handler of one ZeroMQ context (RFC 27): a REP socket at {@code
 * inproc://zeromq.zap.01}, which must be bound before any CURVE server socket binds (without it,
 * any client knowing the server key gets in). Requests are routed by ZAP domain to the {@link
 * ServerAuthenticator} of the endpoint that set it; an unknown domain or a non-CURVE mechanism is
 * refused. Authenticators run on this handler's thread.
 */
final class ZapHandler extends Loop {
  private static final Logger LOG = LoggerFactory.getLogger(ZapHandler.class);
  static final String ADDRESS = "inproc://zeromq.zap.01";
  private static final byte[] VERSION = "1.0".getBytes(StandardCharsets.US_ASCII);

  /** An authenticator and how many endpoints of the transport use its domain. */
  private record Registration(ServerAuthenticator authenticator, int users) {}

  private final Map<String, Registration> domains = new ConcurrentHashMap<>();
  private ZMQ.Socket rep;
  private int repIndex;

  ZapHandler(SharedContext shared) throws IOException {
    super(shared, "callosum-zmq-zap");
  }

  void startAndWait() throws IOException {
    startThread();
    try {
      opened.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      stop();
      throw new IOException("cannot start the ZAP handler: " + e.getMessage(), e);
    }
  }

  void register(String domain, ServerAuthenticator authenticator) throws IOException {
    synchronized (domains) {
      Registration r = domains.get(domain);
      if (r != null && r.authenticator != authenticator) {
        throw new IOException("ZAP domain '" + domain + "' is already served by another authenticator on this transport");
      }
      domains.put(domain, new Registration(authenticator, r == null ? 1 : r.users + 1));
    }
  }

  /** Drops one use of {@code domain}; true when no domain is left. */
  boolean unregister(String domain) {
    synchronized (domains) {
      Registration r = domains.get(domain);
      if (r != null) {
        if (r.users <= 1) {
          domains.remove(domain);
        } else {
          domains.put(domain, new Registration(r.authenticator, r.users - 1));
        }
      }
      return domains.isEmpty();
    }
  }

  @Override
  protected void open(ZMQ.Poller poller) {
    rep = context.socket(SocketType.REP);
    rep.setLinger(0);
    rep.bind(ADDRESS);
    repIndex = poller.register(rep, ZMQ.Poller.POLLIN);
  }

  @Override
  protected void pollIn(ZMQ.Poller poller) {
    if (!poller.pollin(repIndex)) {
      return;
    }
    List<byte[]> request;
    while ((request = Frames.receive(rep)) != null) {
      answer(request);
    }
  }

  private void answer(List<byte[]> request) {
    byte[] requestId = request.size() > 1 ? request.get(1) : Frames.EMPTY;
    AuthResult result = AuthResult.reject();
    String domain = "?";
    if (request.size() >= 7 && java.util.Arrays.equals(request.get(0), VERSION)) {
      domain = new String(request.get(2), StandardCharsets.UTF_8);
      String mechanism = new String(request.get(5), StandardCharsets.US_ASCII);
      Registration registration = domains.get(domain);
      ServerAuthenticator authenticator = registration == null ? null : registration.authenticator();
      if (authenticator != null && "CURVE".equals(mechanism) && request.get(6).length == CurvePublicKey.LENGTH) {
        CurvePublicKey key = CurvePublicKey.of(request.get(6));
        try {
          result = authenticator.checkClient(new Credential(domain, key));
          if (result == null || (result.success() && result.userId() == null)) {
            throw new IllegalStateException("the authenticator returned " + result);
          }
        } catch (Throwable e) {
          // Whatever it does, the REP socket must answer, or every later handshake would hang.
          LOG.warn("ZAP: the authenticator of domain '{}' failed for {}; rejected", domain, key, e);
          result = AuthResult.reject();
        }
        if (result.success()) {
          LOG.debug("ZAP: accepted {} in domain '{}' as '{}'", key, domain, result.userId());
        } else {
          LOG.warn("ZAP: rejected client key {} in domain '{}'", key, domain);
        }
      } else {
        LOG.warn("ZAP: rejected a {} request for domain '{}'", mechanism, domain);
      }
    }
    Frames.send(rep, VERSION, requestId,
        (result.success() ? "200" : "400").getBytes(StandardCharsets.US_ASCII),
        (result.success() ? "OK" : "Access denied").getBytes(StandardCharsets.US_ASCII),
        result.success() ? result.userId().getBytes(StandardCharsets.UTF_8) : Frames.EMPTY,
        Frames.EMPTY);
  }

  @Override
  protected void tick(long nowMillis) {}

  @Override
  protected long tickMillis() {
    return 1000;
  }

  @Override
  protected void closeSockets() {
    if (rep != null) {
      rep.close();
    }
  }
}
