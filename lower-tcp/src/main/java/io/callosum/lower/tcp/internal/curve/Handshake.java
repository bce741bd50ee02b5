package io.callosum.lower.tcp.internal.curve;

import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both halves of a CurveZMQ handshake hold: this side's long-term key pair, the server's
 * public key, the metadata to send, the randomness, and the {@link Session} the handshake sets up;
 * and what each half knows once done. {@link CurveSecurity} runs one half per connection and keeps
 * its state; a half only makes and checks commands, and throws {@link
 * io.callosum.lower.tcp.internal.SecurityFailure} for anything it refuses.
 *
 * <p>One thread at a time, except where a half says otherwise.
 */
abstract sealed class Handshake permits ClientHandshake, ServerHandshake {
  /** The handshake's lines are {@link CurveSecurity}'s (CURVE.md names it). */
  static final Logger log = LoggerFactory.getLogger(CurveSecurity.class);

  static final int KEY = NaclBox.KEY_LENGTH;
  static final int TAG = NaclBox.TAG_LENGTH;

  /** S: the server's long-term public key (the server's own, or the one the client expects). */
  final CurvePublicKey serverKey;

  /** The long-term key pair of this side. */
  final CurveKeyPair keyPair;

  final byte[] localMetadata;
  final Session session;
  final SecureRandom random;

  /** C': the client's short-term public key (the client's own, or as received in HELLO). */
  byte[] clientShortKey;

  /** The properties the remote sealed in its INITIATE (seen by a server) or READY (by a client). */
  Map<String, byte[]> remoteMetadata = Map.of();

  Handshake(
      boolean server,
      CurvePublicKey serverKey,
      CurveKeyPair keyPair,
      Map<String, byte[]> metadata,
      SecureRandom random) {
    this.serverKey = Objects.requireNonNull(serverKey, "server public key");
    this.keyPair = Objects.requireNonNull(keyPair, "key pair");
    this.localMetadata = Metadata.encode(metadata);
    this.random = Objects.requireNonNull(random, "random");
    this.session = new Session(server);
  }

  /** Overwrites the secrets only the handshake needs (not the session key). */
  abstract void wipeSecrets();

  final byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  static void wipe(byte[]... secrets) {
    for (byte[] s : secrets) {
      if (s != null) {
        Arrays.fill(s, (byte) 0);
      }
    }
  }
}
