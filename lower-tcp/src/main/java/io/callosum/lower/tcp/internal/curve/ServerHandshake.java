package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Command.COOKIE_NONCE;
import static io.callosum.lower.tcp.internal.curve.Command.HELLO_LENGTH;
import static io.callosum.lower.tcp.internal.curve.Command.HELLO_NONCE;
import static io.callosum.lower.tcp.internal.curve.Command.INITIATE_MIN;
import static io.callosum.lower.tcp.internal.curve.Command.INITIATE_NONCE;
import static io.callosum.lower.tcp.internal.curve.Command.READY_MIN;
import static io.callosum.lower.tcp.internal.curve.Command.READY_NONCE;
import static io.callosum.lower.tcp.internal.curve.Command.VOUCH_NONCE;
import static io.callosum.lower.tcp.internal.curve.Command.WELCOME_LENGTH;
import static io.callosum.lower.tcp.internal.curve.Command.WELCOME_NONCE;
import static io.callosum.lower.tcp.internal.curve.Command.authentication;
import static io.callosum.lower.tcp.internal.curve.Command.fullNonce;
import static io.callosum.lower.tcp.internal.curve.Command.protocol;

import io.callosum.auth.AuthResult;
import io.callosum.auth.Credential;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.tcp.internal.SecurityFailure;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.Pack;

/**
 * The server's half of the CurveZMQ handshake (RFC 26): HELLO opened with the server's secret key
 * and answered by WELCOME, which carries the short-term secret s' only inside a cookie that this
 * connection's cookie key seals; then INITIATE, whose cookie gives s' back and whose vouch proves
 * that the client holds the long-term key it presents; then the authenticator's decision on that
 * key ({@link Admission}), and READY. The cheap checks of {@link #screen} come first, on the
 * transport's I/O thread.
 *
 * <p>Threads: {@link #screen} on the I/O thread, touching nothing else here; {@link Admission#ask}
 * on an authenticator thread without a lock; the rest one thread at a time.
 */
final class ServerHandshake extends Handshake {
  // The server's AUTHENTICATION messages: what the client is told, in the clear, in an ERROR
  // command. They name no key (a passive observer must not learn the client's long-term key, nor
  // anyone the server's); the log names them.
  static final String WRONG_SERVER_KEY =
      "the client's HELLO does not open with this server's secret key: the client expects another"
          + " server public key";
  static final String UNPROVEN_CLIENT_KEY =
      "the client does not prove that it holds the secret key it presents";
  static final String MISDIRECTED_VOUCH =
      "the client's vouch was made for another connection or server";
  static final String CLIENT_KEY_REFUSED = "this server does not accept the client's key";

  private final ServerAuthenticator authenticator;
  private final String domain;

  /** The handshake commands {@link #screen} has let through (HELLO, then INITIATE). I/O thread. */
  private int screened;

  /** The key of this connection's cookie, from WELCOME until INITIATE. */
  byte[] cookieKey;

  /** Once the authenticator accepted it: the client's long-term public key, and its user id. */
  CurvePublicKey clientKey;

  String userId;

  /**
   * @param domain {@code authenticator}'s domain, which the caller has read (and checked) already
   */
  ServerHandshake(
      ServerAuthenticator authenticator,
      CurveKeyPair pair,
      String domain,
      Map<String, byte[]> metadata,
      SecureRandom random) {
    super(true, pair.publicKey(), pair, metadata, random);
    this.authenticator = authenticator;
    this.domain = domain;
  }

  /**
   * The cheap checks of a handshake command before any key agreement: the first command must be a
   * HELLO of 200 bytes asking for version 1.0, the second an INITIATE of a possible length, and
   * there is no third.
   */
  void screen(byte[] frame) throws SecurityFailure {
    switch (screened++) {
      case 0 -> checkHello(frame);
      case 1 ->
          Command.expect(frame, Command.INITIATE, INITIATE_MIN, INITIATE_MIN + Metadata.MAX_LENGTH);
      default ->
          throw protocol(
              "got "
                  + Command.describe(frame)
                  + " after INITIATE: a CurveZMQ client sends two commands");
    }
  }

  /** Opens HELLO's signature box with the server's secret key and answers WELCOME. */
  byte[] hello(byte[] frame) throws SecurityFailure {
    checkHello(frame);
    clientShortKey = Arrays.copyOfRange(frame, 80, 80 + KEY);
    session.accepted(Pack.bigEndianToLong(frame, 112));
    byte[] secret = keyPair.secretKey();
    byte[] key = new byte[KEY];
    byte[] shortSecret = new byte[KEY];
    byte[] cookie = new byte[2 * KEY];
    byte[] welcomePlain = new byte[128];
    try {
      if (!NaclBox.beforenm(clientShortKey, secret, key)) {
        throw protocol("HELLO carries a low-order short-term key");
      }
      byte[] signature = new byte[64];
      if (!NaclBox.open(key, fullNonce(HELLO_NONCE, frame, 112), frame, 120, 80, signature, 0)) {
        // Debug only: anyone can send such a HELLO, before proving anything.
        log.debug(
            "CURVE: a client's HELLO does not open with the secret key of {}: it expects another"
                + " server key",
            serverKey);
        throw authentication(WRONG_SERVER_KEY);
      }
      if (!allZero(signature)) {
        throw protocol("HELLO's signature box does not hold 64 zero bytes");
      }
      // WELCOME = Box[S' + cookie](S -> C'), cookie = nonce + Box[C' + s'](cookie key).
      X25519.generatePrivateKey(random, shortSecret);
      X25519.generatePublicKey(shortSecret, 0, welcomePlain, 0);
      System.arraycopy(clientShortKey, 0, cookie, 0, KEY);
      System.arraycopy(shortSecret, 0, cookie, KEY, KEY);
      cookieKey = randomBytes(KEY);
      byte[] cookieNonce = fullNonce(COOKIE_NONCE, randomBytes(16), 0);
      System.arraycopy(cookieNonce, COOKIE_NONCE.length, welcomePlain, KEY, 16);
      NaclBox.seal(cookieKey, cookieNonce, cookie, 0, cookie.length, welcomePlain, 48);
      byte[] welcomeNonce = fullNonce(WELCOME_NONCE, randomBytes(16), 0);
      byte[] welcome = Command.frame(Command.WELCOME, WELCOME_LENGTH);
      System.arraycopy(welcomeNonce, WELCOME_NONCE.length, welcome, 8, 16);
      NaclBox.seal(key, welcomeNonce, welcomePlain, 0, welcomePlain.length, welcome, 24);
      return welcome;
    } finally {
      wipe(secret, key, shortSecret, cookie, welcomePlain);
    }
  }

  /** A HELLO's name, length and version: everything about it that costs no cryptography. */
  private static void checkHello(byte[] frame) throws SecurityFailure {
    Command.expect(frame, Command.HELLO, HELLO_LENGTH, HELLO_LENGTH);
    if (frame[6] != 1 || frame[7] != 0) {
      throw protocol(
          "HELLO asks for CurveZMQ " + frame[6] + "." + frame[7] + "; this side speaks 1.0");
    }
  }

  /**
   * Checks the cookie, opens INITIATE and checks the vouch; the admission decision that follows is
   * left to make.
   */
  Admission initiate(byte[] frame) throws SecurityFailure {
    Command.expect(frame, Command.INITIATE, INITIATE_MIN, INITIATE_MIN + Metadata.MAX_LENGTH);
    byte[] cookie = new byte[2 * KEY];
    byte[] vouchKey = new byte[KEY];
    byte[] sessionKey = session.key();
    try {
      boolean issuedHere =
          NaclBox.open(cookieKey, fullNonce(COOKIE_NONCE, frame, 9), frame, 25, 80, cookie, 0);
      wipe(cookieKey);
      if (!issuedHere) {
        throw protocol("INITIATE's cookie was not issued by this connection's WELCOME");
      }
      // Unreachable while the cookie key is per connection (only this HELLO's C' was ever sealed
      // with it); kept so that a cookie key shared across connections, as RFC 26's stateless
      // server has, stays safe.
      if (!Arrays.equals(cookie, 0, KEY, clientShortKey, 0, KEY)) {
        throw protocol("INITIATE's cookie was issued to another short-term key than HELLO's");
      }
      long nonce = Pack.bigEndianToLong(frame, 105);
      long helloNonce = session.remoteNonce();
      if (Long.compareUnsigned(nonce, helloNonce) <= 0) {
        throw protocol(
            "INITIATE's nonce "
                + Long.toUnsignedString(nonce)
                + " is not above HELLO's "
                + Long.toUnsignedString(helloNonce));
      }
      // s' comes back from the cookie, as RFC 26 intends; HELLO already refused a low-order C'.
      byte[] shortSecret = Arrays.copyOfRange(cookie, KEY, 2 * KEY);
      NaclBox.beforenm(clientShortKey, shortSecret, sessionKey);
      byte[] plain = new byte[frame.length - 113 - TAG];
      if (!NaclBox.open(
          sessionKey,
          fullNonce(INITIATE_NONCE, frame, 105),
          frame,
          113,
          frame.length - 113,
          plain,
          0)) {
        wipe(shortSecret);
        throw protocol("INITIATE's box does not open with this connection's short-term keys");
      }
      session.accepted(nonce);
      CurvePublicKey client = CurvePublicKey.of(Arrays.copyOfRange(plain, 0, KEY));
      // The vouch = Box[C' + S](C -> S') proves that the holder of C made this connection to this
      // server.
      byte[] vouch = new byte[2 * KEY];
      boolean vouched =
          NaclBox.beforenm(client.bytes(), shortSecret, vouchKey)
              && NaclBox.open(vouchKey, fullNonce(VOUCH_NONCE, plain, 32), plain, 48, 80, vouch, 0);
      wipe(shortSecret);
      if (!vouched) {
        log.info(
            "CURVE: refused a client that does not prove it holds the secret key of {}", client);
        throw authentication(UNPROVEN_CLIENT_KEY);
      }
      if (!Arrays.equals(vouch, 0, KEY, clientShortKey, 0, KEY)
          || !Arrays.equals(vouch, KEY, 2 * KEY, serverKey.bytes(), 0, KEY)) {
        log.info(
            "CURVE: refused client key {}: its vouch names another connection or server", client);
        throw authentication(MISDIRECTED_VOUCH);
      }
      remoteMetadata = Metadata.decode(plain, 128, plain.length - 128, "INITIATE");
      return new Admission(client);
    } finally {
      wipe(cookie, vouchKey);
    }
  }

  /**
   * The authenticator's decision on a client that has proved its key: {@link #ask} calls it (any
   * thread, no secret touched), {@link #ready} answers READY or refuses with an ERROR command, the
   * only failure a client is told of (RFC 26: an ERROR follows a refusal by the ZAP handler).
   * {@link CurveSecurity} hands it to the transport as the step's {@link
   * io.callosum.lower.tcp.internal.ConnectionSecurity.Decision Decision}.
   */
  final class Admission {
    private final CurvePublicKey client;
    private volatile AuthResult result;
    private volatile RuntimeException failure;

    Admission(CurvePublicKey client) {
      this.client = client;
    }

    void ask() {
      try {
        result = authenticator.checkClient(new Credential(domain, client));
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    /** Once asked: READY, or the refusal with the ERROR command for the client. */
    byte[] ready() throws SecurityFailure {
      AuthResult answer = result;
      if (failure != null || answer == null || !answer.success()) {
        if (failure != null) {
          log.warn(
              "CURVE: refused client key {} in domain '{}': the authenticator failed",
              client,
              domain,
              failure);
        } else {
          log.info("CURVE: the authenticator refused client key {} in domain '{}'", client, domain);
        }
        SecurityFailure f =
            new SecurityFailure(
                SecurityFailure.Kind.AUTHENTICATION,
                CLIENT_KEY_REFUSED,
                ErrorCommand.encode(CLIENT_KEY_REFUSED));
        if (failure != null) {
          f.initCause(failure);
        }
        throw f;
      }
      clientKey = client;
      userId = answer.userId();
      byte[] ready = Command.frame(Command.READY, READY_MIN + localMetadata.length);
      Pack.longToBigEndian(session.takeNonce(), ready, 6);
      NaclBox.seal(
          session.key(),
          fullNonce(READY_NONCE, ready, 6),
          localMetadata,
          0,
          localMetadata.length,
          ready,
          14);
      log.debug("CURVE handshake complete: client key {} accepted as user '{}'", client, userId);
      return ready;
    }
  }

  @Override
  void wipeSecrets() {
    wipe(cookieKey);
  }

  private static boolean allZero(byte[] bytes) {
    int or = 0;
    for (byte b : bytes) {
      or |= b;
    }
    return or == 0;
  }
}
