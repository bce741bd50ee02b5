package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Command.protocol;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.SecurityFailure;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.security.auth.Destroyable;

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
 *
 * <p>This class holds the state of the handshake and the rules of each state; the commands
 * themselves are made and checked by the side's half ({@link ClientHandshake}, {@link
 * ServerHandshake}), and the session key, the nonces and the MESSAGE command are the {@link
 * Session}'s.
 */
public final class CurveSecurity implements ConnectionSecurity, Destroyable {
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

  /** The half of the handshake this side runs: exactly one of the two is set. */
  private final ServerHandshake server;

  private final ClientHandshake client;
  private final Handshake handshake;
  private final Session session;

  private volatile State state;
  private volatile boolean destroyed;

  private CurveSecurity(Handshake handshake) {
    this.handshake = handshake;
    this.server = handshake instanceof ServerHandshake s ? s : null;
    this.client = handshake instanceof ClientHandshake c ? c : null;
    this.session = handshake.session;
    this.state = server != null ? State.EXPECT_HELLO : State.NEW;
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
    return new CurveSecurity(new ClientHandshake(authenticator, metadata, random));
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
    String domain = Objects.requireNonNull(authenticator.domain(), "domain");
    return new CurveSecurity(new ServerHandshake(authenticator, pair, domain, metadata, random));
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
    if (server != null) {
      return List.of();
    }
    if (state != State.NEW) {
      throw new IllegalStateException("the handshake has started already");
    }
    byte[] hello = client.hello();
    if (hello == null) {
      state = State.FAILED;
      throw new IllegalStateException(
          "the server public key "
              + handshake.serverKey
              + " is a low-order point: no server holds its secret key");
    }
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
    if (server != null) {
      server.screen(frame);
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
        case EXPECT_HELLO -> {
          byte[] welcome = server.hello(frame);
          state = State.EXPECT_INITIATE;
          yield new Step(List.of(welcome), null);
        }
        case EXPECT_WELCOME -> {
          byte[] initiate = client.welcome(frame);
          state = State.EXPECT_READY;
          yield new Step(List.of(initiate), null);
        }
        case EXPECT_INITIATE -> {
          ServerHandshake.Admission admission = server.initiate(frame);
          state = State.EXPECT_DECISION;
          yield new Step(List.of(), new Deciding(admission));
        }
        case EXPECT_READY -> {
          client.ready(frame);
          state = State.ESTABLISHED;
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

  /**
   * A server's admission decision as the transport makes it: {@link #ask} asks the authenticator
   * (any thread, no secret touched), {@link #finish} answers READY if the handshake still waits for
   * it.
   */
  private final class Deciding implements Decision {
    private final ServerHandshake.Admission admission;

    Deciding(ServerHandshake.Admission admission) {
      this.admission = admission;
    }

    @Override
    public void ask() {
      admission.ask();
    }

    @Override
    public List<byte[]> finish() throws SecurityFailure {
      if (state != State.EXPECT_DECISION) {
        throw protocol("this connection's security ended while its client's key was checked");
      }
      try {
        byte[] ready = admission.ready();
        state = State.ESTABLISHED;
        return List.of(ready);
      } catch (SecurityFailure | RuntimeException f) {
        failHandshake(State.EXPECT_DECISION);
        throw f;
      }
    }
  }

  /** After a failure: refuses everything from now on and wipes what the handshake held. */
  private void failHandshake(State before) {
    state = State.FAILED;
    handshake.wipeSecrets();
    if (before != State.ESTABLISHED) {
      // else a sealing thread may still use the session key: destroy() wipes it
      session.wipe();
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
    if (server != null || state != State.EXPECT_WELCOME) {
      return null;
    }
    return "the server closed the connection in answer to HELLO, as a CURVE server does when a"
        + " HELLO does not open with its secret key: it does not hold the secret key of "
        + handshake.serverKey
        + ", the server key this client expects";
  }

  @Override
  public boolean established() {
    return state == State.ESTABLISHED;
  }

  @Override
  public String userId() {
    return server != null && state == State.ESTABLISHED ? server.userId : null;
  }

  /**
   * Server side, once established: the client's long-term public key, which the authenticator
   * accepted.
   */
  public CurvePublicKey clientKey() {
    return server != null && state == State.ESTABLISHED ? server.clientKey : null;
  }

  /**
   * Once established, the properties the remote sealed in its INITIATE (seen by the server) or
   * READY (seen by the client), in their order; empty before.
   */
  public Map<String, byte[]> remoteMetadata() {
    return state == State.ESTABLISHED ? handshake.remoteMetadata : Map.of();
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
    return session.seal(plaintext);
  }

  /**
   * The MESSAGE command of {@link #seal} for one DATA frame, built in place ({@link
   * Session#sealData}).
   *
   * @throws IllegalStateException if the handshake is not complete, or failed
   */
  @Override
  public byte[] sealData(int channel, byte[] header, byte[] bodyHead, byte[] body) {
    if (state != State.ESTABLISHED) {
      throw new IllegalStateException("seal() needs an established connection, not " + state);
    }
    return session.sealData(channel, header, bodyHead, body);
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
    return open(frame, null);
  }

  /**
   * {@link #open(byte[])}, a DATA frame that {@code into} takes opened straight into its arrays
   * ({@link Session#open(byte[], DataTarget)}).
   */
  @Override
  public byte[] open(byte[] frame, DataTarget into) throws SecurityFailure {
    State now = state;
    if (now == State.FAILED) {
      throw protocol("this connection's security has failed; no frame is opened any more");
    }
    if (now != State.ESTABLISHED) {
      throw new IllegalStateException("open() needs an established connection, not " + now);
    }
    try {
      return session.open(frame, into);
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
    handshake.wipeSecrets();
    session.wipe();
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** The side, the state and the server's public key; never a secret. */
  @Override
  public String toString() {
    return "CurveSecurity["
        + (server != null ? "server" : "client")
        + ", "
        + state
        + ", server key "
        + handshake.serverKey
        + "]";
  }

  /**
   * For tests: the arrays that held secrets (c', the HELLO box key, the cookie key, the session
   * key); null if never made.
   */
  byte[][] secretFields() {
    return new byte[][] {
      client != null ? client.shortSecret : null,
      client != null ? client.helloKey : null,
      server != null ? server.cookieKey : null,
      session.key()
    };
  }

  /**
   * Created on first use, so that tests with their own randomness never touch the system's entropy
   * source.
   */
  private static final class Randomness {
    static final SecureRandom INSTANCE = new SecureRandom();
  }
}
