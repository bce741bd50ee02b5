package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Command.authentication;
import static io.callosum.lower.tcp.internal.curve.Command.protocol;

import io.callosum.auth.AuthResult;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.Credential;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.SecurityFailure;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.Pack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CurveZMQ (RFC 26) on one TCP connection, with its commands encoded as in ZMTP 3 (RFC 23/37): the
 * client sends HELLO, the server answers WELCOME, the client INITIATE, the server READY; then every
 * frame travels as a MESSAGE box. Byte for byte the commands of libzmq and jeromq, so their CURVE
 * peers can check this class (the tests do). {@code lower-tcp/CURVE.md} describes the handshake as
 * used here.
 *
 * <p>Made by {@link #client(ClientAuthenticator)} or {@link #server(ServerAuthenticator)}, one per
 * connection. The server asks its {@link ServerAuthenticator} about the client's long-term key once
 * INITIATE has proved that the client holds it; a refusal, and a client that fails to prove its
 * key, throw {@link SecurityFailure.Kind#AUTHENTICATION}. So does a client whose server does not
 * prove it holds the expected key, or that receives an {@link ErrorCommand}. Only the
 * authenticator's refusal carries an ERROR command as its {@link SecurityFailure#reply()}, which
 * the transport sends before it closes (RFC 26: an ERROR follows a refusal by the ZAP handler); its
 * message names no key, as the ERROR command travels in the clear, and the server logs the (public)
 * key instead. Every other failure closes without a word. Any malformed, misplaced, forged,
 * replayed or reordered command throws {@link SecurityFailure.Kind#PROTOCOL}. After a failure the
 * object refuses everything.
 *
 * <p><b>Threads.</b> One thread at a time during the handshake, except {@link #screen} (the
 * server's cheap checks, on the transport's I/O thread) and a {@link Decision}'s {@code ask} (the
 * authenticator call, which the transport makes on its own thread without a lock; {@link
 * #handshakeStep} leaves it to the transport, {@link #receive} makes it itself). Once {@link
 * #established()}, {@link #seal} and {@link #open} use separate nonce counters, so one sealing
 * thread and one opening thread may work at once.
 *
 * <p><b>Secrets.</b> Long-term secret keys are copied out of their {@link CurveKeyPair} only for
 * the step that needs them and overwritten right after; short-term secrets and the cookie key are
 * overwritten as soon as the handshake has used them or failed; what remains is the session's box
 * key, which {@link #destroy()} overwrites (the transport calls it once the connection has ended).
 * No secret reaches a message, a log line or {@link #toString()}.
 */
public final class CurveSecurity implements ConnectionSecurity, Destroyable {
  private static final Logger log = LoggerFactory.getLogger(CurveSecurity.class);

  static final int HELLO_LENGTH = 200;
  static final int WELCOME_LENGTH = 168;

  /** INITIATE with no metadata: name, cookie, short nonce, box of client key and vouch. */
  static final int INITIATE_MIN = 257;

  /** READY with no metadata: name, short nonce, box. */
  static final int READY_MIN = 30;

  /** MESSAGE of an empty frame: name, short nonce, box of the flags byte. */
  static final int MESSAGE_MIN = 33;

  static final byte[] HELLO_NONCE = ascii("CurveZMQHELLO---");
  static final byte[] WELCOME_NONCE = ascii("WELCOME-");
  static final byte[] COOKIE_NONCE = ascii("COOKIE--");
  static final byte[] INITIATE_NONCE = ascii("CurveZMQINITIATE");
  static final byte[] VOUCH_NONCE = ascii("VOUCH---");
  static final byte[] READY_NONCE = ascii("CurveZMQREADY---");
  static final byte[] CLIENT_MESSAGE_NONCE = ascii("CurveZMQMESSAGEC");
  static final byte[] SERVER_MESSAGE_NONCE = ascii("CurveZMQMESSAGES");

  // The server's AUTHENTICATION messages: what the client is told, in the clear, in an ERROR
  // command. They name no key
  // (a passive observer must not learn the client's long-term key, nor anyone the server's); the
  // log names them.
  static final String WRONG_SERVER_KEY =
      "the client's HELLO does not open with this server's secret key: the client expects another"
          + " server public key";
  static final String UNPROVEN_CLIENT_KEY =
      "the client does not prove that it holds the secret key it presents";
  static final String MISDIRECTED_VOUCH =
      "the client's vouch was made for another connection or server";
  static final String CLIENT_KEY_REFUSED = "this server does not accept the client's key";

  private static final int KEY = NaclBox.KEY_LENGTH;
  private static final int TAG = NaclBox.TAG_LENGTH;

  private enum State {
    NEW,
    EXPECT_HELLO,
    EXPECT_WELCOME,
    EXPECT_INITIATE,
    EXPECT_DECISION,
    EXPECT_READY,
    ESTABLISHED,
    FAILED
  }

  private final boolean server;
  private final SecureRandom random;
  private final byte[] localMetadata;

  /** S: the server's long-term public key (the server's own, or the one the client expects). */
  private final CurvePublicKey serverKey;

  /** The long-term key pair of this side. */
  private final CurveKeyPair keyPair;

  /** Server only: the authenticator and its domain. */
  private final ServerAuthenticator authenticator;

  private final String domain;

  private volatile State state;
  private volatile boolean destroyed;

  /**
   * Server: the handshake commands {@link #screen} has let through (HELLO, then INITIATE). I/O
   * thread only.
   */
  private int screened;

  /** C': the client's short-term public key (the client's own, or as received in HELLO). */
  private byte[] clientShortKey;

  /** Client, until WELCOME: c' and the box key of S and c'. */
  private byte[] clientShortSecret;

  private byte[] helloKey;

  /** Server, until INITIATE: the key of this connection's cookie. */
  private byte[] cookieKey;

  /** The box key of C' and S', for INITIATE, READY and every MESSAGE. */
  private final byte[] sessionKey = new byte[KEY];

  /** The next short nonce this side sends; zero once the counter has wrapped. */
  private long nextNonce = 1;

  /** The last short nonce accepted from the remote. */
  private long remoteNonce;

  private final byte[] sealNonce;
  private final byte[] openNonce;
  private CurvePublicKey clientKey;
  private String userId;
  private Map<String, byte[]> remoteMetadata = Map.of();

  private CurveSecurity(
      boolean server,
      CurvePublicKey serverKey,
      CurveKeyPair keyPair,
      ServerAuthenticator authenticator,
      Map<String, byte[]> metadata,
      SecureRandom random) {
    this.server = server;
    this.serverKey = Objects.requireNonNull(serverKey, "server public key");
    this.keyPair = Objects.requireNonNull(keyPair, "key pair");
    this.authenticator = authenticator;
    this.domain = server ? Objects.requireNonNull(authenticator.domain(), "domain") : null;
    this.localMetadata = Metadata.encode(metadata);
    this.random = Objects.requireNonNull(random, "random");
    this.sealNonce =
        fullNonce(server ? SERVER_MESSAGE_NONCE : CLIENT_MESSAGE_NONCE, new byte[8], 0);
    this.openNonce =
        fullNonce(server ? CLIENT_MESSAGE_NONCE : SERVER_MESSAGE_NONCE, new byte[8], 0);
    this.state = server ? State.EXPECT_HELLO : State.NEW;
  }

  /**
   * The client side of one connection, proving {@code authenticator}'s key pair to the server it
   * expects.
   */
  public static CurveSecurity client(ClientAuthenticator authenticator) {
    return client(authenticator, Map.of());
  }

  /**
   * The client side of one connection that also sends {@code metadata} (ZMTP property names; sealed
   * in INITIATE, for the server's {@link #remoteMetadata()}).
   *
   * @throws IllegalArgumentException if a name is not a ZMTP property name or the metadata exceeds
   *     16 KiB
   */
  public static CurveSecurity client(
      ClientAuthenticator authenticator, Map<String, byte[]> metadata) {
    return client(authenticator, metadata, Randomness.INSTANCE);
  }

  static CurveSecurity client(
      ClientAuthenticator authenticator, Map<String, byte[]> metadata, SecureRandom random) {
    return new CurveSecurity(
        false,
        authenticator.serverPublicKey(),
        authenticator.clientKeyPair(),
        null,
        metadata,
        random);
  }

  /**
   * The server side of one connection, with {@code authenticator}'s key pair, domain and decision.
   */
  public static CurveSecurity server(ServerAuthenticator authenticator) {
    return server(authenticator, Map.of());
  }

  /**
   * The server side of one connection that also sends {@code metadata} (sealed in READY, for the
   * client's {@link #remoteMetadata()}).
   *
   * @throws IllegalArgumentException if a name is not a ZMTP property name or the metadata exceeds
   *     16 KiB
   */
  public static CurveSecurity server(
      ServerAuthenticator authenticator, Map<String, byte[]> metadata) {
    return server(authenticator, metadata, Randomness.INSTANCE);
  }

  static CurveSecurity server(
      ServerAuthenticator authenticator, Map<String, byte[]> metadata, SecureRandom random) {
    CurveKeyPair pair = authenticator.serverKeyPair();
    return new CurveSecurity(true, pair.publicKey(), pair, authenticator, metadata, random);
  }

  @Override
  public String mechanism() {
    return "CURVE";
  }

  /**
   * The client's HELLO; nothing for the server.
   *
   * @throws IllegalStateException if called twice on a client, or if the expected server key is a
   *     low-order point (no server can hold its secret key: a configuration error)
   */
  @Override
  public List<byte[]> start() {
    if (server) {
      return List.of();
    }
    if (state != State.NEW) {
      throw new IllegalStateException("the handshake has started already");
    }
    clientShortSecret = new byte[KEY];
    X25519.generatePrivateKey(random, clientShortSecret);
    clientShortKey = new byte[KEY];
    X25519.generatePublicKey(clientShortSecret, 0, clientShortKey, 0);
    helloKey = new byte[KEY];
    if (!NaclBox.beforenm(serverKey.bytes(), clientShortSecret, helloKey)) {
      state = State.FAILED;
      throw new IllegalStateException(
          "the server public key "
              + serverKey
              + " is a low-order point: no server holds its secret key");
    }
    // Version 1.0, then 72 zero bytes: HELLO is longer than WELCOME, so a spoofed HELLO amplifies
    // nothing.
    byte[] hello = Command.frame(Command.HELLO, HELLO_LENGTH);
    hello[6] = 1;
    hello[7] = 0;
    System.arraycopy(clientShortKey, 0, hello, 80, KEY);
    Pack.longToBigEndian(takeNonce(), hello, 112);
    NaclBox.seal(helloKey, fullNonce(HELLO_NONCE, hello, 112), new byte[64], 0, 64, hello, 120);
    state = State.EXPECT_WELCOME;
    return List.of(hello);
  }

  /**
   * One handshake command; a server's INITIATE also asks its {@link ServerAuthenticator} here, on
   * this thread, and answers READY.
   */
  @Override
  public List<byte[]> receive(byte[] frame) throws SecurityFailure {
    return handshakeStep(frame).complete();
  }

  /**
   * Server: the cheap checks of a handshake command before any key agreement, for the transport's
   * I/O thread: the first command must be a HELLO of 200 bytes asking for version 1.0, the second
   * an INITIATE of a possible length, and there is no third. Touches nothing that {@link
   * #handshakeStep} uses.
   */
  @Override
  public void screen(byte[] frame) throws SecurityFailure {
    if (!server) {
      return;
    }
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

  /**
   * One handshake command, leaving a server's admission decision to the step's {@link Decision}:
   * after a good INITIATE the handshake waits until {@link Decision#ask} has asked the
   * authenticator and {@link Decision#finish} has answered READY (or refused the client, with an
   * ERROR command to send).
   */
  @Override
  public Step handshakeStep(byte[] frame) throws SecurityFailure {
    Objects.requireNonNull(frame, "frame");
    State before = state;
    try {
      return switch (before) {
        case EXPECT_HELLO -> new Step(List.of(onHello(frame)), null);
        case EXPECT_WELCOME -> new Step(List.of(onWelcome(frame)), null);
        case EXPECT_INITIATE -> new Step(List.of(), onInitiate(frame));
        case EXPECT_READY -> {
          onReady(frame);
          yield new Step(List.of(), null);
        }
        case NEW ->
            throw protocol("got " + Command.describe(frame) + " before this client sent HELLO");
        case EXPECT_DECISION ->
            throw protocol(
                "got " + Command.describe(frame) + " while the client's key is being checked");
        case ESTABLISHED ->
            throw protocol(
                "got " + Command.describe(frame) + " as a handshake command after the handshake");
        default -> throw protocol("got " + Command.describe(frame) + " after the handshake failed");
      };
    } catch (SecurityFailure
        | RuntimeException f) { // runtime: a local fault, such as a destroyed key pair
      failHandshake(before);
      throw f;
    }
  }

  /** After a failure: refuses everything from now on and wipes what the handshake held. */
  private void failHandshake(State before) {
    state = State.FAILED;
    wipeHandshakeSecrets();
    if (before
        != State
            .ESTABLISHED) { // else a sealing thread may still use the session key: destroy() wipes
      // it
      Arrays.fill(sessionKey, (byte) 0);
    }
  }

  /**
   * Client, when the server closed the connection during the handshake without an ERROR: in answer
   * to HELLO that means the HELLO did not open with the server's secret key (RFC 26 servers close
   * without a word), so the server does not hold the one this client expects. Null in any other
   * state.
   */
  @Override
  public String closedInHandshake() {
    if (server || state != State.EXPECT_WELCOME) {
      return null;
    }
    return "the server closed the connection in answer to HELLO, as a CURVE server does when a"
        + " HELLO does not open with its secret key: it does not hold the secret key of "
        + serverKey
        + ", the server key this client expects";
  }

  @Override
  public boolean established() {
    return state == State.ESTABLISHED;
  }

  @Override
  public String userId() {
    return server && state == State.ESTABLISHED ? userId : null;
  }

  /**
   * Server side, once established: the client's long-term public key, which the authenticator
   * accepted.
   */
  public CurvePublicKey clientKey() {
    return server && state == State.ESTABLISHED ? clientKey : null;
  }

  /**
   * Once established, the properties the remote sealed in its INITIATE (seen by the server) or
   * READY (seen by the client), in their order; empty before.
   */
  public Map<String, byte[]> remoteMetadata() {
    return state == State.ESTABLISHED ? remoteMetadata : Map.of();
  }

  /**
   * A MESSAGE command carrying {@code plaintext}: {@code \x07MESSAGE}, the 8-byte short nonce, and
   * the box of a zero flags byte and the plaintext under the session key.
   *
   * @throws IllegalStateException if the handshake is not complete, or failed
   */
  @Override
  public byte[] seal(byte[] plaintext) {
    if (state != State.ESTABLISHED) {
      throw new IllegalStateException("seal() needs an established connection, not " + state);
    }
    byte[] frame = Command.frame(Command.MESSAGE, MESSAGE_MIN + plaintext.length);
    long nonce = takeNonce();
    Pack.longToBigEndian(nonce, frame, 8);
    Pack.longToBigEndian(nonce, sealNonce, 16);
    // frame[32] is the flags byte: 0, as this transport has neither ZMTP's MORE nor COMMAND frames.
    System.arraycopy(plaintext, 0, frame, 33, plaintext.length);
    NaclBox.seal(sessionKey, sealNonce, frame, 32, 1 + plaintext.length, frame, 16);
    return frame;
  }

  /**
   * The plaintext of a MESSAGE command.
   *
   * @throws SecurityFailure (PROTOCOL) if the frame is not a MESSAGE, its nonce is not above the
   *     last accepted one (replayed or reordered), its box does not open (forged or damaged) or its
   *     flags are not zero; the object then refuses every later frame
   * @throws IllegalStateException if the handshake is not complete on this side
   */
  @Override
  public byte[] open(byte[] frame) throws SecurityFailure {
    State now = state;
    if (now == State.FAILED) {
      throw protocol("this connection's security has failed; no frame is opened any more");
    }
    if (now != State.ESTABLISHED) {
      throw new IllegalStateException("open() needs an established connection, not " + now);
    }
    try {
      Command.expect(frame, Command.MESSAGE, MESSAGE_MIN, Integer.MAX_VALUE);
      long nonce = Pack.bigEndianToLong(frame, 8);
      if (Long.compareUnsigned(nonce, remoteNonce) <= 0) {
        throw protocol(
            "replayed or reordered MESSAGE: nonce "
                + Long.toUnsignedString(nonce)
                + " is not above the last accepted "
                + Long.toUnsignedString(remoteNonce));
      }
      Pack.longToBigEndian(nonce, openNonce, 16);
      byte[] plain = new byte[frame.length - 16 - TAG];
      if (!NaclBox.open(sessionKey, openNonce, frame, 16, frame.length - 16, plain, 0)) {
        throw protocol(
            "a MESSAGE (nonce "
                + Long.toUnsignedString(nonce)
                + ") does not open: forged or damaged");
      }
      if (plain[0] != 0) {
        throw protocol(
            "MESSAGE flags 0x"
                + Integer.toHexString(plain[0] & 0xff)
                + " are not used on this transport");
      }
      remoteNonce = nonce;
      return Arrays.copyOfRange(plain, 1, plain.length);
    } catch (SecurityFailure f) {
      state = State.FAILED;
      throw f;
    }
  }

  /**
   * Overwrites every key this object holds; it refuses everything afterwards. Must not race with
   * seal or open.
   */
  @Override
  public void destroy() {
    state = State.FAILED;
    destroyed = true;
    wipeHandshakeSecrets();
    Arrays.fill(sessionKey, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** The side, the state and the server's public key; never a secret. */
  @Override
  public String toString() {
    return "CurveSecurity["
        + (server ? "server" : "client")
        + ", "
        + state
        + ", server key "
        + serverKey
        + "]";
  }

  // ---- server ----

  /** Opens HELLO's signature box with the server's secret key and answers WELCOME. */
  private byte[] onHello(byte[] frame) throws SecurityFailure {
    checkHello(frame);
    clientShortKey = Arrays.copyOfRange(frame, 80, 80 + KEY);
    remoteNonce = Pack.bigEndianToLong(frame, 112);
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
      state = State.EXPECT_INITIATE;
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
  private Decision onInitiate(byte[] frame) throws SecurityFailure {
    Command.expect(frame, Command.INITIATE, INITIATE_MIN, INITIATE_MIN + Metadata.MAX_LENGTH);
    byte[] cookie = new byte[2 * KEY];
    byte[] vouchKey = new byte[KEY];
    try {
      boolean issuedHere =
          NaclBox.open(cookieKey, fullNonce(COOKIE_NONCE, frame, 9), frame, 25, 80, cookie, 0);
      wipe(cookieKey);
      if (!issuedHere) {
        throw protocol("INITIATE's cookie was not issued by this connection's WELCOME");
      }
      // Unreachable while the cookie key is per connection (only this HELLO's C' was ever sealed
      // with it); kept so
      // that a cookie key shared across connections, as RFC 26's stateless server has, stays safe.
      if (!Arrays.equals(cookie, 0, KEY, clientShortKey, 0, KEY)) {
        throw protocol("INITIATE's cookie was issued to another short-term key than HELLO's");
      }
      long nonce = Pack.bigEndianToLong(frame, 105);
      if (Long.compareUnsigned(nonce, remoteNonce) <= 0) {
        throw protocol(
            "INITIATE's nonce "
                + Long.toUnsignedString(nonce)
                + " is not above HELLO's "
                + Long.toUnsignedString(remoteNonce));
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
      remoteNonce = nonce;
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
      state = State.EXPECT_DECISION;
      return new Admission(client);
    } finally {
      wipe(cookie, vouchKey);
    }
  }

  /**
   * The authenticator's decision on a client that has proved its key: {@link #ask} calls it (any
   * thread, no secret touched), {@link #finish} answers READY or refuses with an ERROR command, the
   * only failure a client is told of (RFC 26: an ERROR follows a refusal by the ZAP handler).
   */
  private final class Admission implements Decision {
    private final CurvePublicKey client;
    private volatile AuthResult result;
    private volatile RuntimeException failure;

    Admission(CurvePublicKey client) {
      this.client = client;
    }

    @Override
    public void ask() {
      try {
        result = authenticator.checkClient(new Credential(domain, client));
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    @Override
    public List<byte[]> finish() throws SecurityFailure {
      if (state != State.EXPECT_DECISION) {
        throw protocol("this connection's security ended while its client's key was checked");
      }
      AuthResult answer = result;
      try {
        if (failure != null || answer == null || !answer.success()) {
          if (failure != null) {
            log.warn(
                "CURVE: refused client key {} in domain '{}': the authenticator failed",
                client,
                domain,
                failure);
          } else {
            log.info(
                "CURVE: the authenticator refused client key {} in domain '{}'", client, domain);
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
        Pack.longToBigEndian(takeNonce(), ready, 6);
        NaclBox.seal(
            sessionKey,
            fullNonce(READY_NONCE, ready, 6),
            localMetadata,
            0,
            localMetadata.length,
            ready,
            14);
        state = State.ESTABLISHED;
        log.debug("CURVE handshake complete: client key {} accepted as user '{}'", client, userId);
        return List.of(ready);
      } catch (SecurityFailure | RuntimeException f) {
        failHandshake(State.EXPECT_DECISION);
        throw f;
      }
    }
  }

  // ---- client ----

  /** Opens WELCOME with the expected server key and answers INITIATE with the vouch. */
  private byte[] onWelcome(byte[] frame) throws SecurityFailure {
    if (ErrorCommand.is(frame)) {
      throw authentication(
          "authentication rejected by the server: "
              + ErrorCommand.reason(frame)
              + " (this client expects server key "
              + serverKey
              + ")");
    }
    Command.expect(frame, Command.WELCOME, WELCOME_LENGTH, WELCOME_LENGTH);
    byte[] welcomePlain = new byte[128];
    byte[] secret = null;
    byte[] vouchKey = new byte[KEY];
    try {
      boolean fromServer =
          NaclBox.open(
              helloKey, fullNonce(WELCOME_NONCE, frame, 8), frame, 24, 144, welcomePlain, 0);
      wipe(helloKey);
      if (!fromServer) {
        throw authentication("the server does not hold the secret key of " + serverKey);
      }
      if (!NaclBox.beforenm(welcomePlain, clientShortSecret, sessionKey)) {
        throw protocol("WELCOME carries a low-order short-term key");
      }
      wipe(clientShortSecret);
      // INITIATE = cookie + Box[C + vouch + metadata](C' -> S'), vouch = nonce + Box[C' + S](C ->
      // S').
      secret = keyPair.secretKey();
      NaclBox.beforenm(welcomePlain, secret, vouchKey);
      byte[] initiatePlain = new byte[128 + localMetadata.length];
      System.arraycopy(keyPair.publicKey().bytes(), 0, initiatePlain, 0, KEY);
      byte[] vouchNonce = fullNonce(VOUCH_NONCE, randomBytes(16), 0);
      System.arraycopy(vouchNonce, VOUCH_NONCE.length, initiatePlain, 32, 16);
      byte[] vouch = new byte[2 * KEY];
      System.arraycopy(clientShortKey, 0, vouch, 0, KEY);
      System.arraycopy(serverKey.bytes(), 0, vouch, KEY, KEY);
      NaclBox.seal(vouchKey, vouchNonce, vouch, 0, vouch.length, initiatePlain, 48);
      System.arraycopy(localMetadata, 0, initiatePlain, 128, localMetadata.length);
      byte[] initiate = Command.frame(Command.INITIATE, 113 + TAG + initiatePlain.length);
      System.arraycopy(welcomePlain, KEY, initiate, 9, 96);
      Pack.longToBigEndian(takeNonce(), initiate, 105);
      NaclBox.seal(
          sessionKey,
          fullNonce(INITIATE_NONCE, initiate, 105),
          initiatePlain,
          0,
          initiatePlain.length,
          initiate,
          113);
      state = State.EXPECT_READY;
      return initiate;
    } finally {
      wipe(welcomePlain, secret, vouchKey);
    }
  }

  /** Opens READY: the server accepted this client. */
  private void onReady(byte[] frame) throws SecurityFailure {
    if (ErrorCommand.is(frame)) {
      throw authentication("authentication rejected by the server: " + ErrorCommand.reason(frame));
    }
    Command.expect(frame, Command.READY, READY_MIN, READY_MIN + Metadata.MAX_LENGTH);
    long nonce = Pack.bigEndianToLong(frame, 6);
    byte[] metadata = new byte[frame.length - READY_MIN];
    if (!NaclBox.open(
        sessionKey, fullNonce(READY_NONCE, frame, 6), frame, 14, frame.length - 14, metadata, 0)) {
      throw protocol("READY's box does not open with this connection's short-term keys");
    }
    remoteNonce = nonce;
    remoteMetadata = Metadata.decode(metadata, 0, metadata.length, "READY");
    state = State.ESTABLISHED;
    log.debug("CURVE handshake complete with server key {}", serverKey);
  }

  // ---- shared ----

  private long takeNonce() {
    long nonce = nextNonce;
    if (nonce == 0) {
      throw new IllegalStateException("2^64 - 1 frames sent: the nonces are used up");
    }
    nextNonce = nonce + 1;
    return nonce;
  }

  private void wipeHandshakeSecrets() {
    wipe(clientShortSecret, helloKey, cookieKey);
  }

  /**
   * For tests: the arrays that held secrets (c', the HELLO box key, the cookie key, the session
   * key); null if never made.
   */
  byte[][] secretFields() {
    return new byte[][] {clientShortSecret, helloKey, cookieKey, sessionKey};
  }

  /**
   * The 24-byte nonce of {@code prefix} followed by {@code 24 - prefix.length} bytes of {@code
   * source}.
   */
  static byte[] fullNonce(byte[] prefix, byte[] source, int offset) {
    byte[] nonce = new byte[NaclBox.NONCE_LENGTH];
    System.arraycopy(prefix, 0, nonce, 0, prefix.length);
    System.arraycopy(source, offset, nonce, prefix.length, nonce.length - prefix.length);
    return nonce;
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private static boolean allZero(byte[] bytes) {
    int or = 0;
    for (byte b : bytes) {
      or |= b;
    }
    return or == 0;
  }

  private static void wipe(byte[]... secrets) {
    for (byte[] s : secrets) {
      if (s != null) {
        Arrays.fill(s, (byte) 0);
      }
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Created on first use, so that tests with their own randomness never touch the system's entropy
   * source.
   */
  private static final class Randomness {
    static final SecureRandom INSTANCE = new SecureRandom();
  }
}
