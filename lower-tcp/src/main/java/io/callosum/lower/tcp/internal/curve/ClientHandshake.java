package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Command.authentication;
import static io.callosum.lower.tcp.internal.curve.Command.fullNonce;
import static io.callosum.lower.tcp.internal.curve.Command.protocol;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.lower.tcp.internal.SecurityFailure;
import java.security.SecureRandom;
import java.util.Map;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.Pack;

/**
 * The client's half of the CurveZMQ handshake (RFC 26): HELLO with a fresh short-term key C'; then
 * WELCOME opened with the server key it expects, which proves that the server holds its secret key,
 * answered by INITIATE with the vouch that proves this client holds its own; then READY. The long-
 * term secret key is copied out of its key pair only to make the vouch; c' and the HELLO box key
 * are overwritten once WELCOME has used them.
 */
final class ClientHandshake extends Handshake {
  /** c': the client's short-term secret key, until WELCOME. */
  byte[] shortSecret;

  /** The box key of S and c', until WELCOME. */
  byte[] helloKey;

  ClientHandshake(
      ClientAuthenticator authenticator, Map<String, byte[]> metadata, SecureRandom random) {
    super(false, authenticator.serverPublicKey(), authenticator.clientKeyPair(), metadata, random);
  }

  /**
   * HELLO; null if the expected server key is a low-order point (no server can hold its secret
   * key).
   */
  byte[] hello() {
    shortSecret = new byte[KEY];
    X25519.generatePrivateKey(random, shortSecret);
    clientShortKey = new byte[KEY];
    X25519.generatePublicKey(shortSecret, 0, clientShortKey, 0);
    helloKey = new byte[KEY];
    if (!NaclBox.beforenm(serverKey.bytes(), shortSecret, helloKey)) {
      return null;
    }
    // Version 1.0, then 72 zero bytes: HELLO is longer than WELCOME, so a spoofed HELLO amplifies
    // nothing.
    byte[] hello = Command.frame(Command.HELLO, Command.HELLO_LENGTH);
    hello[6] = 1;
    hello[7] = 0;
    System.arraycopy(clientShortKey, 0, hello, 80, KEY);
    Pack.longToBigEndian(session.takeNonce(), hello, 112);
    NaclBox.seal(
        helloKey, fullNonce(Command.HELLO_NONCE, hello, 112), new byte[64], 0, 64, hello, 120);
    return hello;
  }

  /** Opens WELCOME with the expected server key and answers INITIATE with the vouch. */
  byte[] welcome(byte[] frame) throws SecurityFailure {
    if (ErrorCommand.is(frame)) {
      throw authentication(
          "authentication rejected by the server: "
              + ErrorCommand.reason(frame)
              + " (this client expects server key "
              + serverKey
              + ")");
    }
    Command.expect(frame, Command.WELCOME, Command.WELCOME_LENGTH, Command.WELCOME_LENGTH);
    byte[] welcomePlain = new byte[128];
    byte[] secret = null;
    byte[] vouchKey = new byte[KEY];
    byte[] sessionKey = session.key();
    try {
      boolean fromServer =
          NaclBox.open(
              helloKey,
              fullNonce(Command.WELCOME_NONCE, frame, 8),
              frame,
              24,
              144,
              welcomePlain,
              0);
      wipe(helloKey);
      if (!fromServer) {
        throw authentication("the server does not hold the secret key of " + serverKey);
      }
      if (!NaclBox.beforenm(welcomePlain, shortSecret, sessionKey)) {
        throw protocol("WELCOME carries a low-order short-term key");
      }
      wipe(shortSecret);
      // INITIATE = cookie + Box[C + vouch + metadata](C' -> S'), vouch = nonce + Box[C' + S](C ->
      // S').
      secret = keyPair.secretKey();
      NaclBox.beforenm(welcomePlain, secret, vouchKey);
      byte[] initiatePlain = new byte[128 + localMetadata.length];
      System.arraycopy(keyPair.publicKey().bytes(), 0, initiatePlain, 0, KEY);
      byte[] vouchNonce = fullNonce(Command.VOUCH_NONCE, randomBytes(16), 0);
      System.arraycopy(vouchNonce, Command.VOUCH_NONCE.length, initiatePlain, 32, 16);
      byte[] vouch = new byte[2 * KEY];
      System.arraycopy(clientShortKey, 0, vouch, 0, KEY);
      System.arraycopy(serverKey.bytes(), 0, vouch, KEY, KEY);
      NaclBox.seal(vouchKey, vouchNonce, vouch, 0, vouch.length, initiatePlain, 48);
      System.arraycopy(localMetadata, 0, initiatePlain, 128, localMetadata.length);
      byte[] initiate = Command.frame(Command.INITIATE, 113 + TAG + initiatePlain.length);
      System.arraycopy(welcomePlain, KEY, initiate, 9, 96);
      Pack.longToBigEndian(session.takeNonce(), initiate, 105);
      NaclBox.seal(
          sessionKey,
          fullNonce(Command.INITIATE_NONCE, initiate, 105),
          initiatePlain,
          0,
          initiatePlain.length,
          initiate,
          113);
      return initiate;
    } finally {
      wipe(welcomePlain, secret, vouchKey);
    }
  }

  /** Opens READY: the server accepted this client. */
  void ready(byte[] frame) throws SecurityFailure {
    if (ErrorCommand.is(frame)) {
      throw authentication("authentication rejected by the server: " + ErrorCommand.reason(frame));
    }
    Command.expect(
        frame, Command.READY, Command.READY_MIN, Command.READY_MIN + Metadata.MAX_LENGTH);
    long nonce = Pack.bigEndianToLong(frame, 6);
    byte[] metadata = new byte[frame.length - Command.READY_MIN];
    if (!NaclBox.open(
        session.key(),
        fullNonce(Command.READY_NONCE, frame, 6),
        frame,
        14,
        frame.length - 14,
        metadata,
        0)) {
      throw protocol("READY's box does not open with this connection's short-term keys");
    }
    session.accepted(nonce);
    remoteMetadata = Metadata.decode(metadata, 0, metadata.length, "READY");
    log.debug("CURVE handshake complete with server key {}", serverKey);
  }

  @Override
  void wipeSecrets() {
    wipe(shortSecret, helloKey);
  }
}
