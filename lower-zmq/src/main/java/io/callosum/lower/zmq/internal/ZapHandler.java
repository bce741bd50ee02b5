package io.callosum.lower.zmq.internal;

import io.callosum.auth.AuthResult;
import io.callosum.auth.Credential;
import io.callosum.auth.CurvePublicKey;
import io.callosum.auth.ServerAuthenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * The ZAP handler of one ZeroMQ context (RFC 27): a REP socket at {@code inproc://zeromq.zap.01},
 * which must be bound before any CURVE server socket binds (without it, any client knowing the
 * server key gets in). Requests are routed by ZAP domain to the {@link ServerAuthenticator} of the
 * CURVE servers that registered it with the {@link SharedContext}; an unknown domain or a non-CURVE
 * mechanism is refused. An accepted client's user id is answered as a {@link UserTokens} token,
 * which the ROUTER checks on every message. Authenticators run on this handler's thread.
 *
 * <p>If this thread dies abnormally (an {@link Error} escaping its loop), the context's CURVE
 * servers are closed before the REP socket is unbound: while it stays bound, handshakes wait for an
 * answer that never comes, whereas an unbound address would let jeromq skip authentication.
 */
final class ZapHandler extends LoopSocket {
  private static final Logger LOG = LoggerFactory.getLogger(ZapHandler.class);
  static final String ADDRESS = "inproc://zeromq.zap.01";
  private static final byte[] VERSION = "1.0".getBytes(StandardCharsets.US_ASCII);

  private ZMQ.Socket rep;

  /**
   * False once this handler died with CURVE servers it could not close: its REP socket then stays
   * bound.
   */
  private boolean mayUnbind = true;

  private volatile boolean leftBound;

  /**
   * A handler on a loop thread of its own: authenticators may block, and must not hold up any
   * socket.
   */
  ZapHandler(SharedContext shared) throws IOException {
    super(shared, new IoLoop("callosum-zmq-zap"));
  }

  void startAndWait() throws IOException {
    loop.start();
    try {
      openAndWait(30_000, "start the ZAP handler");
    } catch (IOException e) {
      loop.stop();
      throw new IOException("cannot start the ZAP handler: " + e.getMessage(), e);
    }
  }

  /**
   * Closes the REP socket and ends the handler's thread; waits for it unless called on that thread.
   */
  void stop() {
    close();
    loop.stop();
  }

  /** Waits until the handler's thread has ended. */
  void awaitStopped() {
    loop.awaitStopped();
  }

  /** Runs {@code task} on the handler's thread; false if it has ended. */
  boolean post(Runnable task) {
    return loop.post(task);
  }

  @Override
  protected ZMQ.Socket open() throws IOException {
    rep = newSocket(SocketType.REP);
    rep.setLinger(0);
    rep.bind(ADDRESS);
    return rep;
  }

  @Override
  boolean ready() {
    if (!isOpen()) {
      return false;
    }
    boolean answered = false;
    List<byte[]> request;
    while ((request = Frames.receive(rep)) != null) {
      answer(request);
      answered = true;
    }
    return answered;
  }

  private void answer(List<byte[]> request) {
    byte[] requestId = request.size() > 1 ? request.get(1) : Frames.EMPTY;
    AuthResult result = AuthResult.reject();
    String domain = "?";
    if (request.size() >= 7 && Arrays.equals(request.get(0), VERSION)) {
      domain = new String(request.get(2), StandardCharsets.UTF_8);
      String mechanism = new String(request.get(5), StandardCharsets.US_ASCII);
      ServerAuthenticator authenticator = shared.authenticator(domain);
      if (authenticator != null
          && "CURVE".equals(mechanism)
          && request.get(6).length == CurvePublicKey.LENGTH) {
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
    Frames.send(
        rep,
        VERSION,
        requestId,
        (result.success() ? "200" : "400").getBytes(StandardCharsets.US_ASCII),
        (result.success() ? "OK" : "Access denied").getBytes(StandardCharsets.US_ASCII),
        result.success()
            ? shared.tokens().issue(domain, result.userId()).getBytes(StandardCharsets.UTF_8)
            : Frames.EMPTY,
        Frames.EMPTY);
  }

  /** Whether this handler ended with its REP socket still bound (see {@link #loopFailed}). */
  boolean leftBound() {
    return leftBound;
  }

  @Override
  void loopFailed(Throwable cause) {
    mayUnbind = shared.zapDied(this, cause);
  }

  @Override
  protected void closeSockets() {
    if (rep == null) {
      return;
    }
    if (!mayUnbind) {
      LOG.error(
          "ZAP: the REP socket stays bound (unanswered) since a CURVE server of its context could"
              + " not be closed");
      leftBound = true;
      return;
    }
    try {
      // Unbound now, not later by jeromq's reaper, so that a new handler may bind the address at
      // once.
      rep.unbind(ADDRESS);
    } catch (RuntimeException e) {
      LOG.debug("ZAP: unbinding {} failed", ADDRESS, e);
    }
    rep.close();
  }
}
